"""What an installed package carries, from a wheel built and installed like a user's: one top-level
name, `sponsorsync` (every product package below it, nothing else in site-packages), and the sandbox's
example org files (README "The sandbox" points at them), found through importlib.resources."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def packages() -> list[str]:
    """The packages pyproject.toml installs, all below `sponsorsync` (mapped to the repository root)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = project["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"sponsorsync": "."}
    listed: list[str] = setuptools["packages"]
    return listed


def sources() -> list[str]:
    """What a build needs: pyproject.toml, the readme, the root's modules and the product packages."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    modules = sorted(p.name for p in ROOT.glob("*.py"))
    top = sorted({p.split(".")[1] for p in packages() if p.count(".") == 1})
    return ["pyproject.toml", project["project"]["readme"], *modules, *top]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources, installed with `pip install --no-deps --target`."""
    tmp_path = tmp_path_factory.mktemp("packaging")
    source = tmp_path / "src"
    source.mkdir()
    for name in sources():
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", str(source), "-w", str(tmp_path / "dist")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("sponsorsync-*.whl")
    target = tmp_path / "site"
    installed = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    return target


def test_the_install_has_one_top_level_name(site: Path) -> None:
    top = {p.name for p in site.iterdir() if p.name != "bin"}
    assert top == {"sponsorsync", "sponsorsync-0.1.0.dist-info"}
    entry = (site / "sponsorsync-0.1.0.dist-info" / "entry_points.txt").read_text(encoding="utf-8")
    assert "sponsorsync = sponsorsync.cli:app" in entry


def test_every_product_package_is_installed_below_sponsorsync(site: Path) -> None:
    """A new subpackage (a folder with __init__.py) missing from pyproject.toml's list fails here."""
    source = {
        "sponsorsync." + ".".join(p.parent.relative_to(ROOT).parts)
        for top in sources()
        if (ROOT / top).is_dir()
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert source == set(packages()) - {"sponsorsync"}
    installed = {
        "sponsorsync." + ".".join(p.parent.relative_to(site / "sponsorsync").parts)
        for p in (site / "sponsorsync").rglob("__init__.py")
    }
    assert installed == source
    assert {"cli.py"} <= {p.name for p in (site / "sponsorsync").glob("*.py")}


RUN_CLI = """
import sys
sys.path.insert(0, sys.argv[1])
import sponsorsync.cli
assert sponsorsync.cli.__file__.startswith(sys.argv[1]), sponsorsync.cli.__file__
sys.argv = ["sponsorsync", "--version"]
sponsorsync.cli.app()
"""


def test_the_installed_command_runs_from_the_package(site: Path, tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", RUN_CLI, str(site)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "sponsorsync 0.1.0"


LIST_EXAMPLES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from importlib.resources import files
import sponsorsync.sandbox as sandbox
assert sandbox.__file__.startswith(sys.argv[1]), sandbox.__file__
examples = files("sponsorsync.sandbox") / "examples"
print(json.dumps({p.name: p.read_text(encoding="utf-8") for p in examples.iterdir() if p.name.endswith(".json")}))
"""


def test_the_sandbox_examples_are_in_the_installed_package(site: Path, tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-c", LIST_EXAMPLES, str(site)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    expected = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "sandbox/examples").glob("*.json")}
    assert {"salesforce-small.json", "hubspot-small.json"} <= set(expected)
    assert found == expected
