"""The library is plain Python: everything outside calibration/app/ imports without streamlit."""

from __future__ import annotations

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
