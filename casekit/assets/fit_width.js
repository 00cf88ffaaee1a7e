// The explorer's FigureWidget is drawn before it is on the page, at plotly's default 700 px, and fits its column
// only when the window is resized. This zero-height widget sits beside it and, whenever its own width changes (on
// first display too), tells the page it was resized, so that the (responsive) figure fits the column it is in.
function render({ el }) {
  let last = 0;
  const observer = new ResizeObserver((entries) => {
    const width = Math.round(entries[0].contentRect.width);
    if (width && width !== last) {
      last = width;
      window.dispatchEvent(new Event("resize"));
    }
  });
  observer.observe(el);
  return () => observer.disconnect();
}
export default { render };
