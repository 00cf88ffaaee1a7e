// One kind of highlight, on or off: a real button whose aria-pressed says which.
function render({ model, el }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `ck-toggle ck-toggle-${model.get("kind")}`;
  button.textContent = model.get("description");
  button.title = model.get("tooltip");
  const show = () => {
    const on = model.get("value");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.classList.toggle("ck-toggle-off", !on);
  };
  button.addEventListener("click", () => {
    model.set("value", !model.get("value"));
    model.save_changes();
  });
  model.on("change:value", show);
  show();
  el.appendChild(button);
  return () => model.off("change:value", show);
}
export default { render };
