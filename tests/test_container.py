"""The container image and the compose example, checked without a Docker daemon (none runs in the test
setup): hadolint on the Dockerfile, then the rules that matter to an operator read from the file
itself, and the compose file parsed and tied to the Dockerfile and the README's Kubernetes recipe."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
SECRET_NAME = re.compile(r"TOKEN|PASSWORD|PASSWD|SECRET|PRIVATE|API_?KEY|CREDENTIAL", re.IGNORECASE)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    found: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pending = f"{pending} {line[:-1].strip()}" if line.endswith("\\") else f"{pending} {line}"
        if line.endswith("\\"):
            continue
        word, _, rest = pending.strip().partition(" ")
        found.append((word.upper(), rest.strip()))
        pending = ""
    return found


DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
STEPS = instructions(DOCKERFILE)


def args_of(name: str) -> list[str]:
    return [rest for word, rest in STEPS if word == name]


def env_vars() -> dict[str, str]:
    found: dict[str, str] = {}
    for rest in args_of("ENV"):
        for name, value in re.findall(r"(\w+)=(\S+)", rest):
            found[name] = value
    return found


def test_hadolint_passes() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--no-color", "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_base_image_is_pinned_by_a_full_version_tag() -> None:
    bases = [rest.split()[0] for rest in args_of("FROM")]
    assert bases
    for base in bases:
        image, _, tag = base.partition(":")
        assert tag, f"{base}: no tag"
        assert "latest" not in tag
        assert re.match(r"\d+\.\d+\.\d+-slim", tag), f"{base}: pin the patch version of a slim image"
        assert image == "python"


def test_it_runs_as_a_non_root_user_with_sponsorsync_as_entrypoint() -> None:
    words = [word for word, _ in STEPS]
    last_from = max(i for i, w in enumerate(words) if w == "FROM")
    users = [rest for word, rest in STEPS[last_from:] if word == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert words.index("ENTRYPOINT") > max(i for i, w in enumerate(words) if w == "USER")
    assert args_of("ENTRYPOINT") == ['["sponsorsync"]']


def test_no_add_no_secret_in_env_or_arg_and_a_healthcheck_decision() -> None:
    assert not args_of("ADD"), "COPY, not ADD (no remote URLs, no archive magic)"
    for word in ("ENV", "ARG"):
        for rest in args_of(word):
            for name in re.findall(r"(\w+)=", rest) or rest.split()[:1]:
                assert not SECRET_NAME.search(name), (
                    f"{word} {name}: secrets come from files, never the image"
                )
    [health] = args_of("HEALTHCHECK")
    if health == "NONE":  # a one-shot command: the reason must be written beside it
        assert "# No HEALTHCHECK:" in DOCKERFILE


def test_state_is_on_a_volume_where_the_default_state_directory_is() -> None:
    state_home = env_vars()["XDG_STATE_HOME"]
    assert args_of("VOLUME") == [f'["{state_home}"]']
    assert re.search(rf"chown sponsorsync:sponsorsync {state_home}\b", DOCKERFILE)


def test_the_image_installs_every_package_of_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = project["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"sponsorsync": "."}  # the root's modules and its packages
    wanted = {p.name for p in ROOT.glob("*.py")}
    wanted |= {p.split(".")[1] for p in setuptools["packages"] if p.count(".") == 1}
    wanted |= {"pyproject.toml", project["project"]["readme"]}
    copied: set[str] = set()
    for rest in args_of("COPY"):
        if rest.startswith("--from"):
            continue
        copied |= {Path(part).name for part in rest.split()[:-1]}
    assert wanted <= copied, wanted - copied
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    assert rules[0] == "*", "the build context is an allow-list"
    allowed = {line.removeprefix("!").rstrip("/") for line in ignore if line.startswith("!")}
    assert allowed == wanted, "only what the image installs is sent to the build (never .env or state)"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(
        (ROOT / "compose.yaml").read_text(encoding="utf-8")
    )
    return data


def test_compose_runs_the_sandbox_and_an_hourly_sync_from_the_dockerfile() -> None:
    services = compose()["services"]
    sandbox, sync = services["sandbox"], services["sync"]
    assert sandbox["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    assert (ROOT / sandbox["build"]["context"] / sandbox["build"]["dockerfile"]).is_file()
    assert sync["image"] == sandbox["image"]
    assert sandbox["command"][:2] == ["sandbox", "serve"]
    env_file = sandbox["command"][sandbox["command"].index("--env-file") + 1]
    assert env_file in " ".join(sandbox["healthcheck"]["test"])
    assert sync["network_mode"] == "service:sandbox"  # the sandbox listens on loopback only
    assert sync["depends_on"] == {"sandbox": {"condition": "service_healthy"}}
    [loop] = sync["command"]
    assert f"sponsorsync --log-format json --env-file {env_file} sync run" in loop
    assert "sleep 3600" in loop
    assert "TERM" in loop  # a stop reaches the run in progress
    shell = loop.replace("$$", "$")  # what compose hands to /bin/sh after interpolation
    checked = subprocess.run(["sh", "-n", "-c", shell], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    state_home = env_vars()["XDG_STATE_HOME"]
    assert f"state:{state_home}" in sync["volumes"]
    assert f"state:{state_home}" in sandbox["volumes"]
    assert "state" in compose()["volumes"]


def test_the_readme_kubernetes_recipe_uses_the_image_the_dockerfile_builds() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    image = compose()["services"]["sandbox"]["image"]
    assert image == f"sponsorsync:{version}"
    assert f"docker build -t {image} ." in readme
    recipe = readme[readme.index("**Kubernetes CronJob**") :]
    assert re.search(rf"image: \S*/{re.escape(image)}\s", recipe[:2500]), "the CronJob runs that image"
