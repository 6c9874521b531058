"""Our own components-v1 widgets (box drawing, span selection): one static frontend serves them all.

``frontend/index.html`` loads ``frame.js``, Streamlit's component protocol written by hand (no build
step, no CDN); the first render's ``widget`` argument names the widget, whose markup (a template in
index.html), script (``<widget>.js``) and style sheet (``<widget>.css``) the frame then shows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import streamlit.components.v1 as components

FRONTEND_DIR = Path(__file__).parent / "frontend"
"""The widgets' static files (index.html, frame.js, frame.css, then one .js and .css a widget), served by Streamlit."""

WidgetName = Literal["box_draw", "span_select"]


def declare_widget(name: WidgetName) -> Callable[..., Any]:
    """The widget `name`, to call with its args (and ``key``, ``default``) like any v1 component.

    Declared in the running script: Streamlit registers a v1 component with the runtime only when it
    is declared during a script run (not at an import outside one).
    """
    component = components.declare_component(name, path=str(FRONTEND_DIR))
    return functools.partial(component, widget=name)
