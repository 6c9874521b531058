"""Time to accept or refuse a guideline file of hostile or odd shape, up to the 5 MB size limit.

Each shape is built in memory at (or near) the limit and validated with `validate_upload`, the path
an upload in the app takes (the same loader `calibration validate` runs). Every shape must finish in
under 2 s on one core; the script prints the time, the first problem, and exits 1 when a shape is
slower than the budget.

Run: ``python bench/guideline_shapes.py [--budget 2.0]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calibration.app.widgets.analysis_uploads import validate_upload  # noqa: E402
from calibration.guidelines.yaml_source import MAX_FILE_BYTES  # noqa: E402

LIMIT = MAX_FILE_BYTES - 1024
VALID = (ROOT / "guidelines" / "contract-clauses" / "1.0.0.yaml").read_text(encoding="utf-8")


def _fill(unit: str, head: str = "", tail: str = "") -> str:
    return head + unit * ((LIMIT - len(head) - len(tail)) // len(unit)) + tail


def _half(left: str, right: str, head: str = "a: ") -> str:
    n = (LIMIT - len(head)) // (len(left) + len(right))
    return head + left * n + right * n + "\n"


SHAPES: dict[str, Callable[[], str]] = {
    "brackets 40,000 deep": lambda: "a: " + "[" * 40_000 + "]" * 40_000 + "\n",
    "brackets to the limit": lambda: _half("[", "]"),
    "braces to the limit": lambda: _half("{a: ", "}"),
    "unclosed brackets": lambda: _fill("["),
    "block mappings 2,000 deep": lambda: "".join(" " * i + f"k{i}:\n" for i in range(2_000)) + "  x\n",
    "block sequences deep": lambda: "".join(" " * i + "- \n" for i in range(3_000)),
    "100,000+ tiny values": lambda: _fill("- 1\n", "a:\n"),
    "one huge text": lambda: "a: " + "x" * (LIMIT - 4) + "\n",
    "many keys": lambda: "".join(f"k{i}: {i}\n" for i in range(LIMIT // 16)),
    "many flow items": lambda: _fill("1,", "a: [", "1]\n"),
    "duplicate keys": lambda: _fill("a: 1\n"),
    "unsafe tags": lambda: _fill("- !!python/object x\n", "a:\n"),
    "aliases": lambda: _fill("- *x\n", "a: &x 1\nb:\n"),
    "syntax error at the end": lambda: _fill("# padding comment line\n", VALID) + "a: [b\n",
    "bad scalar tags": lambda: _fill("- !!int x\n", "a:\n"),
    "many invalid rules": lambda: _fill(
        "  - {id: R, title: t, text: x, labels: [Z]}\n", "format: 1\nid: x\nversion: 1.0.0\nrules:\n"
    ),
    "valid items near the value limit": lambda: (
        VALID.split("\nitems:")[0]
        + "\nitems:\n"
        + "".join(
            f"  - {{id: q{i}, input: some text {i}, rules: [R-INDEM], answer: INDEMNIFICATION}}\n"
            for i in range(4_500)
        )
    ),
    "control characters": lambda: _fill("a", "b: ", "\x01\n"),
    "a valid guideline": lambda: VALID,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds allowed per shape (default 2)")
    args = parser.parse_args()
    slow = 0
    print(f"{'shape':32} {'KB':>7} {'seconds':>8}  outcome")
    for name, build in SHAPES.items():
        text = build()
        data = text.encode("utf-8")
        started = time.perf_counter()
        guideline, problems = validate_upload("shape.yaml", data)
        took = time.perf_counter() - started
        outcome = "accepted" if guideline is not None else f"{len(problems)} problem(s): {problems[0]}"
        slow += took > args.budget
        mark = "  SLOW" if took > args.budget else ""
        print(f"{name:32} {len(data) / 1024:7.0f} {took:8.2f}  {outcome[:110]}{mark}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
