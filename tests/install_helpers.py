"""Helpers for tests/test_install.py: a fresh virtual environment with a non-editable superpose.

The fresh environment is made with ``python -m venv``; superpose goes in as a wheel built from a
copy of this checkout (so the build writes nothing into the checkout) and installed with
``--no-deps``; the registry's ``circuits`` (an event framework on PyPI, 3.2.x) goes in next to it,
or, when the package index cannot be reached, a stand-in distribution named ``circuits`` built
here. Only after both are installed is a ``.pth`` file added that puts the running environment's
import paths (numpy, scipy, sympy, z3, ...) *after* the fresh environment's own site-packages, so
nothing is downloaded twice and pip never sees (or offers to uninstall) the running environment's
editable superpose. Paths added by a ``.pth`` line do not get their own ``.pth`` files processed,
so the running environment's ``__editable__`` finder is not installed in the fresh one; its
``superpose-*.dist-info`` is visible, but the fresh environment's own comes first on ``sys.path``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

# The folders that were top-level packages before they became superpose.theory and so on.
OLD_TOP_LEVEL = ("theory", "circuits", "checks", "problems")

# Names superpose.circuits exports that the registry's circuits does not have.
OUR_CIRCUITS_NAMES = ("build", "load_circuit", "problem_spec", "ThresholdNetwork")

CIRCUITS_REQUIREMENT = "circuits>=3.2,<3.3"

PIP_QUIET = ["--disable-pip-version-check", "--no-input"]


def clean_env(**extra: str) -> dict[str, str]:
    """``os.environ`` without anything that adds import paths or picks an environment."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH",
                        "VIRTUAL_ENV", "__PYVENV_LAUNCHER__")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run(cmd, *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=env or clean_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def describe(proc: subprocess.CompletedProcess, tail: int = 3000) -> str:
    return (f"$ {' '.join(proc.args)}\nexit {proc.returncode}\n--- stdout ---\n"
            f"{proc.stdout[-tail:]}\n--- stderr ---\n{proc.stderr[-tail:]}")


def is_inside(path: str | Path, folder: str | Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def current_scripts_dir() -> Path:
    """The running environment's scripts folder (where its ``superpose`` console script is)."""
    return Path(sysconfig.get_path("scripts"))


def console_script(scripts: Path, name: str) -> Path:
    for candidate in (scripts / name, scripts / f"{name}.exe"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no console script {name!r} in {scripts}")


def setuptools_version() -> tuple[int, ...] | None:
    """The running environment's setuptools version, or None where it has none."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        text = version("setuptools")
    except PackageNotFoundError:
        return None
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _has(distribution: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version
    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n.startswith(".") or n in ("__pycache__", "build", "dist")
            or n.endswith((".egg-info", ".pyc"))}
    if Path(folder).resolve() == REPO_ROOT:
        skip |= {n for n in names if n in ("tests", "benchmarks", "paper_notes")}
    return skip


def copy_checkout(dest: Path) -> Path:
    """This checkout's working tree (no VCS folder, caches or build output) copied to ``dest``."""
    shutil.copytree(REPO_ROOT, dest, ignore=_ignore)
    return dest


def build_superpose_wheel(source: Path, wheels: Path) -> tuple[Path, str]:
    """A wheel of ``source`` built by the running interpreter's pip; and how it was built.

    Without build isolation when the running environment can build it itself: setuptools>=68
    (what pyproject's build-system asks for) that writes wheels on its own (>=70.1) or has the
    ``wheel`` package next to it; so nothing is downloaded. Otherwise pip makes its isolated
    build environment, which needs the package index."""
    wheels.mkdir(parents=True, exist_ok=True)
    st = setuptools_version()
    can_build = st is not None and (st >= (70, 1) or (st >= (68,) and _has("wheel")))
    isolation = ["--no-build-isolation"] if can_build else []
    proc = run([sys.executable, "-m", "pip", "wheel", *PIP_QUIET, "--no-deps", *isolation,
                "--wheel-dir", wheels, f"{source}{os.sep}"], cwd=source.parent, timeout=300)
    how = "without build isolation" if isolation else "with build isolation (from PyPI)"
    assert proc.returncode == 0, (
        f"could not build a superpose wheel {how} (running setuptools: {st}):\n"
        + describe(proc))
    (wheel,) = wheels.glob("superpose-*.whl")
    return wheel, how


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def stand_in_circuits_wheel(folder: Path) -> Path:
    """A wheel of a distribution named ``circuits`` with a top-level module ``circuits``.

    Written by hand (a wheel is a zip file with a dist-info) so that it installs with no build
    backend and no package index: the offline stand-in for the registry's circuits."""
    folder.mkdir(parents=True, exist_ok=True)
    version = "3.2.0"
    info = f"circuits-{version}.dist-info"
    files = {
        "circuits/__init__.py": (
            '"""Stand-in for the registry\'s circuits (an event framework), built by '
            'tests/test_install.py."""\n\n'
            f"__version__ = {version!r}\nSTAND_IN = True\n\n\n"
            "class Component:\n    pass\n\n\nclass Event:\n    pass\n\n\n"
            "def handler(*channels, **kwargs):\n    return lambda f: f\n"),
        f"{info}/METADATA": (f"Metadata-Version: 2.1\nName: circuits\nVersion: {version}\n"
                             "Summary: stand-in for the registry's circuits\n"),
        f"{info}/WHEEL": ("Wheel-Version: 1.0\nGenerator: superpose-tests\n"
                          "Root-Is-Purelib: true\nTag: py3-none-any\n"),
        f"{info}/top_level.txt": "circuits\n",
    }
    wheel = folder / f"circuits-{version}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, text in files.items():
            data = text.encode()
            zf.writestr(name, data)
            record.append(_record_line(name, data))
        record.append(f"{info}/RECORD,,")
        zf.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


@dataclass
class FreshVenv:
    root: Path
    python: Path
    scripts: Path
    site_packages: Path
    outside: Path          # an empty folder outside the checkout to run commands from
    circuits_from_pypi: bool
    circuits_note: str     # how circuits was installed (said in assertion messages)
    superpose_build: str   # how the superpose wheel was built
    parent_paths: list[str]

    def run(self, *args, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return run([self.python, *args], cwd=self.outside,
                   env=clean_env(PYTHONNOUSERSITE="1", **env), timeout=timeout)

    def script(self, name: str, *args, timeout: float = 120) -> subprocess.CompletedProcess:
        return run([console_script(self.scripts, name), *args], cwd=self.outside,
                   env=clean_env(PYTHONNOUSERSITE="1"), timeout=timeout)

    def probe(self, code: str) -> dict:
        """Run ``code`` (which prints one JSON document last) in the fresh venv; its result."""
        proc = self.run("-c", code)
        assert proc.returncode == 0, describe(proc)
        return json.loads(proc.stdout.strip().splitlines()[-1])


def _sys_path(python: Path | str, cwd: Path) -> list[str]:
    proc = run([python, "-c", "import json, sys; print(json.dumps(sys.path))"], cwd=cwd,
               env=clean_env(PYTHONNOUSERSITE="1"), timeout=60)
    assert proc.returncode == 0, describe(proc)
    return json.loads(proc.stdout)


def make_fresh_venv(base: Path) -> FreshVenv:
    outside = base / "elsewhere"
    outside.mkdir()
    root = base / "venv"
    proc = run([sys.executable, "-m", "venv", root], cwd=outside, timeout=180)
    assert proc.returncode == 0, describe(proc)
    scripts = root / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    proc = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
               cwd=outside, timeout=60)
    assert proc.returncode == 0, describe(proc)
    site_packages = Path(proc.stdout.strip())

    wheel, how = build_superpose_wheel(copy_checkout(base / "src"), base / "wheels")
    proc = run([python, "-m", "pip", "install", *PIP_QUIET, "--no-deps", "--no-index", wheel],
               cwd=outside, timeout=180)
    assert proc.returncode == 0, describe(proc)

    proc = run([python, "-m", "pip", "install", *PIP_QUIET, "--no-deps", "--only-binary",
                ":all:", "--timeout", "15", "--retries", "1", CIRCUITS_REQUIREMENT],
               cwd=outside, timeout=120)
    if proc.returncode == 0:
        from_pypi, note = True, "the registry's circuits 3.2.x, installed from the package index"
    else:
        stand_in = stand_in_circuits_wheel(base / "stand-in")
        proc2 = run([python, "-m", "pip", "install", *PIP_QUIET, "--no-deps", "--no-index",
                     stand_in], cwd=outside, timeout=120)
        assert proc2.returncode == 0, describe(proc2)
        from_pypi = False
        note = ("a locally built STAND-IN named circuits: pip could not install "
                f"{CIRCUITS_REQUIREMENT!r} from the package index ("
                + (proc.stderr.strip().splitlines() or ["no message"])[-1] + ")")

    # The running environment's import paths (its site-packages and whatever its .pth files
    # add), minus the standard library the fresh venv already has and minus this checkout's
    # source folders. A virtual environment inside the checkout (CI's .venv) is kept: its
    # site-packages hold the dependencies.
    own = set(_sys_path(python, outside))
    parent = [p for p in _sys_path(sys.executable, outside)
              if p and p not in own and Path(p).is_dir() and not is_inside(p, root)
              and not (is_inside(p, REPO_ROOT) and "site-packages" not in Path(p).parts)]
    (site_packages / "zz_parent_environment.pth").write_text("\n".join(parent) + "\n")
    return FreshVenv(root=root, python=python, scripts=scripts, site_packages=site_packages,
                     outside=outside, circuits_from_pypi=from_pypi, circuits_note=note,
                     superpose_build=how, parent_paths=parent)
