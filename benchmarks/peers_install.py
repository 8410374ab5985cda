"""Each peer in its own virtual environment, cached outside the repository
(``~/.cache/sponsorsync-bench/peers/<key>``) and reused when its pinned requirement is already
installed; and the CA bundle the peer trusts: a copy of its own certifi bundle plus the peer
proxy's throwaway CA."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks.peers_specs import Peer

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sponsorsync-bench" / "peers"
STAMP = ".sponsorsync-requirement"


class InstallFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def executable(self, name: str) -> Path:
        return self.bin / name


def requirement(peer: Peer, sources: dict[str, Path]) -> str:
    """What pip installs: the pinned requirement, or a local checkout given for the peer (for a
    peer that is not on PyPI when its repository is not reachable)."""
    local = sources.get(peer.key)
    return str(local.resolve()) if local is not None else peer.requirement


def ensure_venv(peer: Peer, sources: dict[str, Path], cache: Path = CACHE) -> Venv:
    """The peer's environment, created and installed unless it already holds the same requirement."""
    venv = Venv(cache / peer.key)
    wanted = requirement(peer, sources)
    stamp = venv.root / STAMP
    installed = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None
    if venv.executable(peer.executable).is_file() and installed == wanted:
        return venv
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / f"{peer.key}.install.log"
    with log.open("w", encoding="utf-8") as handle:
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv.root)],
            [str(venv.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wanted],
        ]
        for step in steps:
            done = subprocess.run(step, stdout=handle, stderr=subprocess.STDOUT, check=False)
            if done.returncode != 0:
                raise InstallFailed(f"installing {peer.label} ({wanted}) failed: see {log}")
    stamp.write_text(wanted + "\n", encoding="utf-8")
    return venv


def certifi_bundle(venv: Venv) -> Path | None:
    """The venv's certifi bundle (None when the peer does not ship certifi)."""
    try:
        found = subprocess.run(
            [str(venv.python), "-c", "import certifi; print(certifi.where())"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    path = Path(found.stdout.strip()) if found.returncode == 0 else None
    return path if path is not None and path.is_file() else None


def trust_bundle(venv: Venv, proxy_ca: Path, target: Path) -> Path:
    """A copy of the venv's certifi bundle with the proxy's CA appended, written to ``target``."""
    original = certifi_bundle(venv)
    if original is not None and original.with_name(original.name + ".orig").is_file():
        original = original.with_name(original.name + ".orig")  # a run that did not put it back
    base = original.read_text(encoding="utf-8") if original else ""
    target.write_text(base.rstrip("\n") + "\n" + proxy_ca.read_text(encoding="utf-8"), encoding="utf-8")
    return target


class PatchedCertifi:
    """``with PatchedCertifi(venv, bundle):`` the venv's own certifi bundle is ``bundle`` (for code
    that passes ``certifi.where()`` itself and ignores ``REQUESTS_CA_BUNDLE``); the original is
    kept beside it and put back on exit."""

    def __init__(self, venv: Venv, bundle: Path) -> None:
        self.path = certifi_bundle(venv)
        self.bundle = bundle

    def __enter__(self) -> PatchedCertifi:
        if self.path is not None:
            keep = self.path.with_name(self.path.name + ".orig")
            if not keep.exists():
                keep.write_bytes(self.path.read_bytes())
            self.path.write_bytes(self.bundle.read_bytes())
        return self

    def __exit__(self, *_: object) -> None:
        if self.path is not None:
            keep = self.path.with_name(self.path.name + ".orig")
            if keep.exists():
                self.path.write_bytes(keep.read_bytes())
