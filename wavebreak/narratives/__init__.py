"""Narratives: clustering, bursts, risk, origin, amplifiers, coordination (docs/narratives.md).

Compiled or pure Python. The stage's per-post hot modules (``HOT_MODULES``) may be compiled by
mypyc at install time (``setup.py``); the ``.py`` files stay the reference and the fallback, and
both give byte-identical outputs (``tests/narratives/test_native.py``). This package decides
once, before any hot module is imported, which one ``import wavebreak.narratives.stage`` gets:

- the compiled modules, when the build left them here with a manifest (``_native.json``) whose
  SHA-256 of every hot source matches the ``.py`` next to it;
- the ``.py`` files otherwise: ``WAVEBREAK_PURE_PYTHON=1`` in the environment, no compiled build
  (no compiler, mypyc missing, the build failed: the manifest says why), or a stale build (a
  source edited since: a compiled module would silently run the old code, so this warns).

Why a manifest and not file times: installs and checkouts rewrite modification times in any
order; a digest of the sources the compiled code was built from cannot go stale unnoticed.
``NATIVE`` and ``NATIVE_STATUS`` say what was chosen (``python -m bench.narratives`` prints them).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import sys
import warnings
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ModuleSpec
from types import ModuleType
from typing import Any

HOT_MODULES = ("coordination", "state", "text", "stage")
"""The modules ``setup.py`` compiles (in this order: each imports only those before it)."""
MANIFEST = "_native.json"
PURE_ENV = "WAVEBREAK_PURE_PYTHON"

_DIR = os.path.dirname(os.path.abspath(__file__))


def source_digest(name: str, directory: str = _DIR) -> str:
    """SHA-256 of a hot module's source (what the build manifest records per module)."""
    with open(os.path.join(directory, name + ".py"), "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _has_extension(name: str) -> bool:
    return any(os.path.exists(os.path.join(_DIR, name + suffix)) for suffix in EXTENSION_SUFFIXES)


def _choose() -> tuple[bool, str]:
    """(use the compiled modules?, why), without importing any hot module."""
    if os.environ.get(PURE_ENV, "").strip() not in ("", "0"):
        return False, f"pure Python ({PURE_ENV} is set)"
    try:
        with open(os.path.join(_DIR, MANIFEST), encoding="utf-8") as fh:
            manifest: dict[str, Any] = json.load(fh)
    except FileNotFoundError:
        return False, "pure Python (not compiled: no mypyc build was run for this install)"
    except (OSError, ValueError) as e:
        return False, f"pure Python (unreadable build manifest {MANIFEST}: {e})"
    if not manifest.get("compiled"):
        return False, f"pure Python (the compiled build did not happen: {manifest.get('reason', '?')})"
    sources = manifest.get("sources", {})
    for name in HOT_MODULES:
        if not _has_extension(name):
            return False, f"pure Python (compiled module {name} missing)"
        if sources.get(name + ".py") != source_digest(name):
            msg = (
                f"pure Python (compiled modules are stale: {name}.py changed since the build; "
                "rebuild with `pip install -e .`)"
            )
            warnings.warn(f"wavebreak.narratives: {msg}", RuntimeWarning, stacklevel=2)
            return False, msg
    try:  # the one shared library holding all the compiled code: an ABI mismatch fails here
        importlib.import_module(f"{__name__}.{manifest['shared_lib']}")
    except (ImportError, OSError, KeyError) as e:
        msg = f"pure Python (the compiled modules do not load: {e!r})"
        warnings.warn(f"wavebreak.narratives: {msg}", RuntimeWarning, stacklevel=2)
        return False, msg
    return True, f"compiled (mypyc {manifest.get('mypy', '?')})"


class _PureSourceFinder(MetaPathFinder):
    """Finds the hot modules' ``.py`` files ahead of the compiled extensions beside them."""

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        package, _, short = fullname.rpartition(".")
        if package != __name__ or short not in HOT_MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, os.path.join(_DIR, short + ".py"))


NATIVE, NATIVE_STATUS = _choose()
if not NATIVE and any(_has_extension(n) for n in HOT_MODULES):
    sys.meta_path.insert(0, _PureSourceFinder())
