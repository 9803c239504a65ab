"""Migration 0010 (the private channel): members who already posted a wish in a group are known
there afterwards (membership seeded from the ledger), on both backends; and it downgrades."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from models.db import make_engine
from models.migrate import alembic_config, upgrade
from tests.api.test_migrations import empty_url

__all__ = ["empty_url"]

BEFORE = "0009_sensitive_wishes"


def test_memberships_are_seeded_from_existing_wishes(empty_url: str) -> None:
    upgrade(empty_url, BEFORE)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO office (id, name, code, level, path, wish_seq, created_at)"
                " VALUES (1, '东风街道妇联', 'DF', 'street', '/1/', 3, CURRENT_TIMESTAMP)"
            ))  # fmt: skip
            conn.execute(sa.text(
                "INSERT INTO wechat_group (id, room_id, topic, office_id, enabled, is_staff_group,"
                " ask_members, created_at) VALUES (1, 'df@chatroom', '', 1, true, false, false,"
                " CURRENT_TIMESTAMP)"
            ))  # fmt: skip
            for seq, who, group in [(1, "wx_a", 1), (2, "wx_a", 1), (3, "wx_b", None)]:
                conn.execute(
                    sa.text(
                        "INSERT INTO wish (office_id, seq, number, text, category, kind, status,"
                        " group_id, submitter_wechat_id, version, escalation_level, created_at,"
                        " updated_at) VALUES (1, :seq, :num, '想学插花', 'culture', 'need', 'new',"
                        " :g, :who, 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"seq": seq, "num": f"DF-2026-{seq:04d}", "g": group, "who": who},
                )
        upgrade(empty_url)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT wechat_id, group_id FROM membership")).all()
        assert [tuple(r) for r in rows] == [("wx_a", 1)]  # once per group; no group, no membership
        command.downgrade(alembic_config(empty_url), BEFORE)
        assert "membership" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
