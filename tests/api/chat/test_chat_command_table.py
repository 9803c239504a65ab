"""Which commands are for staff only: the parser's table decides, and the chat service obeys."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.chat.commands import HANDLERS, MEMBER_HANDLERS
from api.chat.staff_commands import STAFF_HANDLERS
from models.wording import members as for_members
from nlp.commands import COMMAND_TYPES
from tests.api.apitools import Tree
from tests.api.chat.chat_tools import MEMBER, command

# Arguments good enough for every command to get past the gate (the wish need not exist).
ARGS = {
    "seq": 1,
    "text": "补充一点",
    "resource_ids": [1],
    "reason": "duplicate",
    "category": "health",
    "keyword": "",
}


def test_every_handled_command_is_in_the_parsers_table() -> None:
    assert set(HANDLERS) <= set(COMMAND_TYPES)
    assert not set(MEMBER_HANDLERS) & set(STAFF_HANDLERS)


def test_the_staff_only_flag_is_exactly_the_staff_handlers() -> None:
    # A new staff command whose class lacks staff_only=True (or a member command flagged by
    # mistake) fails here.
    flagged = {name for name in HANDLERS if COMMAND_TYPES[name].staff_only}
    assert flagged == set(STAFF_HANDLERS)


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_a_member_is_refused_exactly_the_staff_only_commands(
    client: TestClient, bot: dict[str, str], tree: Tree, name: str
) -> None:
    in_group = command(client, bot, f"g-{name}", name, talker=MEMBER, **ARGS)
    private = command(client, bot, f"p-{name}", name, talker=MEMBER, room=None, **ARGS)
    refusal = for_members.staff_only(name)
    if COMMAND_TYPES[name].staff_only:
        assert (in_group["ok"], in_group["reply"]) == (False, refusal)
        assert (private["ok"], private["reply"]) == (False, refusal)
    else:
        assert in_group["reply"] != refusal and in_group["reply"]
        # She was just seen in the group: privately she gets the same answer as there.
        assert private["reply"] == in_group["reply"]
