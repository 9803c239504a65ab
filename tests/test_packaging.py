"""The wheel holds what an installed wishpool needs, and nothing that only a checkout has.

`wishpool run` and `wishpool demo` are development-only: the wheel ships the gateway's Python
package but not server.js and its npm files, so an installed copy refuses them politely.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from api.cli.main import DEMO_SOURCE_ONLY

REPO = Path(__file__).resolve().parents[1]
# What a clean clone holds; local state (.venv, caches, data/, build output) is not copied.
SOURCE_ENTRIES = (
    "pyproject.toml", "README.md", "config.yaml", "api", "bot", "models", "nlp", "gateway",
    "bench", "tests",
)  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from a copy of the source tree (the copy keeps build/ and
    *.egg-info out of the checkout), with npm packages present as after `make install`."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "*.egg-info")
    for name in SOURCE_ENTRIES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=ignore)
        else:
            shutil.copy2(REPO / name, src / name)
    npm_package = src / "gateway" / "node_modules" / "wechaty-puppet-service"
    npm_package.mkdir(parents=True)
    (npm_package / "index.js").write_text("module.exports = {}\n")
    (npm_package / "package.json").write_text('{"name": "wechaty-puppet-service"}\n')
    out = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
        timeout=120,
    )
    (built,) = out.glob("wishpool-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.mark.parametrize(
    "path",
    [
        "api/http/static/admin.html",
        "api/http/static/admin.js",
        "api/http/static/admin.css",
        "api/http/static/edit.js",
        "api/http/static/dashboard.js",
        "api/http/static/manage.js",
        # Chart.js, copied from web/node_modules by make install (as the wheel fixture's copy
        # of the checkout has it after make install).
        "api/http/static/vendor/chart.umd.min.js",
        "models/migrations/env.py",
        "models/migrations/script.py.mako",
        "models/migrations/versions/0001_initial_schema.py",
        "nlp/rules/default.yaml",
        "nlp/rules/userdict.txt",
        "api/cli/main.py",
        "gateway/control.py",
        "gateway/process.py",
    ],
)
def test_the_wheel_holds_what_an_installed_copy_needs(names: set[str], path: str) -> None:
    assert path in names


def test_every_migration_and_static_file_is_in_the_wheel(names: set[str]) -> None:
    for folder in ("models/migrations/versions", "api/http/static", "nlp/rules"):
        for file in (REPO / folder).iterdir():
            if file.is_file() and file.suffix != ".pyc":
                assert f"{folder}/{file.name}" in names


def test_the_wheel_leaves_out_npm_files_tests_and_bench(names: set[str]) -> None:
    assert not [n for n in names if "node_modules" in n]
    assert not {"gateway/server.js", "gateway/package.json", "gateway/package-lock.json"} & names
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
         "--target", str(site), str(wheel)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return site


def _wishpool(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed copy's `wishpool` (its dependencies come from this environment)."""
    script = (
        "import sys, api.cli.main as m\n"
        f"assert m.__file__.startswith({str(site)!r}), m.__file__\n"
        "sys.argv = ['wishpool', *sys.argv[1:]]\n"
        "m.main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "WISHPOOL_CONFIG": str(site / "none.yaml")}
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args", [("run",), ("demo", "say", "希望能带孩子们去消防站参观学习"), ("demo", "sent")]
)
def test_an_installed_copy_refuses_the_demo_in_one_line(installed: Path, args: tuple[str]) -> None:
    result = _wishpool(installed, *args)
    assert result.returncode == 2, result.stderr
    assert (result.stdout + result.stderr).strip() == DEMO_SOURCE_ONLY


def test_an_installed_copy_still_runs_its_other_commands(installed: Path) -> None:
    result = _wishpool(installed, "--help")
    assert result.returncode == 0, result.stderr
    assert "wishpool" in result.stdout and "demo" in result.stdout


def test_the_source_checkout_may_run_the_demo() -> None:
    from gateway import server_installed

    # make install ran npm ci here; without it `wishpool run` would refuse in the checkout too.
    assert server_installed()
    assert not server_installed(REPO / "api")


def test_the_docker_image_offers_only_what_it_contains() -> None:
    # The runtime image (the last stage, the default target) has no node and no gateway/: its
    # command may not be `run` or `demo`. The gateway image is a stage of its own.
    dockerfile = (REPO / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    assert dockerfile.startswith("python:") and " AS runtime" in dockerfile.splitlines()[0]
    commands = [line for line in dockerfile.splitlines() if line.startswith(("CMD", "ENTRYPOINT"))]
    assert commands
    for line in commands:
        assert '"run"' not in line and '"demo"' not in line, line
    assert "nodejs" not in dockerfile and "COPY gateway" not in dockerfile
