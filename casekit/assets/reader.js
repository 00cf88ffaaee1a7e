// The reader's article view: shows the HTML that casekit.source renders, and reports which highlight was chosen.
// A redraw keeps the keyboard focus on the same highlight and the scroll position; a new search scrolls to its
// first match.
function render({ model, el }) {
  const box = document.createElement("div");
  box.className = "ck-view";
  el.appendChild(box);
  let searched = model.get("search");
  const draw = () => {
    const focused = box.contains(document.activeElement) ? document.activeElement.dataset.ann : undefined;
    const top = box.scrollTop;
    box.innerHTML = model.get("html");
    box.scrollTop = top;
    if (focused) {
      const again = box.querySelector(`[data-ann="${CSS.escape(focused)}"]:not(.ck-sample)`);
      if (again) again.focus({ preventScroll: true });
    }
    const search = model.get("search");
    if (search !== searched) {
      searched = search;
      const hit = box.querySelector("mark.ck-hit");
      if (hit) {
        const offset = hit.getBoundingClientRect().top - box.getBoundingClientRect().top;
        box.scrollTop += offset - box.clientHeight / 3;
      }
    }
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
