// The read-first reader (casekit.annotate): the article with the student's own marks only, a form to mark a
// passage, the list of saved annotations, and "Compare". The kernel checks and keeps every annotation; this front
// end only reports what was selected or typed, and draws what the kernel sends back.
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "ck-annotate";
  root.setAttribute("role", "region");
  // Keys typed in the widget are the student's (Tab moves between its fields, letters pick a kind), never
  // JupyterLab's command-mode shortcuts: Lumino skips its key bindings for an element marked so.
  const ownKeys = () => root.querySelectorAll("button, select, input, textarea, [tabindex]")
    .forEach((e) => e.setAttribute("data-lm-suppress-shortcuts", "true"));
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  root.setAttribute("aria-label", "Read first: mark the article yourself, then compare with the kit's notes");
  root.innerHTML = `
    <p class="ck-ann-help">Read the article and mark what you notice. Select words with the mouse, or type or
      paste them in the Passage field (keyboard: in the article, Up and Down go from paragraph to paragraph,
      Enter copies one into the field, to cut down to your words); pick a kind; add a note if you like; press
      Save. The kit's notes stay hidden until you press Compare.</p>
    <div class="ck-ann-article" tabindex="0" role="document" aria-label="The article"></div>
    <form class="ck-ann-form" aria-label="Mark a passage">
      <label>Passage <textarea class="ck-ann-exact" rows="2"></textarea></label>
      <label>Kind <select class="ck-ann-kind"><option value="">choose a kind</option></select></label>
      <label>Note (optional) <input type="text" class="ck-ann-note"></label>
      <button type="submit" class="ck-ann-save">Save annotation</button>
    </form>
    <p class="ck-ann-message" role="status" aria-live="polite"></p>
    <div class="ck-ann-saved"></div>
    <button type="button" class="ck-ann-compare">Compare with the kit's notes</button>
    <div class="ck-ann-compared"></div>`;
  el.appendChild(root);
  const q = (s) => root.querySelector(s);
  const article = q(".ck-ann-article"), exact = q(".ck-ann-exact"), kind = q(".ck-ann-kind");
  const note = q(".ck-ann-note"), message = q(".ck-ann-message");
  for (const [value, label] of model.get("kinds")) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    kind.appendChild(option);
  }
  let from = null, to = null; // paragraphs where a mouse selection began and ended; null when typed
  const parOf = (node) => {
    const element = node && (node.nodeType === 1 ? node : node.parentElement);
    const par = element && element.closest("[data-par]");
    return par && article.contains(par) ? Number(par.dataset.par) : null;
  };
  const takeSelection = () => {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!article.contains(range.commonAncestorContainer)) return;
    // The student's own tags ("[1: Date]") are not part of the article's words.
    const copy = range.cloneContents();
    copy.querySelectorAll(".ck-mine-tag").forEach((tag) => tag.remove());
    const pars = copy.querySelectorAll("[data-par]");
    exact.value = pars.length > 1 ? [...pars].map((p) => p.querySelector(".ck-ann-text")?.textContent ?? "")
      .join("\n\n") : copy.textContent;
    from = parOf(range.startContainer);
    to = parOf(range.endContainer);
  };
  article.addEventListener("mouseup", takeSelection);
  // From the keyboard: in the article, Up and Down move from paragraph to paragraph; Enter copies the focused
  // paragraph into the Passage field (and remembers which paragraph it is), where the student cuts it down to
  // the words they mean.
  const pars = () => [...article.querySelectorAll("[data-par]")];
  article.addEventListener("keydown", (event) => {
    if (!["ArrowDown", "ArrowUp", "Enter"].includes(event.key)) return;
    const all = pars();
    const at = all.indexOf(document.activeElement);
    if (event.key === "Enter") {
      if (at < 0) return;
      event.preventDefault();
      exact.value = all[at].querySelector(".ck-ann-text").textContent.replace(/\[\d+: [^\]]*\]/g, "");
      from = to = Number(all[at].dataset.par);
      exact.focus();
      return;
    }
    event.preventDefault();
    const next = at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)));
    all[next].focus();
  });
  exact.addEventListener("input", () => { if (!exact.value.trim()) { from = null; to = null; } });
  q(".ck-ann-form").addEventListener("submit", (event) => {
    event.preventDefault();
    model.send({ action: "save", exact: exact.value, kind: kind.value, note: note.value,
                 paragraph: from, last_paragraph: to });
  });
  q(".ck-ann-compare").addEventListener("click", () => model.send({ action: "compare" }));
  q(".ck-ann-saved").addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove]");
    if (button) model.send({ action: "remove", index: Number(button.dataset.remove) });
  });
  let count = -1;
  const draw = () => {
    article.innerHTML = model.get("html");
    q(".ck-ann-saved").innerHTML = model.get("saved");
    q(".ck-ann-compared").innerHTML = model.get("compared");
    const saved = (model.get("saved").match(/data-remove=/g) || []).length;
    if (count >= 0 && saved > count) { exact.value = ""; note.value = ""; from = null; to = null; }
    count = saved;
    ownKeys();
  };
  const say = () => { message.textContent = model.get("message"); };
  model.on("change:html", draw);
  model.on("change:saved", draw);
  model.on("change:compared", draw);
  model.on("change:message", say);
  draw();
  say();
  return () => {
    model.off("change:html", draw);
    model.off("change:saved", draw);
    model.off("change:compared", draw);
    model.off("change:message", say);
  };
}
export default { render };
