// The Streamlit (components v1) protocol for the widgets of this folder, written without a build step.
//
// What streamlit-component-lib does, done by hand: post `streamlit:componentReady` to the parent,
// receive `streamlit:render` messages (the widget's `args` and the app's `theme`), post
// `streamlit:setComponentValue` when the widget's value changes and `streamlit:setFrameHeight` when
// its content's height does. The first render's `widget` argument names the widget: its <template>
// in index.html is copied into #root, then its own script and style sheet (<widget>.js, <widget>.css)
// are loaded. The script calls `streamlitFrame.define({render, resize})` and is handed the args of
// every render from then on (the ones that came while it loaded too).
"use strict";

const streamlitFrame = (function () {
  const root = document.getElementById("root");
  let widget = null; // {render(args), resize()} as defined by the widget's script
  let loading = false; // the widget's files are asked for
  let waiting = null; // the last render message that came while they load
  let lastRender = null; // the last render message's args and theme, as JSON
  let frameHeight = 0;

  function send(type, extra) {
    window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }

  // Tell Streamlit the frame's height when the content's changed.
  function setHeight() {
    // the content's own height: the document's would include the frame's, growing without end
    const next = Math.ceil(root.getBoundingClientRect().height) + 4;
    if (next !== frameHeight) {
      frameHeight = next;
      send("streamlit:setFrameHeight", { height: next });
    }
  }

  // The widget's new value (JSON). Inside a form Streamlit holds it in the browser until the submit.
  function publish(value) {
    send("streamlit:setComponentValue", { value: value, dataType: "json" });
  }

  function applyTheme(theme) {
    if (!theme) return;
    const style = document.documentElement.style;
    if (theme.textColor) style.setProperty("--fg", theme.textColor);
    if (theme.backgroundColor) style.setProperty("--bg", theme.backgroundColor);
    if (theme.primaryColor) style.setProperty("--primary", theme.primaryColor);
  }

  function load(name) {
    const template = document.getElementById(name);
    if (!(template instanceof HTMLTemplateElement)) return; // no widget of that name: the frame stays empty
    loading = true;
    document.title = template.dataset.title || document.title;
    root.replaceChildren(template.content.cloneNode(true));
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = name + ".css";
    document.head.appendChild(style);
    const script = document.createElement("script");
    script.src = name + ".js";
    document.body.appendChild(script);
  }

  function render(data) {
    const seen = JSON.stringify([data.args || {}, data.theme || null]);
    if (seen === lastRender) return; // Streamlit re-sends unchanged args on reruns: keep the DOM
    lastRender = seen;
    applyTheme(data.theme);
    widget.render(data.args || {});
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return; // only Streamlit's page talks to this frame
    const data = event.data || {};
    if (data.type !== "streamlit:render") return;
    if (widget) {
      render(data);
      return;
    }
    waiting = data;
    if (!loading) load(String((data.args || {}).widget));
  });

  // Called once by the widget's script: `render(args)` draws a render's args, `resize()` (optional)
  // follows a change of the frame's width; the frame's height is set after it.
  function define(hooks) {
    widget = hooks;
    if (waiting) render(waiting);
    waiting = null;
    new ResizeObserver(() => {
      if (widget.resize) widget.resize();
      setHeight();
    }).observe(root);
  }

  send("streamlit:componentReady", { apiVersion: 1 });
  return { define: define, publish: publish, setHeight: setHeight };
})();
