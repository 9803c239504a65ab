"""Faster ``search`` for rule regexes whose matches can only start with a few characters.

CPython's regex engine skips ahead by itself only when a pattern starts with a literal, a
character class or an alternation of bare literals. A rule such as ``拖欠|(不给|不肯)…|(被|遭)…``
starts with groups, so the engine runs the whole pattern at every position of the text. When
every match must start with one of a known set of characters, a character-class search (fast,
in C) finds the first place a match can start, and the real search begins there: the result
is the same match, found sooner, and no search at all when no such character occurs.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

# The regex parser is CPython's own (re._parser since 3.11), untyped: read as Any.
_c: Any = importlib.import_module("re._constants")
_p: Any = importlib.import_module("re._parser")

Search = Callable[[str], "re.Match[str] | None"]
_MAX_RANGE = 64  # a wider class ([一-龥]) is no useful filter


def first_chars(regex: re.Pattern[str]) -> tuple[frozenset[str], bool] | None:
    """The characters every match of ``regex`` starts with, and whether some matches may
    instead start anywhere but only at the start of the text (``^…``); None if unknown (a
    match may start with any character anywhere, or be empty)."""
    if regex.flags & (re.IGNORECASE | re.MULTILINE):
        return None
    chars, nullable, at_start = _first(_p.parse(regex.pattern, regex.flags & ~re.UNICODE))
    return None if chars is None or nullable else (frozenset(chars), at_start)


# (first characters or None = any, can match empty, some matches only at the text's start)
_First = tuple[set[str] | None, bool, bool]
_BEGINNING = (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING)


def _first(items: Any) -> _First:
    """What a sequence of regex items can start with."""
    out: set[str] = set()
    anchored = False
    for op, av in items:
        if op is _c.AT and av in _BEGINNING:
            return out, False, True  # the rest can only match at position 0
        chars, nullable, at_start = _first_item(op, av)
        if chars is None:
            return None, False, False
        out |= chars
        anchored = anchored or at_start
        if not nullable:
            return out, False, anchored
    return out, True, anchored


def _first_item(op: Any, av: Any) -> _First:
    if op is _c.LITERAL:
        return {chr(av)}, False, False
    if op is _c.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is _c.LITERAL:
                chars.add(chr(a))
            elif o is _c.RANGE and a[1] - a[0] < _MAX_RANGE:
                chars.update(map(chr, range(a[0], a[1] + 1)))
            else:  # NEGATE, CATEGORY (\w, \d …), wide ranges
                return None, False, False
        return chars, False, False
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return (None, False, False) if add_flags or del_flags else _first(sub)
    if op is _c.BRANCH:
        out: set[str] = set()
        any_empty = any_anchored = False
        for alternative in av[1]:
            chars_, nullable, at_start = _first(alternative)
            if chars_ is None:
                return None, False, False
            out |= chars_
            any_empty = any_empty or nullable
            any_anchored = any_anchored or at_start
        return out, any_empty, any_anchored
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, sub = av
        chars_, nullable, at_start = _first(sub)
        if chars_ is None or at_start:
            return None, False, False
        return chars_, nullable or low == 0, False
    if op is _c.AT or op is _c.ASSERT_NOT:  # zero-width: the match starts with what follows
        return set(), True, False
    return None, False, False  # ANY, NOT_LITERAL, CATEGORY, lookbehind, backreferences …


def _engine_skips(regex: re.Pattern[str]) -> bool:
    """True when the engine already jumps to the pattern's first characters by itself."""
    items: Any = _p.parse(regex.pattern, regex.flags & ~re.UNICODE)
    while items and items[0][0] is _c.SUBPATTERN:
        items = items[0][1][3]
    if not items:
        return False
    op, av = items[0]
    if op in (_c.LITERAL, _c.IN):
        return True
    return op is _c.BRANCH and all(alt and alt[0][0] is _c.LITERAL for alt in av[1])


def fast_search(regex: re.Pattern[str]) -> Search:
    """``regex.search``, or an equivalent that first looks for where a match can start."""
    first = first_chars(regex)
    if first is None or _engine_skips(regex):
        return regex.search
    chars, at_start = first
    search, match = regex.search, regex.match
    if not chars:  # every match starts at position 0
        return match
    start = re.compile("[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]").search

    def searcher(text: str) -> re.Match[str] | None:
        # A match at 0 is the leftmost one; otherwise none starts before the first of chars.
        found = match(text) if at_start else None
        if found is not None:
            return found
        at = start(text)
        return None if at is None else search(text, at.start())

    return searcher
