// A button that copies its `text` to the clipboard (anywidget ES module, no build step).
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button wsx-copy-button";
  button.type = "button";
  const draw = () => {
    button.textContent = model.get("label");
    button.title = model.get("hint");
    button.setAttribute("aria-label", model.get("label"));
    button.disabled = !model.get("text");
  };
  button.addEventListener("click", async () => {
    const text = model.get("text");
    model.set("attempts", model.get("attempts") + 1);
    try {
      await navigator.clipboard.writeText(text);
      model.set("error", "");
      model.set("copied", model.get("copied") + 1);
      button.textContent = "copied ✓";
      setTimeout(draw, 1200);
    } catch (err) {
      model.set("error", String(err));
    }
    model.save_changes();
  });
  model.on("change:text", draw);
  model.on("change:label", draw);
  draw();
  el.appendChild(button);
}
export default { render };
