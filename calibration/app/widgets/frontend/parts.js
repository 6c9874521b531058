// The parts every widget of this folder draws the same way: its labels ([{id, name, color}] from the
// server) as a row of buttons, and the list of the annotator's answers with a Remove button each.
// Every text from the server is set with textContent or as an attribute value, never as HTML.
"use strict";

const widgetParts = {
  // The label's own colour, else the one at its position in `palette`.
  colorOf(labels, labelId, palette) {
    const index = labels.findIndex((l) => l.id === labelId);
    const label = labels[index];
    return (label && label.color) || palette[(index < 0 ? 0 : index) % palette.length];
  },

  // The label's name (its id when it is not among `labels`).
  nameOf(labels, labelId) {
    const label = labels.find((l) => l.id === labelId);
    return label ? label.name : labelId;
  },

  // A button a label in `box`, `current` pressed; keys 1-9 are named in the titles (`action` + name).
  // `keepFocus` keeps the focus where it is when a button is pressed (on a selection in the text).
  drawLabelButtons(box, labels, { current, colorOf, action, choose, keepFocus }) {
    box.replaceChildren();
    labels.forEach((label, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label.name;
      button.dataset.label = label.id;
      button.setAttribute("aria-pressed", String(label.id === current));
      button.title = action + label.name + (index < 9 ? " (key " + (index + 1) + ")" : "");
      button.style.borderLeft = "6px solid " + colorOf(label.id);
      if (keepFocus) button.addEventListener("mousedown", (event) => event.preventDefault());
      button.addEventListener("click", () => choose(label.id));
      box.appendChild(button);
    });
  },

  // The annotator's answers in `list`, one item an entry {color, content, removeName, remove, selected}:
  // a swatch of the label's colour, the entry's `content` (an element) and a Remove button (named
  // `removeName` for screen readers, calling `remove`); `emptyText` when there is no entry.
  drawAnswerList(list, entries, emptyText) {
    list.replaceChildren();
    entries.forEach((entry) => {
      const item = document.createElement("li");
      if (entry.selected) item.className = "selected";
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = entry.color;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", entry.removeName);
      remove.addEventListener("click", entry.remove);
      item.append(swatch, entry.content, remove);
      list.appendChild(item);
    });
    if (!entries.length) {
      const item = document.createElement("li");
      item.className = "empty";
      item.textContent = emptyText;
      list.appendChild(item);
    }
  },
};
