"""Compiled (mypyc) and pure-Python narratives modules: the choice, the fallback, identical outputs.

The compiled modules exist only where the install built them (``setup.py``); the tests that
need them skip with the reason ``wavebreak.narratives`` gives.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import wavebreak.narratives as N

REPLAY = Path(__file__).with_name("_replay.py")
ROOT = Path(__file__).resolve().parents[2]


def _env(pure: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(N.PURE_ENV, None)
    if pure:
        env[N.PURE_ENV] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _run(code: str, pure: bool, cwd: Path | None = None) -> str:
    r = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=_env(pure),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_the_choice_is_reported_and_followed() -> None:
    from wavebreak.narratives import stage

    assert N.NATIVE_STATUS.startswith("compiled" if N.NATIVE else "pure Python")
    assert stage.__file__.endswith(".py") != N.NATIVE


def test_pure_python_on_request() -> None:
    out = _run(
        """
        import json, wavebreak.narratives as N
        from wavebreak.narratives import coordination, stage, state, text
        print(json.dumps([N.NATIVE, N.NATIVE_STATUS, [m.__file__ for m in (coordination, stage, state, text)]]))
        """,
        pure=True,
    )
    native, status, files = json.loads(out)
    assert native is False and N.PURE_ENV in status
    assert all(f.endswith(".py") for f in files)


def _fake_package(tmp_path: Path, manifest: dict[str, object] | None, junk_extension: bool) -> Path:
    """A copy of the package's switch and hot sources under another name, with a chosen build state."""
    pkg = tmp_path / "narr_copy"
    pkg.mkdir()
    src = Path(N.__file__).parent
    shutil.copy(src / "__init__.py", pkg / "__init__.py")
    for m in N.HOT_MODULES:
        shutil.copy(src / f"{m}.py", pkg / f"{m}.py")
    if junk_extension:  # a "compiled" module that would crash if it were ever loaded
        from importlib.machinery import EXTENSION_SUFFIXES

        for m in N.HOT_MODULES:
            (pkg / f"{m}{EXTENSION_SUFFIXES[0]}").write_bytes(b"not an extension module")
    if manifest is not None:
        (pkg / N.MANIFEST).write_text(json.dumps(manifest))
    return pkg


@pytest.mark.parametrize(
    ("state", "expect"),
    [
        ("absent", "not compiled"),
        ("failed", "did not happen: no C compiler"),
        ("stale", "stale: coordination.py changed"),
    ],
)
def test_fallback_to_pure_python(tmp_path: Path, state: str, expect: str) -> None:
    """No build, a failed build (with its reason) or a stale one: the .py files are imported, even
    with (broken) extension modules beside them, and a stale build warns."""
    manifest: dict[str, object] | None = None
    if state == "failed":
        manifest = {"compiled": False, "reason": "no C compiler"}
    elif state == "stale":
        sources = {f"{m}.py": "0" * 64 for m in N.HOT_MODULES}
        manifest = {"compiled": True, "shared_lib": "_native__mypyc", "sources": sources}
    _fake_package(tmp_path, manifest, junk_extension=state != "absent")
    out = _run(
        """
        import json, warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import narr_copy
        from narr_copy import coordination  # imports no sibling: loads alone from the copy
        print(json.dumps([narr_copy.NATIVE, narr_copy.NATIVE_STATUS, coordination.__file__,
                          [str(w.message) for w in caught]]))
        """,
        pure=False,
        cwd=tmp_path,
    )
    native, status, file, warned = json.loads(out)
    assert native is False and expect in status
    assert file.endswith("coordination.py")
    assert bool(warned) == (state == "stale")


def test_current_sources_match_the_manifest_digest() -> None:
    """The digest the build records is the one the switch recomputes (same bytes, same hash)."""
    import hashlib

    for m in N.HOT_MODULES:
        data = (Path(N.__file__).parent / f"{m}.py").read_bytes()
        assert N.source_digest(m) == hashlib.sha256(data).hexdigest()


@pytest.mark.skipif(not N.NATIVE, reason=f"no compiled narratives modules here: {N.NATIVE_STATUS}")
def test_compiled_and_pure_outputs_are_identical(tmp_path: Path) -> None:
    """3,000 pre-scored demo posts through both builds: every output byte for byte (see _replay)."""
    sys.path.insert(0, str(REPLAY.parent))
    try:
        from _replay import write_stream
    finally:
        sys.path.remove(str(REPLAY.parent))
    stream = tmp_path / "stream.pkl"
    write_stream(str(stream), posts=3000)
    outs = {}
    for pure in (False, True):
        out = tmp_path / f"dump_{'pure' if pure else 'compiled'}.txt"
        r = subprocess.run(
            [sys.executable, str(REPLAY), str(stream), str(out)],
            env=_env(pure),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip().endswith(".py") == pure, r.stdout
        outs[pure] = out
    assert outs[False].stat().st_size > 100_000
    assert filecmp.cmp(outs[False], outs[True], shallow=False), "compiled and pure outputs differ"
