"""Length-preserving text folding shared by the recogniser, entity extraction and commands.

Folding keeps one output character per input character, so positions found on the folded text
are valid on the original (``mask`` relies on that).
"""

from __future__ import annotations

_FOLD: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}  # full-width ASCII
_FOLD.update(
    {
        0x3000: 0x20,  # ideographic space
        0x2005: 0x20,  # four-per-em space that WeChat puts after an @mention
        0x00A0: 0x20,
        0x2002: 0x20,
        0x2003: 0x20,
        0x2009: 0x20,
        0x3001: ord(","),  # 、 stays a separator
        0x3002: ord("."),  # 。
        0x2014: ord("-"),
        0x2212: ord("-"),
    }
)


def fold(text: str) -> str:
    """Full-width digits, letters, punctuation and odd spaces to their ASCII forms."""
    return text.translate(_FOLD)
