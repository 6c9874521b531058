// Bounding boxes drawn on an image: a Streamlit (components v1) widget written without a build step.
//
// Loaded by frame.js (Streamlit's protocol, shared with the other widgets), which hands `render` the
// args: the image (a data: URL), its size in pixels, its alt text, the labels and the annotator's own
// boxes. The value {boxes: [{label, x, y, width, height}, ...]} (integers, image pixels, whatever the
// zoom) is published when a box is drawn, moved, resized, relabelled or removed (never per mouse
// move), and the frame's height is set after each redraw. The widget sits inside the answer form, so
// Streamlit holds the value in the browser until the form's submit button is pressed: one round trip
// per answer.
//
// Security: every text from the server (label names, alt text) is set with textContent or as an
// attribute value, never as HTML; the image is a data: URL (the frame's CSP allows no other source).
"use strict";

(function () {
  const COLORS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#8c564b", "#e377c2"];
  const ZOOMS = [1, 1.5, 2, 3, 4, 6, 8];
  const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
  const MAX_HEIGHT = 560; // the image is fitted into the frame's width and this height (CSS pixels)
  const MIN_DRAG = 4; // a drag shorter than this (CSS pixels) is a click, not a box

  const root = document.getElementById("root");
  const labelBox = document.getElementById("labels");
  const viewport = document.getElementById("viewport");
  const stage = document.getElementById("stage");
  const image = document.getElementById("image");
  const layer = document.getElementById("layer");
  const caption = document.getElementById("caption");
  const status = document.getElementById("status");
  const boxList = document.getElementById("boxes");
  const zoomLevel = document.getElementById("zoom-level");

  let instance = null; // the widget key of the item shown: state resets when it changes
  let width = 1; // image size in image pixels
  let height = 1;
  let labels = []; // [{id, name, color}]
  let boxes = []; // [{label, x, y, width, height}] in image pixels, integers
  let current = null; // label of new boxes
  let selected = -1; // index into boxes
  let zoom = 1; // a factor of `fit`
  let fit = 1; // CSS pixels per image pixel at zoom 1
  let drag = null; // {mode: "draw"|"move"|"resize", ...} while the mouse button is down
  const setHeight = streamlitFrame.setHeight;

  function publish() {
    const value = boxes.map((b) => ({ label: b.label, x: b.x, y: b.y, width: b.width, height: b.height }));
    streamlitFrame.publish({ boxes: value });
    keepDraft(value);
  }

  // The boxes drawn but not yet submitted are kept in this tab's sessionStorage under the widget's
  // instance (its item), so a reload of the page draws them again instead of losing them.
  function draftKey() {
    return "box_draw:" + String(instance);
  }
  function keepDraft(value) {
    try {
      if (value.length) window.sessionStorage.setItem(draftKey(), JSON.stringify(value));
      else window.sessionStorage.removeItem(draftKey());
    } catch (error) {
      // storage refused (private mode, quota): the boxes live on in the frame only
    }
  }
  function readDraft() {
    try {
      const kept = JSON.parse(window.sessionStorage.getItem(draftKey()) || "[]");
      const known = new Set(labels.map((l) => l.id));
      return Array.isArray(kept) ? kept.filter((b) => validBox(b) && known.has(b.label)) : [];
    } catch (error) {
      return [];
    }
  }

  function say(text) {
    status.textContent = text;
  }

  function colorOf(labelId) {
    return widgetParts.colorOf(labels, labelId, COLORS);
  }

  function nameOf(labelId) {
    return widgetParts.nameOf(labels, labelId);
  }

  function scale() {
    return fit * zoom;
  }

  function clamp(value, low, high) {
    return Math.max(low, Math.min(high, value));
  }

  function describe(b) {
    return nameOf(b.label) + " at x " + b.x + ", y " + b.y + ", " + b.width + " \u00d7 " + b.height;
  }

  // ------------------------------------------------------------------ drawing

  function drawLabels() {
    widgetParts.drawLabelButtons(labelBox, labels, {
      current: current,
      colorOf: colorOf,
      action: "Label new boxes (and the selected box) ",
      choose: chooseLabel,
    });
  }

  function computeFit() {
    const available = Math.max(120, root.clientWidth - 6);
    fit = Math.min(available / width, MAX_HEIGHT / height, 8);
  }

  function drawStage() {
    const s = scale();
    stage.style.width = Math.round(width * s) + "px";
    stage.style.height = Math.round(height * s) + "px";
    image.style.width = Math.round(width * s) + "px";
    image.style.height = Math.round(height * s) + "px";
    stage.classList.toggle("pixelated", s >= 3);
    viewport.style.maxHeight = Math.round(Math.min(height * fit, MAX_HEIGHT) + 20) + "px";
    zoomLevel.textContent = Math.round(zoom * 100) + "%";
    drawBoxes();
  }

  function drawBoxes() {
    const s = scale();
    layer.replaceChildren();
    boxes.forEach((b, index) => {
      const node = document.createElement("div");
      node.className = "box" + (index === selected ? " selected" : "") + (b.y * s < 18 ? " low" : "");
      node.dataset.i = String(index);
      node.style.left = b.x * s + "px";
      node.style.top = b.y * s + "px";
      node.style.width = b.width * s + "px";
      node.style.height = b.height * s + "px";
      node.style.borderColor = colorOf(b.label);
      const chip = document.createElement("span");
      chip.className = "chip";
      chip.textContent = nameOf(b.label);
      chip.style.background = colorOf(b.label);
      chip.style.color = "#ffffff";
      node.appendChild(chip);
      if (index === selected) {
        const where = {
          nw: [0, 0], n: [0.5, 0], ne: [1, 0], e: [1, 0.5], se: [1, 1], s: [0.5, 1], sw: [0, 1], w: [0, 0.5],
        };
        HANDLES.forEach((h) => {
          const handle = document.createElement("span");
          handle.className = "handle";
          handle.dataset.h = h;
          handle.style.left = where[h][0] * 100 + "%";
          handle.style.top = where[h][1] * 100 + "%";
          node.appendChild(handle);
        });
      }
      layer.appendChild(node);
    });
  }

  function drawList() {
    const entries = boxes.map((b, index) => ({
      color: colorOf(b.label),
      content: pickButton(b, index),
      removeName: "Remove box " + (index + 1) + " (" + nameOf(b.label) + ")",
      remove: () => removeBox(index),
      selected: index === selected,
    }));
    widgetParts.drawAnswerList(boxList, entries, "No boxes yet. If there is nothing to box, submit with no boxes.");
  }

  function pickButton(b, index) {
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = "pick";
    pick.textContent = "Box " + (index + 1) + ": " + describe(b);
    pick.setAttribute("aria-pressed", String(index === selected));
    pick.addEventListener("click", () => {
      select(index);
      stage.focus({ preventScroll: true });
    });
    return pick;
  }

  function draw() {
    drawLabels();
    drawStage();
    drawList();
    setHeight();
  }

  // ------------------------------------------------------------------ editing

  function changed(message) {
    drawLabels();
    drawBoxes();
    drawList();
    if (message) say(message);
    publish();
    setHeight();
  }

  function chooseLabel(labelId) {
    if (!labels.some((l) => l.id === labelId)) return;
    current = labelId;
    if (selected >= 0 && boxes[selected].label !== labelId) {
      boxes[selected].label = labelId;
      changed("Box " + (selected + 1) + " is now " + nameOf(labelId) + ".");
      return;
    }
    drawLabels();
    say("New boxes get the label " + nameOf(labelId) + ".");
  }

  function select(index) {
    selected = index >= 0 && index < boxes.length ? index : -1;
    if (selected >= 0) current = boxes[selected].label;
    drawLabels();
    drawBoxes();
    drawList();
    say(selected >= 0 ? "Selected box " + (selected + 1) + ": " + describe(boxes[selected]) + "." : "");
  }

  function removeBox(index) {
    if (index < 0 || index >= boxes.length) return;
    const gone = boxes.splice(index, 1)[0];
    selected = -1;
    changed("Removed box " + (index + 1) + " (" + nameOf(gone.label) + ").");
  }

  function addBox(b) {
    // the new box is not selected: choosing a label next is for the next box, not a relabel
    boxes.push(b);
    selected = -1;
    changed("Drew box " + boxes.length + ": " + describe(b) + ".");
  }

  // A box from two corners in image pixels, rounded to whole pixels and kept inside the image.
  function fromCorners(x0, y0, x1, y1, label) {
    const left = clamp(Math.round(Math.min(x0, x1)), 0, width);
    const top = clamp(Math.round(Math.min(y0, y1)), 0, height);
    const right = clamp(Math.round(Math.max(x0, x1)), 0, width);
    const bottom = clamp(Math.round(Math.max(y0, y1)), 0, height);
    return { label: label, x: left, y: top, width: right - left, height: bottom - top };
  }

  // ------------------------------------------------------------------ zoom

  function setZoom(next, clientX, clientY) {
    next = clamp(next, ZOOMS[0], ZOOMS[ZOOMS.length - 1]);
    if (next === zoom) return;
    const view = viewport.getBoundingClientRect();
    const cx = clientX === undefined ? view.left + viewport.clientWidth / 2 : clientX;
    const cy = clientY === undefined ? view.top + viewport.clientHeight / 2 : clientY;
    // keep the image point under (cx, cy) where it is
    const px = (viewport.scrollLeft + cx - view.left) / scale();
    const py = (viewport.scrollTop + cy - view.top) / scale();
    zoom = next;
    drawStage();
    viewport.scrollLeft = px * scale() - (cx - view.left);
    viewport.scrollTop = py * scale() - (cy - view.top);
    say("Zoom " + Math.round(zoom * 100) + "%.");
    setHeight();
  }

  function zoomStep(direction, clientX, clientY) {
    const at = ZOOMS.findIndex((z) => z >= zoom - 1e-9);
    const index = clamp((at < 0 ? ZOOMS.length - 1 : at) + direction, 0, ZOOMS.length - 1);
    setZoom(ZOOMS[index], clientX, clientY);
  }

  document.getElementById("zoom-in").addEventListener("click", () => zoomStep(1));
  document.getElementById("zoom-out").addEventListener("click", () => zoomStep(-1));
  document.getElementById("zoom-fit").addEventListener("click", () => setZoom(1));
  viewport.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return; // a plain wheel scrolls the page
      event.preventDefault();
      zoomStep(event.deltaY < 0 ? 1 : -1, event.clientX, event.clientY);
    },
    { passive: false }
  );

  // ------------------------------------------------------------------ mouse, pen and touch

  function pointAt(event) {
    const rect = stage.getBoundingClientRect();
    return {
      x: clamp((event.clientX - rect.left) / scale(), 0, width),
      y: clamp((event.clientY - rect.top) / scale(), 0, height),
    };
  }

  stage.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    stage.focus({ preventScroll: true });
    const point = pointAt(event);
    const handle = event.target.closest ? event.target.closest(".handle") : null;
    const node = event.target.closest ? event.target.closest(".box") : null;
    if (handle && node) {
      const index = Number(node.dataset.i);
      drag = { mode: "resize", index: index, handle: handle.dataset.h, start: point, from: Object.assign({}, boxes[index]) };
    } else if (node && Number(node.dataset.i) === selected) {
      // dragging the selected box moves it
      drag = { mode: "move", index: selected, start: point, from: Object.assign({}, boxes[selected]), moved: false };
    } else {
      // a drag draws a new box, even over another box (a part inside an object); a click on a box selects it
      const under = node ? Number(node.dataset.i) : -1;
      if (!current && under < 0) {
        say("Choose a label first.");
        return;
      }
      drag = { mode: "draw", start: point, x: event.clientX, y: event.clientY, node: null, under: under };
    }
    stage.setPointerCapture(event.pointerId);
  });

  stage.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const point = pointAt(event);
    if (drag.mode === "draw") {
      if (Math.abs(event.clientX - drag.x) < MIN_DRAG && Math.abs(event.clientY - drag.y) < MIN_DRAG && !drag.node) return;
      const b = fromCorners(drag.start.x, drag.start.y, point.x, point.y, current);
      if (!drag.node) {
        drag.node = document.createElement("div");
        drag.node.className = "box selected";
        drag.node.style.borderColor = colorOf(current);
        layer.appendChild(drag.node);
      }
      const s = scale();
      drag.node.style.left = b.x * s + "px";
      drag.node.style.top = b.y * s + "px";
      drag.node.style.width = b.width * s + "px";
      drag.node.style.height = b.height * s + "px";
      return;
    }
    const from = drag.from;
    const dx = point.x - drag.start.x;
    const dy = point.y - drag.start.y;
    let next;
    if (drag.mode === "move") {
      next = {
        label: from.label,
        x: clamp(Math.round(from.x + dx), 0, width - from.width),
        y: clamp(Math.round(from.y + dy), 0, height - from.height),
        width: from.width,
        height: from.height,
      };
      drag.moved = drag.moved || next.x !== from.x || next.y !== from.y;
    } else {
      let x0 = from.x;
      let y0 = from.y;
      let x1 = from.x + from.width;
      let y1 = from.y + from.height;
      if (drag.handle.includes("w")) x0 = point.x;
      if (drag.handle.includes("e")) x1 = point.x;
      if (drag.handle.includes("n")) y0 = point.y;
      if (drag.handle.includes("s")) y1 = point.y;
      next = fromCorners(x0, y0, x1, y1, from.label);
      if (next.width < 1 || next.height < 1) return;
    }
    boxes[drag.index] = next;
    drawBoxes();
  });

  function endDrag(event) {
    if (!drag) return;
    const done = drag;
    drag = null;
    if (stage.hasPointerCapture(event.pointerId)) stage.releasePointerCapture(event.pointerId);
    if (done.mode === "draw") {
      if (done.node) done.node.remove();
      const point = pointAt(event);
      const b = fromCorners(done.start.x, done.start.y, point.x, point.y, current);
      const long = Math.abs(event.clientX - done.x) >= MIN_DRAG || Math.abs(event.clientY - done.y) >= MIN_DRAG;
      if (long && current && b.width >= 1 && b.height >= 1) addBox(b);
      else if (!long) select(done.under); // a click: the box under the pointer, or none
      return;
    }
    if (done.mode === "move" && !done.moved) return;
    changed((done.mode === "move" ? "Moved" : "Resized") + " box " + (done.index + 1) + ": " + describe(boxes[done.index]) + ".");
  }
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);

  // ------------------------------------------------------------------ keyboard

  stage.addEventListener("keydown", (event) => {
    const key = event.key;
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (/^[1-9]$/.test(key) && labels[Number(key) - 1]) {
      event.preventDefault();
      chooseLabel(labels[Number(key) - 1].id);
    } else if (key === "Enter") {
      event.preventDefault();
      if (!current) return say("Choose a label first.");
      // a new box in the middle of the part of the image in view, a fifth of its size
      const s = scale();
      const vx = viewport.scrollLeft / s;
      const vy = viewport.scrollTop / s;
      const vw = Math.min(width, viewport.clientWidth / s);
      const vh = Math.min(height, viewport.clientHeight / s);
      const bw = Math.max(1, Math.round(vw / 5));
      const bh = Math.max(1, Math.round(vh / 5));
      addBox(fromCorners(vx + (vw - bw) / 2, vy + (vh - bh) / 2, vx + (vw + bw) / 2, vy + (vh + bh) / 2, current));
    } else if (key in arrows && selected >= 0) {
      event.preventDefault();
      const step = event.shiftKey ? 10 : 1;
      const [dx, dy] = arrows[key];
      const b = Object.assign({}, boxes[selected]);
      if (event.altKey) {
        b.width = clamp(b.width + dx * step, 1, width - b.x);
        b.height = clamp(b.height + dy * step, 1, height - b.y);
      } else {
        b.x = clamp(b.x + dx * step, 0, width - b.width);
        b.y = clamp(b.y + dy * step, 0, height - b.height);
      }
      boxes[selected] = b;
      changed("Box " + (selected + 1) + ": " + describe(b) + ".");
    } else if ((key === "]" || key === "[") && boxes.length) {
      event.preventDefault();
      const step = key === "]" ? 1 : -1;
      select(selected < 0 ? (step > 0 ? 0 : boxes.length - 1) : (selected + step + boxes.length) % boxes.length);
    } else if ((key === "Delete" || key === "Backspace") && selected >= 0) {
      event.preventDefault();
      removeBox(selected);
    } else if (key === "Escape") {
      select(-1);
    } else if (key === "+" || key === "=") {
      event.preventDefault();
      zoomStep(1);
    } else if (key === "-" || key === "_") {
      event.preventDefault();
      zoomStep(-1);
    } else if (key === "0") {
      event.preventDefault();
      setZoom(1);
    }
  });

  // ------------------------------------------------------------------ Streamlit

  function validBox(b) {
    return b && typeof b.label === "string" && [b.x, b.y, b.width, b.height].every((v) => Number.isFinite(v));
  }

  function render(args) {
    labels = Array.isArray(args.labels) ? args.labels : [];
    if (args.instance !== instance) {
      instance = args.instance;
      width = Math.max(1, Number(args.width) || 1);
      height = Math.max(1, Number(args.height) || 1);
      const src = typeof args.image === "string" && args.image.startsWith("data:image/") ? args.image : "";
      image.src = src;
      image.alt = typeof args.alt === "string" ? args.alt : "";
      stage.setAttribute("aria-label", "Image" + (image.alt ? ": " + image.alt : "") + ". Draw boxes on it.");
      caption.textContent = image.alt;
      boxes = Array.isArray(args.boxes) ? args.boxes.filter(validBox).map((b) => Object.assign({}, b)) : [];
      selected = -1;
      zoom = 1;
      current = labels.length ? labels[0].id : null;
      say("");
      const draft = boxes.length ? [] : readDraft();
      if (draft.length) {
        boxes = draft.map((b) => ({ label: b.label, x: b.x, y: b.y, width: b.width, height: b.height }));
        publish(); // the form sends them on submit, as if drawn again
        say("Restored " + draft.length + (draft.length === 1 ? " box" : " boxes") + " drawn before the page was reloaded.");
      }
    }
    computeFit();
    draw();
  }

  function resize() {
    const before = fit;
    computeFit();
    if (Math.abs(before - fit) > 1e-6) drawStage();
  }

  streamlitFrame.define({ render: render, resize: resize });
})();
