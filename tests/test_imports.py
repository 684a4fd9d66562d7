"""Every module of the project imports as the first one a fresh process loads: an import cycle
that bites only when a process starts from one module (as `python -m pipelines.bench.stages`
does, for each bench stage) fails here, not in the middle of a benchmark."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipelines", "metrics", "dashboard")
# Scripts, not modules: importing them runs them (the app and its pages run inside Streamlit).
SCRIPTS = {"pipelines.__main__", "dashboard.app"}
PAGES = "dashboard.views."

# For each module: forget every project module loaded so far (third-party ones stay, so this
# is fast), then import it first.
FIRST_IMPORTS = """
import importlib, sys
packages = set(sys.argv[1].split(","))
for name in sys.argv[2:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in packages]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        print(f"{name}: {type(error).__name__}: {error}")
"""


def project_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if name not in SCRIPTS and not name.startswith(PAGES):
                names.append(name)
    return names


def test_every_module_imports_as_the_first_one_loaded() -> None:
    modules = project_modules()
    assert {"pipelines.warehouse", "pipelines.bench.stages", "metrics.health.churn"} <= set(modules)
    found = subprocess.run(
        [sys.executable, "-c", FIRST_IMPORTS, ",".join(PACKAGES), *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout == "", found.stdout
