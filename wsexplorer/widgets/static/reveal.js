// An invisible marker that scrolls itself into view each time Python bumps `pulse` (anywidget).
function render({ model, el }) {
  el.style.height = "0";
  el.setAttribute("aria-hidden", "true");
  model.on("change:pulse", () => {
    el.scrollIntoView({ block: model.get("block"), behavior: "smooth" });
  });
}
export default { render };
