"""compose.yaml, the Dockerfile and .env.example agree with the product.

Each service's command is one its image provides (a `wishpool` sub-command with real options,
the gateway's server.js with real flags, the postgres image); every WISHPOOL_* variable is a
setting some process reads (WISHPOOL_<SECTION>__<FIELD>, models/config.py); every other variable
is one the product or the image reads; every ${…} the file needs is documented in .env.example.
No docker build here: the files are read and checked as text and YAML.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from api.cli.main import app as wishpool_app
from api.followup.settings import SchedulerSettings
from api.settings import ApiSettings
from bot.settings import BotSettings
from models.config import OFFICE_SECTION, SectionSettings
from models.logformat import LogSettings
from nlp.settings import NlpSettings

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
SERVER_JS = (REPO / "gateway" / "server.js").read_text(encoding="utf-8")
SECTIONS: tuple[type[SectionSettings], ...] = (
    ApiSettings,
    BotSettings,
    SchedulerSettings,
    NlpSettings,
)
# Variables read by something other than our settings classes, and where.
OTHER_READERS = {
    "POSTGRES_DB": "postgres image",
    "POSTGRES_USER": "postgres image",
    "POSTGRES_PASSWORD": "postgres image",
    "WECHATY_LOG": "wechaty's logger (gateway/README.md)",
    "PROMETHEUS_MULTIPROC_DIR": "prometheus_client multiprocess mode (api/http/metrics.py)",
}


def stages() -> dict[str, str]:
    """Dockerfile stage name → its text."""
    found: dict[str, str] = {}
    for block in re.split(r"^(?=FROM )", DOCKERFILE, flags=re.M)[1:]:
        match = re.match(r"FROM \S+ AS (\S+)", block)
        assert match, block.splitlines()[0]
        found[match[1]] = block
    return found


def service_image_stage(service: dict[str, Any]) -> str | None:
    build = service.get("build")
    return build.get("target") if isinstance(build, dict) else None


def wishpool_command(args: list[str]) -> Any:
    """The click command `args` names, walking sub-command groups."""
    command: Any = typer.main.get_command(wishpool_app)
    rest = list(args)
    while hasattr(command, "commands") and rest and not rest[0].startswith("-"):
        name = rest.pop(0)
        assert name in command.commands, f"wishpool has no sub-command {name!r}"
        command = command.commands[name]
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    for arg in rest:
        if arg.startswith("--"):
            assert arg.split("=")[0] in options, f"wishpool {' '.join(args)}: no option {arg}"
    return command


def settings_fields() -> dict[str, set[str]]:
    """Section → the field names its WISHPOOL_<SECTION>__<FIELD> variables may set."""
    fields: dict[str, set[str]] = {}
    office: set[str] = set(LogSettings.model_fields)
    for cls in SECTIONS:
        # A shared field is read from the office section only; its own section refuses it.
        fields[cls.yaml_section] = set(cls.model_fields) - cls.office_fields
        office |= cls.office_fields
    fields[OFFICE_SECTION] = office
    return fields


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def test_the_services_are_all_there() -> None:
    assert set(SERVICES) == {"postgres", "api", "scheduler", "gateway", "bot"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_command_exists_in_its_image(name: str) -> None:
    service = SERVICES[name]
    stage = service_image_stage(service)
    if name == "postgres":
        assert service["image"].startswith("postgres:15")  # pg_dump 15 in the runtime image
        return
    assert stage in stages(), f"{name}: no Dockerfile stage {stage!r}"
    command = service["command"]
    assert isinstance(command, list) and command, f"{name}: exec form, not a shell string"
    if stage == "runtime":
        scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
        assert command[0] in scripts, f"{name}: {command[0]} is no [project.scripts] entry"
        wishpool_command(command[1:])
    else:
        assert stage == "gateway"
        assert command[:2] == ["node", "server.js"]
        assert re.search(r"COPY .*server\.js", stages()["gateway"])
        flags = set(re.findall(r"'([a-z][a-z-]+)': \{ type", SERVER_JS))
        flags |= set(re.findall(r"^\s+([a-z]+): \{ type", SERVER_JS, flags=re.M))
        for arg in command[2:]:
            if arg.startswith("--"):
                assert arg[2:] in flags, f"gateway: server.js has no flag {arg}"
        mode = command[command.index("--mode") + 1]
        assert mode == "real"  # production: a real account, never the fake one


def test_the_api_runs_workers_and_the_scheduler_runs_once() -> None:
    api = SERVICES["api"]
    assert api["command"][:2] == ["wishpool", "api"]
    assert int(api["command"][api["command"].index("--workers") + 1]) > 1
    assert environment(api)["WISHPOOL_API__RUN_SCHEDULER"] == "false"
    assert environment(api)["WISHPOOL_API__DATABASE_URL"].startswith("postgresql+psycopg://")
    assert SERVICES["scheduler"]["command"] == ["wishpool", "scheduler"]
    assert "deploy" not in SERVICES["scheduler"]  # no replicas: one scheduler
    assert SERVICES["bot"]["command"] == ["wishpool", "bot"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_variable_is_read_by_someone(name: str) -> None:
    fields = settings_fields()
    bot_aliases = {
        str(choice)
        for field in BotSettings.model_fields.values()
        if field.validation_alias is not None
        for choice in getattr(field.validation_alias, "choices", [])
    }
    for variable in environment(SERVICES[name]):
        match = re.fullmatch(r"WISHPOOL_([A-Z]+)__([A-Z_]+)", variable)
        if match:
            section, field = match[1].lower(), match[2].lower()
            assert section in fields, f"{name}: {variable}: no settings section {section!r}"
            assert field in fields[section], f"{name}: {variable}: {section} has no {field!r}"
        elif variable.startswith("WECHATY_PUPPET_"):
            assert variable in bot_aliases, f"{name}: {variable} is not read by the bot"
        elif variable.startswith("GATEWAY_"):
            assert f"env.{variable}" in SERVER_JS, f"{name}: server.js does not read {variable}"
        else:
            assert variable in OTHER_READERS, f"{name}: nothing reads {variable}"
    if "PROMETHEUS_MULTIPROC_DIR" in environment(SERVICES[name]):
        source = (REPO / "api" / "http" / "metrics.py").read_text(encoding="utf-8")
        assert "PROMETHEUS_MULTIPROC_DIR" in source


def test_the_rule_itself_catches_a_misspelt_setting() -> None:
    fields = settings_fields()
    assert "database_url" in fields["api"] and "databse_url" not in fields["api"]
    assert "quiet_hours" in fields["office"] and "quiet_hours" not in fields["bot"]
    assert "log_format" in fields["office"] and "metrics_port" in fields["bot"]


def test_every_compose_variable_is_documented_in_env_example() -> None:
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{([A-Z_]+)", text))
    documented = set(
        re.findall(r"^([A-Z_]+)=", (REPO / ".env.example").read_text("utf-8"), flags=re.M)
    )
    assert needed and needed <= documented, needed - documented
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_health_check_and_keeps_its_state(name: str) -> None:
    service = SERVICES[name]
    check = service.get("healthcheck") or {}
    assert check.get("test") and not check.get("disable"), f"{name}: no health check"
    if name == "api":
        assert "/api/v1/health" in " ".join(check["test"])
    if name != "scheduler":  # it keeps nothing outside the database
        assert service.get("volumes"), f"{name}: no volume"
        for volume in service["volumes"]:
            assert volume.split(":")[0] in COMPOSE["volumes"]


def test_the_dockerfile_builds_in_stages_and_runs_as_nobody_special() -> None:
    found = stages()
    assert list(found) == ["web-deps", "builder", "gateway-deps", "gateway", "runtime"]
    # The page's chart library reaches the package (api/http/static/vendor) from its own stage.
    assert "npm ci" in found["web-deps"] and "chart.umd.min.js" in found["builder"]
    assert "build-essential" in found["builder"] and "build-essential" not in found["runtime"]
    assert "npm ci" in found["gateway-deps"] and "npm" not in found["gateway"].split("CMD")[0]
    for name in ("gateway", "runtime"):
        users = re.findall(r"^USER (\S+)", found[name], flags=re.M)
        assert users and users[-1] not in ("root", "0"), f"{name} runs as root"
        assert "HEALTHCHECK" in found[name]
        assert "chmod 700" in found[name] and "VOLUME" in found[name]
    assert "postgresql-client" in found["runtime"]  # wishpool backup on PostgreSQL
    assert re.search(r'^CMD \["wishpool", "api"\]', found["runtime"], flags=re.M)


def test_the_build_context_leaves_secrets_and_local_state_out() -> None:
    ignored = set((REPO / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".venv", "data", "**/node_modules", ".git"} <= ignored
