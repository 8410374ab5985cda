"""What an installed package carries: the sandbox's example org files (README "The sandbox" points at
them), found through importlib.resources from a wheel built and installed like a user's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources() -> list[str]:
    """What a build needs: pyproject.toml, the readme, the top-level modules and the packages."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = project["tool"]["setuptools"]
    modules = [f"{m}.py" for m in setuptools["py-modules"]]
    packages = [p.rstrip("*") for p in setuptools["packages"]["find"]["include"]]
    return ["pyproject.toml", project["project"]["readme"], *modules, *packages]


LIST_EXAMPLES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from importlib.resources import files
import connectors.sandbox as sandbox
assert sandbox.__file__.startswith(sys.argv[1]), sandbox.__file__
examples = files("connectors.sandbox") / "examples"
print(json.dumps({p.name: p.read_text(encoding="utf-8") for p in examples.iterdir() if p.name.endswith(".json")}))
"""


def test_the_sandbox_examples_are_in_the_installed_package(tmp_path: Path) -> None:
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
    site = tmp_path / "site"
    installed = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr

    listed = subprocess.run(
        [sys.executable, "-c", LIST_EXAMPLES, str(site)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    expected = {
        p.name: p.read_text(encoding="utf-8") for p in (ROOT / "connectors/sandbox/examples").glob("*.json")
    }
    assert {"salesforce-small.json", "hubspot-small.json"} <= set(expected)
    assert found == expected
