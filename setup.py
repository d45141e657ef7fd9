"""Build hook: compile the narratives stage's hot modules with mypyc, never failing the install.

Why (issue #4, docs/narratives.md "Compiled build"): the stage's per-post work is a few hundred
dictionary and attribute operations per post with no hot spot left for numpy; compiled by mypyc
(from the same typed sources, no second copy of the code) it runs faster with identical outputs.
Everything else about the package lives in ``pyproject.toml``; this file only adds the compile.

What happens at ``pip install .`` / ``pip install -e .``:

- ``build_ext`` runs mypyc on ``wavebreak/narratives/{coordination,state,text,stage}.py`` and
  builds one shared library plus a small extension per module next to the ``.py`` files (in the
  source tree for an editable install);
- a manifest, ``wavebreak/narratives/_native.json``, records the SHA-256 of each compiled source,
  so ``wavebreak/narratives/__init__.py`` uses the compiled modules only while they match;
- when mypyc is missing, the type check fails, there is no C compiler or no Python headers, or
  ``WAVEBREAK_PURE_PYTHON=1`` is set at build time, the install still succeeds with the pure-Python
  modules, and the manifest says why (``python -m bench.narratives`` prints it).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import traceback
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PKG = "wavebreak.narratives"
PKG_DIR = os.path.join("wavebreak", "narratives")
HOT_MODULES = ("coordination", "state", "text", "stage")  # keep in step with wavebreak/narratives/__init__.py
MANIFEST = "_native.json"
GROUP = f"{PKG}._native"  # the shared library is ``wavebreak.narratives._native__mypyc``
PURE_ENV = "WAVEBREAK_PURE_PYTHON"
# Placeholder so that setuptools runs ``build_ext`` (it skips it for a distribution without
# extensions); ``MypycBuildExt.finalize_options`` replaces it before anything is built. Why not
# call mypyc here at import time: setuptools executes this file for every build step (metadata,
# requirements, the wheel), and the type check costs ~20 s each time.
_PLACEHOLDER = Extension(f"{PKG}._native_placeholder", sources=[])

_BUILD_COMMANDS = frozenset(
    ("build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install", "bdist_egg")
)
_cache: dict[str, Any] = {}


def _log(msg: str) -> None:
    print(f"wavebreak build: {msg}", file=sys.stderr, flush=True)


def _mypyc_extensions() -> tuple[list[Extension], str]:
    """(the mypyc extensions, "") or ([], why there are none). Computed once per process."""
    if "exts" in _cache:
        return _cache["exts"], _cache["reason"]
    exts: list[Extension] = []
    reason = ""
    if os.environ.get(PURE_ENV, "").strip() not in ("", "0"):
        reason = f"{PURE_ENV} was set at build time"
    else:
        try:
            from mypyc.build import mypycify
        except ImportError as e:
            reason = f"mypyc is not installed in the build environment ({e})"
        else:
            paths = [os.path.join(PKG_DIR, m + ".py") for m in HOT_MODULES]
            opts = [
                "--ignore-missing-imports",
                "--follow-imports=silent",
                "--cache-dir",
                os.path.join("build", "mypy_cache"),
            ]
            try:
                exts = list(mypycify([*opts, *paths], opt_level="3", group_name=GROUP))
            except BaseException as e:  # mypyc exits (SystemExit) on a type error
                if isinstance(e, KeyboardInterrupt):
                    raise
                reason = f"mypyc could not translate the sources ({type(e).__name__}: {e})"
                traceback.print_exc()
    if reason:
        _log(f"building WITHOUT compiled narratives modules: {reason}; pure Python is used")
    _cache["exts"], _cache["reason"] = exts, reason
    return exts, reason


def _digest(path: str) -> str:
    """SHA-256 of a file (as ``wavebreak.narratives.source_digest`` computes it at import)."""
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _mypy_version() -> str:
    try:
        from mypy.version import __version__
    except ImportError:
        return "?"
    return str(__version__)


class MypycBuildExt(build_ext):
    """``build_ext`` that compiles the hot modules when it can and otherwise builds nothing."""

    def finalize_options(self) -> None:
        # Metadata steps (egg_info, dist_info) finalize this command too, to list its sources: they
        # get no extensions, so mypyc runs only for a step that builds.
        building = any(a in _BUILD_COMMANDS for a in sys.argv[1:])
        self.distribution.ext_modules = _mypyc_extensions()[0] if building else []
        super().finalize_options()

    def run(self) -> None:
        inplace = bool(self.inplace)
        exts, reason = _mypyc_extensions()
        compiled = False
        if exts:
            try:
                super().run()  # builds into build_lib, then copies into the source tree if in place
                compiled = True
            except (Exception, SystemExit) as e:  # no compiler, no headers, a C error
                reason = f"the C build failed ({type(e).__name__}: {e})"
                _log(f"building WITHOUT compiled narratives modules: {reason}; pure Python is used")
                self.extensions = []
        dirs = [os.path.join(self.build_lib, PKG_DIR)]
        if inplace:
            dirs.append(self._source_pkg_dir())
        for d in dirs:
            if not compiled:
                self._remove_built(d)
            self._write_manifest(d, compiled, reason)
        if not compiled:
            self.extensions = []

    def _source_pkg_dir(self) -> str:
        return str(self.get_finalized_command("build_py").get_package_dir(PKG))

    @staticmethod
    def _remove_built(d: str) -> None:
        """Drop compiled modules of an earlier or partial build: they must not outlive a failure."""
        for name in (*HOT_MODULES, "_native__mypyc"):
            for path in glob.glob(os.path.join(d, name + ".*.so")) + glob.glob(
                os.path.join(d, name + ".pyd")
            ):
                os.remove(path)

    def _write_manifest(self, d: str, compiled: bool, reason: str) -> None:
        os.makedirs(d, exist_ok=True)
        src_dir = self._source_pkg_dir()
        manifest: dict[str, Any] = {"compiled": compiled, "reason": "" if compiled else reason}
        if compiled:
            manifest["mypy"] = _mypy_version()
            manifest["shared_lib"] = "_native__mypyc"
            manifest["sources"] = {m + ".py": _digest(os.path.join(src_dir, m + ".py")) for m in HOT_MODULES}
        with open(os.path.join(d, MANIFEST), "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=1, sort_keys=True)
            fh.write("\n")


setup(ext_modules=[_PLACEHOLDER], cmdclass={"build_ext": MypycBuildExt})
