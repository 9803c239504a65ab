"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets a bounded number of generated requests, once with an administrator's
token and once with a staff member's, in process against the ASGI app on a fresh SQLite
database seeded with an office tree, wishes (one fulfilled), a match, an outbox message and a
correction. Operations with path ids run twice: with generated ids (mostly unknown: 404) and
with the seeded rows' ids, so bodies are fuzzed against real records. No answer may be a 5xx,
use an undeclared status code or content type, or have a body outside its declared schema.

Generation is deterministic (derandomize) so a failure repeats on the next run; the number of
examples keeps the module within a few minutes on a small machine.
"""

from __future__ import annotations

import shutil
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.apitools import Tree, new_wish

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Revoking or rotating a token ends the run by design, not by a defect: the fuzzer's small ids
# hit the very token it is using, and every later call is a 401. tests/api/test_auth.py
# covers these three.
KEEP_OUT = {
    ("POST", "/api/v1/tokens/{token_id}/rotate"),
    ("POST", "/api/v1/tokens/{token_id}/revoke"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
}

# The outbox long-poll waits up to its limit for a message that never comes: no wait here
# (tests/bot/test_bot_api.py covers the wait).
FIXED_QUERY = {("GET", "/api/v1/bot/outbox"): {"wait": 0}}


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    # SQLite only: the fuzz is about the HTTP contract; the storage tests cover PostgreSQL.
    path = tmp_path / "wishpool.db"
    shutil.copy(request.getfixturevalue("_sqlite_template"), path)
    yield f"sqlite:///{path}"


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def known_ids(client: TestClient, admin: dict[str, str], tree: Tree) -> dict[str, int]:
    """One real row per path parameter of the API."""
    wishes = [
        new_wish(client, admin, text=text, group_id=tree.group)["id"]
        for text in ("希望社区组织一次亲子阅读活动", "快递站想请律师讲讲劳动合同", "想学习家庭急救")
    ]
    match = _ok(
        client.post(
            "/api/v1/matches",
            json={"wish_id": wishes[1], "resource_id": tree.resource},
            headers=admin,
        ),
        201,
    )
    done = wishes[2]
    _ok(client.post(f"/api/v1/wishes/{done}/claim", json={}, headers=admin))
    _ok(
        client.post(
            f"/api/v1/wishes/{done}/match", json={"resource_ids": [tree.resource]}, headers=admin
        )
    )
    _ok(client.post(f"/api/v1/wishes/{done}/start", json={}, headers=admin))
    _ok(
        client.post(
            f"/api/v1/wishes/{done}/fulfil",
            json={"delivered_on": "2026-11-20", "beneficiaries": 12, "summary": "急救课"},
            headers=admin,
        )
    )
    fulfilment = _ok(client.get("/api/v1/fulfilments", headers=admin))["items"][0]
    outbox = _ok(
        client.post(
            "/api/v1/outbox",
            json={"target_kind": "room", "target_id": "df@chatroom", "text": "周六有活动"},
            headers=admin,
        ),
        201,
    )
    correction = _ok(
        client.post(
            "/api/v1/corrections",
            json={"wish_id": wishes[0], "predicted_is_wish": True, "corrected_is_wish": False},
            headers=admin,
        ),
        201,
    )
    return {
        "office_id": tree.street,
        "group_id": tree.group,
        "staff_id": tree.staff,
        "organisation_id": tree.org,
        "wish_id": wishes[0],
        "resource_id": tree.resource,
        "match_id": match["id"],
        "fulfilment_id": fulfilment["id"],
        "message_id": outbox["id"],
        "outbox_id": outbox["id"],
        "correction_id": correction["id"],
    }


def _fuzz(
    client: TestClient, headers: dict[str, str], known_ids: dict[str, int], only: str = "/"
) -> tuple[list[str], Counter[str]]:
    """Problems found, and how many answers each operation got per status class."""
    app: Any = client.app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    runs: list[tuple[Any, dict[str, int] | None]] = []
    for operation in operations:
        if (operation.method.upper(), operation.path) in KEEP_OUT:
            continue
        if not operation.path.startswith(only):
            continue
        runs.append((operation, None))
        names = [p.name for p in operation.path_parameters]
        if names and all(name in known_ids for name in names):
            runs.append((operation, {name: known_ids[name] for name in names}))
    # Deletions of the seeded rows last, so every other operation meets them first.
    runs.sort(key=lambda run: run[1] is not None and run[0].method.upper() == "DELETE")

    problems: list[str] = []
    seen: Counter[str] = Counter()
    for operation, path_parameters in runs:
        label = f"{operation.method.upper()} {operation.path}"
        strategy = operation.as_strategy(
            path_parameters=path_parameters,
            query=FIXED_QUERY.get((operation.method.upper(), operation.path)),
        )

        run = _test_for(strategy, label, headers, seen)

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run()
        except (Exception, BaseExceptionGroup) as exc:
            problems.append(f"{label} (ids {path_parameters}): {exc}")
    return problems, seen


def _test_for(strategy: Any, label: str, headers: dict[str, str], seen: Counter[str]) -> Any:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen[f"{response.status_code // 100}xx"] += 1
        seen[f"{label} {response.status_code // 100}xx"] += 1

    return run


def _succeeded(seen: Counter[str]) -> set[str]:
    return {key.rsplit(" ", 1)[0] for key in seen if key.endswith(" 2xx")}


def test_admin_token_meets_the_schema(
    client: TestClient, admin: dict[str, str], known_ids: dict[str, int]
) -> None:
    problems, seen = _fuzz(client, admin, known_ids)
    assert not problems, "\n\n".join(problems)
    # Not a run of refusals: the admin token reaches the ledger on most operations.
    assert len(_succeeded(seen)) >= 45, sorted(_succeeded(seen))


def test_staff_token_meets_the_schema(
    client: TestClient, staff: dict[str, str], known_ids: dict[str, int]
) -> None:
    problems, seen = _fuzz(client, staff, known_ids)
    assert not problems, "\n\n".join(problems)
    assert len(_succeeded(seen)) >= 30, sorted(_succeeded(seen))
    # Administrators' operations refuse a staff token, within the schema.
    assert seen["GET /api/v1/tokens 4xx"] > 0
    assert seen["GET /api/v1/tokens 2xx"] == 0


def test_bot_token_meets_the_schema(
    client: TestClient, bot: dict[str, str], known_ids: dict[str, int]
) -> None:
    # Not asked of the bot, but its operations take the most free text of all.
    problems, seen = _fuzz(client, bot, known_ids, only="/api/v1/bot/")
    assert not problems, "\n\n".join(problems)
    assert len(_succeeded(seen)) >= 4, sorted(_succeeded(seen))
