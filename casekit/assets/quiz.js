// A lesson's check-your-understanding question: a native radio group, the verdict announced politely.
let count = 0;
function render({ model, el }) {
  const name = `ck-quiz-${++count}-${Math.random().toString(36).slice(2, 8)}`;
  const form = document.createElement("fieldset");
  form.className = "ck-quiz";
  const legend = document.createElement("legend");
  legend.className = "ck-quiz-question";
  legend.textContent = model.get("question");
  form.appendChild(legend);
  for (const [key, text] of model.get("options")) {
    const label = document.createElement("label");
    label.className = "ck-quiz-option";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = name;
    input.value = key;
    input.checked = model.get("picked") === key;
    input.addEventListener("change", () => {
      if (input.checked) {
        model.set("picked", key);
        model.save_changes();
      }
    });
    const span = document.createElement("span");
    span.className = "ck-quiz-text";
    const letter = document.createElement("b");
    letter.textContent = `${key}. `;
    span.append(letter, text);
    label.append(input, span);
    form.appendChild(label);
  }
  const said = document.createElement("p");
  said.className = "ck-quiz-feedback";
  said.setAttribute("role", "status");
  said.setAttribute("aria-live", "polite");
  form.appendChild(said);
  const show = () => {
    const picked = model.get("picked");
    for (const input of form.querySelectorAll("input")) input.checked = input.value === picked;
    said.textContent = (picked ? (model.get("right") ? "✓ " : "✗ ") : "") + model.get("verdict");
    said.className = "ck-quiz-feedback" + (picked ? (model.get("right") ? " ck-right" : " ck-wrong") : "");
  };
  model.on("change:verdict", show);
  model.on("change:picked", show);
  model.on("change:right", show);
  show();
  el.appendChild(form);
  return () => {
    model.off("change:verdict", show);
    model.off("change:picked", show);
    model.off("change:right", show);
  };
}
export default { render };
