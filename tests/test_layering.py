"""The library is plain Python: everything outside calibration/app/ imports without streamlit."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import calibration

ROOT = Path(calibration.__file__).resolve().parent


def _library_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(ROOT)], prefix="calibration."):
        if (
            info.name.startswith("calibration.app")
            or ".migrations" in info.name
            or info.name.endswith("__main__")
        ):
            continue
        names.append(info.name)
    return names


def test_library_imports_without_streamlit() -> None:
    modules = _library_modules()
    assert "calibration.answers" in modules and "calibration.guidelines.model" in modules
    # A fresh interpreter where importing streamlit fails: every library module must still import.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'streamlit' or name.startswith('streamlit.'):\n"
        "            raise ImportError('streamlit is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'streamlit' not in sys.modules\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_only_app_package_mentions_streamlit_imports() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "app" in path.relative_to(ROOT).parts[:1]:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import streamlit", "from streamlit")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_importers_return_what_they_read_and_never_touch_the_store() -> None:
    """interop reads and resolves files; storing is the rounds service's (`calibration.rounds.importing`)."""
    offenders = []
    for path in (ROOT / "interop").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith(
                ("from calibration.rounds", "import calibration.rounds")
            ) or stripped.startswith(("from calibration.storage", "import calibration.storage")):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []


# The bottom layer: the canonical answer, the responses table and the guideline models. It may import
# these modules and nothing else of ours (not agreement, adaptive, reports ...), at the top or lazily.
BOTTOM_FILES = ("answers.py", "responses.py", "errors.py", "boxes.py", "tokens.py", "sprt.py", "guidelines")
BOTTOM_MODULES = (
    "calibration.answers",
    "calibration.responses",
    "calibration.errors",
    "calibration.boxes",
    "calibration.tokens",
    "calibration.sprt",
    "calibration.guidelines",
)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
    return found


def test_the_bottom_layer_imports_nothing_above_it() -> None:
    """guidelines/, answers, responses (and errors, boxes, tokens, sprt) never import agreement, adaptive ..."""
    files = [
        p
        for name in BOTTOM_FILES
        for p in ((ROOT / name).rglob("*.py") if name == "guidelines" else [ROOT / name])
    ]
    assert len(files) > 10
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module in _imported_modules(path)
        if module.startswith("calibration")
        and not any(module == allowed or module.startswith(allowed + ".") for allowed in BOTTOM_MODULES)
    ]
    assert offenders == []


def test_every_package_init_is_a_docstring_only() -> None:
    """One style for every package's public face: a docstring naming its modules; no re-exports."""
    offenders = []
    for path in ROOT.rglob("__init__.py"):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        body = ast.parse(path.read_text(encoding="utf-8")).body
        docstring = bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        rest = [
            node
            for node in body[1:]
            if not (
                path.parent == ROOT
                and isinstance(node, ast.Assign)
                and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
            )
        ]
        if not docstring or rest:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
