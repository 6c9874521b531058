// Span selection in the item text: a Streamlit (components v1) widget written without a build step.
//
// Loaded by frame.js (Streamlit's protocol, shared with the other widgets), which hands `render` the
// args: the text pieces, labels and spans. The value {spans: [[start, end, label], ...]} is published
// after each change and the frame's height is set after each redraw. The widget sits inside the
// answer form, so Streamlit holds the value in the browser until the form's submit button is pressed:
// one round trip per answer.
//
// Security: every text from the server (item text, label names) is set with textContent, never as
// HTML. Offsets come from the server's tokens, so the browser never counts characters itself.
"use strict";

(function () {
  const COLORS = ["#a8d1ff", "#b5e8b0", "#ffd59e", "#dcc6ff", "#ffb3b3", "#fff0a0", "#d9d9d9"];
  const textBox = document.getElementById("text");
  const labelBox = document.getElementById("labels");
  const spanList = document.getElementById("spans");
  const status = document.getElementById("status");

  let instance = null; // the widget key of the item shown: state resets when it changes
  let pieces = []; // [{text, start, end}] in order; start/end are null for the space between tokens
  let tokens = []; // indices into pieces of the tokens, in order
  let labels = []; // [{id, name, color}]
  let spans = []; // [[start, end, label]] the annotator's spans
  let current = null; // label id used by Enter
  let anchor = null; // token index where the selection started
  let focus = null; // token index where it ends (the keyboard cursor)
  let dragging = false;
  function publish() {
    streamlitFrame.publish({ spans: spans.map((s) => s.slice()) });
  }

  function colorOf(labelId) {
    return widgetParts.colorOf(labels, labelId, COLORS);
  }

  function nameOf(labelId) {
    return widgetParts.nameOf(labels, labelId);
  }

  function tokenStart(t) { return pieces[tokens[t]].start; }
  function tokenEnd(t) { return pieces[tokens[t]].end; }

  function selection() {
    if (anchor === null || focus === null) return null;
    return [Math.min(anchor, focus), Math.max(anchor, focus)];
  }

  function spanText(start, end) {
    // the exact text between the first and last token, spaces included
    let out = "";
    let inside = false;
    for (const piece of pieces) {
      if (piece.start === start) inside = true;
      if (inside) out += piece.text;
      if (piece.end === end) break;
    }
    return out;
  }

  function drawLabels() {
    widgetParts.drawLabelButtons(labelBox, labels, {
      current: current,
      colorOf: colorOf,
      action: "Mark the selected words as ",
      choose: assign,
      keepFocus: true, // on the selection in the text
    });
  }

  function drawText() {
    textBox.replaceChildren();
    const sel = selection();
    const ordered = spans.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let t = -1;
    let prevEnd = null;
    pieces.forEach((piece, index) => {
      if (piece.start === null) {
        // the space between two tokens is coloured when a span or the selection goes across it
        const next = pieces.slice(index + 1).find((p) => p.start !== null);
        const across = prevEnd !== null && next ? ordered.find((s) => s[0] < prevEnd && s[1] > next.start) : null;
        const selected = sel && next && t >= sel[0] && t + 1 <= sel[1];
        if (!across && !selected) {
          textBox.appendChild(document.createTextNode(piece.text));
          return;
        }
        const gap = document.createElement("span");
        gap.className = "gap" + (selected ? " sel" : "");
        gap.textContent = piece.text;
        if (across) gap.style.background = colorOf(across[2]);
        textBox.appendChild(gap);
        return;
      }
      prevEnd = piece.end;
      t += 1;
      const node = document.createElement("span");
      node.className = "tok";
      node.textContent = piece.text;
      node.dataset.t = String(t);
      node.dataset.start = String(piece.start); // the token's offsets (read by browser tests)
      node.dataset.end = String(piece.end);
      const covering = ordered.find((s) => s[0] <= piece.start && piece.end <= s[1]);
      if (covering) {
        node.classList.add("marked");
        node.style.background = colorOf(covering[2]);
      }
      if (sel && t >= sel[0] && t <= sel[1]) node.classList.add("sel");
      if (t === focus) node.classList.add("cursor");
      textBox.appendChild(node);
      ordered.filter((s) => s[1] === piece.end).forEach((s) => {
        const chip = document.createElement("span");
        chip.className = "chip";
        chip.textContent = nameOf(s[2]);
        chip.style.background = colorOf(s[2]);
        textBox.appendChild(chip);
      });
    });
  }

  function drawSpans() {
    const entries = spans.map((span, index) => {
      const what = document.createElement("span");
      what.className = "what";
      what.textContent = "\u201c" + spanText(span[0], span[1]) + "\u201d \u2192 " + nameOf(span[2]);
      return {
        color: colorOf(span[2]),
        content: what,
        removeName: "Remove " + spanText(span[0], span[1]) + " (" + nameOf(span[2]) + ")",
        remove: () => {
          spans.splice(index, 1);
          say("Removed.");
          changed();
        },
      };
    });
    widgetParts.drawAnswerList(spanList, entries, "No spans yet. If the text has nothing to mark, submit with no spans.");
  }

  function draw() {
    drawLabels();
    drawText();
    drawSpans();
    streamlitFrame.setHeight();
  }

  function say(message) { status.textContent = message; }

  function changed() {
    draw();
    publish();
  }

  function assign(labelId) {
    current = labelId;
    const sel = selection();
    if (!sel) {
      say("Select words in the text first, then press " + nameOf(labelId) + ".");
      draw();
      return;
    }
    const span = [tokenStart(sel[0]), tokenEnd(sel[1]), labelId];
    if (!spans.some((s) => s[0] === span[0] && s[1] === span[1] && s[2] === span[2])) spans.push(span);
    spans.sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : 1));
    say("Marked \u201c" + spanText(span[0], span[1]) + "\u201d as " + nameOf(labelId) + ".");
    anchor = null;
    changed();
  }

  function tokenAt(target) {
    const node = target && target.closest ? target.closest(".tok") : null;
    return node ? Number(node.dataset.t) : null;
  }

  // Pointer events serve mouse, pen and touch alike; the token under the pointer is looked up by
  // position because a touch keeps sending its events to the element where it started.
  function tokenUnder(event) {
    return tokenAt(document.elementFromPoint(event.clientX, event.clientY));
  }

  textBox.addEventListener("pointerdown", (event) => {
    const t = tokenAt(event.target);
    if (t === null || event.button !== 0) return;
    event.preventDefault();
    textBox.focus({ preventScroll: true });
    dragging = true;
    if (event.shiftKey && anchor !== null) focus = t;
    else anchor = focus = t;
    drawText();
  });
  window.addEventListener("pointermove", (event) => {
    if (!dragging) return;
    const t = tokenUnder(event);
    if (t !== null && t !== focus) {
      focus = t;
      drawText();
    }
  });
  function endDrag() {
    if (!dragging) return;
    dragging = false;
    const sel = selection();
    if (sel) say("Selected \u201c" + spanText(tokenStart(sel[0]), tokenEnd(sel[1])) + "\u201d: press its label.");
  }
  window.addEventListener("pointerup", endDrag);
  window.addEventListener("pointercancel", endDrag);

  textBox.addEventListener("keydown", (event) => {
    if (!tokens.length) return;
    const last = tokens.length - 1;
    const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (event.key in moves) {
      event.preventDefault();
      const from = focus === null ? (moves[event.key] > 0 ? -1 : last + 1) : focus;
      const to = Math.max(0, Math.min(last, from + moves[event.key]));
      if (event.shiftKey) {
        if (anchor === null) anchor = focus === null ? to : focus;
        focus = to;
      } else {
        anchor = focus = to;
      }
      const sel = selection();
      say("\u201c" + spanText(tokenStart(sel[0]), tokenEnd(sel[1])) + "\u201d selected.");
      drawText();
    } else if (event.key === "Enter") {
      event.preventDefault();
      assign(current || (labels[0] && labels[0].id));
    } else if (event.key === "Escape") {
      anchor = null;
      drawText();
    } else if (/^[1-9]$/.test(event.key) && labels[Number(event.key) - 1]) {
      event.preventDefault();
      assign(labels[Number(event.key) - 1].id);
    }
  });

  function render(args) {
    labels = Array.isArray(args.labels) ? args.labels : [];
    if (args.instance !== instance) {
      instance = args.instance;
      pieces = Array.isArray(args.pieces) ? args.pieces : [];
      tokens = [];
      pieces.forEach((p, i) => { if (p.start !== null) tokens.push(i); });
      spans = Array.isArray(args.spans) ? args.spans.map((s) => s.slice()) : [];
      anchor = focus = null;
      current = labels.length ? labels[0].id : null;
      say("");
    }
    draw();
  }

  streamlitFrame.define({ render: render });
})();
