// The reader's article view: shows the HTML that casekit.source renders, and reports which highlight was clicked.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "ck-view";
  el.appendChild(box);
  const draw = () => {
    box.innerHTML = model.get("html");
  };
  const choose = (event) => {
    const mark = event.target.closest("[data-ann]");
    if (!mark || !box.contains(mark) || mark.classList.contains("ck-sample")) return;
    model.set("selected", mark.dataset.ann);
    model.save_changes();
  };
  box.addEventListener("click", choose);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      choose(event);
    }
  });
  model.on("change:html", draw);
  draw();
  return () => model.off("change:html", draw);
}
export default { render };
