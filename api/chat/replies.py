"""Reply sentences the chat service added after bot/texts.py was frozen for the wording move.

They belong with the rest of the wording (models/wording/ after that move); until then they
live here so nothing new is added to bot/texts.py. Simple, polite Simplified Chinese; never a
member's personal data.
"""

from __future__ import annotations

from models.enums import Category

COMMAND_UNAVAILABLE = "这条指令现在不能用"
MISSING_WISH_NUMBER = "请写上心愿编号，例如「查询 42」"


def category_unchanged(seq: int, category: Category) -> str:
    return f"心愿 #{seq} 的类别本来就是「{Category(category).label}」，没有变化"
