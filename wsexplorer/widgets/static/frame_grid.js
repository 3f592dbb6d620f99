// The frame table's front end: a virtualised grid (anywidget ES module, no build step).
//
// Python sends only the rows of the window in view (`rows`, the first of them at position
// `rows_start` of `total`); scrolling asks for another window by setting `start`. Every row has the same height, so the
// scrollbar is exact at any size and nothing shrinks or overlaps. Clicking a row, or moving with
// the arrow keys, sets `selected` (a row position); Python answers by opening that frame.

function render({ model, el }) {
  const rowHeight = () => model.get("row_height");
  // ARIA: the scrolling viewport is the grid. It takes the keyboard focus (arrows move the selection;
  // a scrollable region must be reachable from the keyboard), and holds the header row (sticky at the
  // top) and the body rows, each in a rowgroup. The text shown when there are no rows is outside it (a
  // grid may hold only rows and rowgroups).
  const root = document.createElement("div");
  root.className = "wsx-grid";
  const viewport = document.createElement("div");
  viewport.className = "wsx-grid-viewport";
  viewport.setAttribute("role", "grid");
  viewport.tabIndex = 0;
  // The arrow keys belong to the grid while it has the focus, not to the notebook's shortcuts (Lumino
  // skips keyboard shortcuts for events from inside an element with this attribute).
  viewport.dataset.lmSuppressShortcuts = "true";
  const headerGroup = document.createElement("div");
  headerGroup.className = "wsx-grid-head";
  headerGroup.setAttribute("role", "rowgroup");
  const header = document.createElement("div");
  header.className = "wsx-grid-header";
  header.setAttribute("role", "row");
  headerGroup.appendChild(header);
  const spacer = document.createElement("div");
  spacer.className = "wsx-grid-spacer";
  const body = document.createElement("div");
  body.className = "wsx-grid-body";
  body.setAttribute("role", "rowgroup");
  spacer.appendChild(body);
  viewport.append(headerGroup, spacer);
  const empty = document.createElement("div");
  empty.className = "wsx-grid-empty";
  root.append(viewport);
  el.append(root, empty);
  // The header row is one row high (border included), so sizes are known before the grid is on the page.
  const headerHeight = () => rowHeight();

  let pending = null;

  function drawHeader() {
    header.replaceChildren();
    header.style.height = rowHeight() + "px";
    header.style.lineHeight = rowHeight() - 1 + "px";
    const widths = model.get("widths");
    model.get("columns").forEach((title, i) => {
      const cell = document.createElement("div");
      cell.className = "wsx-grid-cell wsx-grid-col" + i;
      cell.setAttribute("role", "columnheader");
      cell.style.flex = widths[i];
      cell.textContent = title;
      header.appendChild(cell);
    });
  }

  function drawRows() {
    const total = model.get("total");
    const height = rowHeight();
    const widths = model.get("widths");
    const selected = model.get("selected");
    const shown = Math.max(1, Math.min(model.get("visible_rows"), total || 1));
    viewport.style.height = shown * height + headerHeight() + "px";
    viewport.setAttribute("aria-rowcount", String(total + 1));  // the header row counts
    viewport.setAttribute("aria-label", model.get("label"));
    spacer.style.height = total * height + "px";
    empty.textContent = total ? "" : model.get("empty_text");
    empty.style.display = total ? "none" : "block";
    body.replaceChildren();
    const start = model.get("rows_start");  // the rows' own first position (start may have moved on)
    model.get("rows").forEach((row, k) => {
      const position = start + k;
      const div = document.createElement("div");
      div.className = "wsx-grid-row " + row.k + (position === selected ? " wsx-grid-selected" : "");
      div.setAttribute("role", "row");
      div.setAttribute("aria-rowindex", String(position + 2));
      div.setAttribute("aria-selected", position === selected ? "true" : "false");
      div.dataset.position = String(position);
      div.style.top = position * height + "px";
      div.style.height = height + "px";
      div.style.lineHeight = height - 1 + "px";
      if (row.t) div.title = row.t;
      row.c.forEach((text, i) => {
        const cell = document.createElement("div");
        cell.className = "wsx-grid-cell wsx-grid-col" + i;
        cell.setAttribute("role", "gridcell");
        cell.style.flex = widths[i];
        cell.textContent = text;
        div.appendChild(cell);
      });
      body.appendChild(div);
    });
  }

  function askForWindow() {
    const height = rowHeight();
    const first = Math.floor(viewport.scrollTop / height);
    const visible = Math.ceil((viewport.clientHeight - headerHeight()) / height);
    const start = model.get("rows_start");
    const have = model.get("rows").length;
    const total = model.get("total");
    if (first >= start && first + visible <= start + have) return;
    if (have === 0 && total === 0) return;
    const wanted = Math.max(0, first - visible);
    if (wanted !== model.get("start")) {
      model.set("start", wanted);
      model.save_changes();
    }
  }

  function onScroll() {
    if (pending !== null) clearTimeout(pending);
    pending = setTimeout(() => {
      pending = null;
      const atEnd = viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - rowHeight();
      if (atEnd !== model.get("at_end")) {
        model.set("at_end", atEnd);
        model.save_changes();
      }
      askForWindow();
    }, 30);
  }

  function select(position) {
    const total = model.get("total");
    if (position < 0 || position >= total) return;
    model.set("selected", position);
    model.save_changes();
    reveal(position);
  }

  function reveal(position) {
    const height = rowHeight();
    const top = position * height;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + height > viewport.scrollTop + viewport.clientHeight - headerHeight()) {
      viewport.scrollTop = top + height - (viewport.clientHeight - headerHeight());
    }
  }

  body.addEventListener("click", (event) => {
    const row = event.target.closest(".wsx-grid-row");
    if (row) select(Number(row.dataset.position));
  });
  viewport.addEventListener("keydown", (event) => {
    const selected = model.get("selected");
    const page = Math.max(1, model.get("visible_rows") - 1);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (event.key in moves) {
      event.preventDefault();
      event.stopPropagation();
      select(Math.min(model.get("total") - 1, Math.max(0, (selected < 0 ? 0 : selected) + moves[event.key])));
    } else if (event.key === "Home") {
      event.preventDefault();
      event.stopPropagation();
      select(0);
    } else if (event.key === "End") {
      event.preventDefault();
      event.stopPropagation();
      select(model.get("total") - 1);
    }
  });
  viewport.addEventListener("scroll", onScroll);

  model.on("change:columns", () => { drawHeader(); drawRows(); });
  model.on("change:rows", drawRows);
  model.on("change:selected", drawRows);
  model.on("change:total", () => {
    drawRows();
    if (model.get("follow")) viewport.scrollTop = viewport.scrollHeight;
    askForWindow();
  });
  model.on("change:scroll_to", () => {
    const target = model.get("scroll_to");
    if (target >= 0) reveal(target);
  });
  drawHeader();
  drawRows();
  if (model.get("follow")) viewport.scrollTop = viewport.scrollHeight;
  return () => { if (pending !== null) clearTimeout(pending); };
}

export default { render };
