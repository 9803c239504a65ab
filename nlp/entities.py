"""Entities the ledger needs: organisations, phone and ID numbers, head counts, money, dates.

All patterns run on the folded text (full-width digits → ASCII, one character for one), so
spans are valid on the original and ``mask`` can keep everything else as the member wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.text import fold

# One separator (space or dash) where people break a number up for reading. Patterns run on
# folded text, so full-width digits, spaces and dashes count too.
_S = r"[ -]?"
# Mobile: 11 digits, whole, as 3-4-4 / 3-8 / 7-4 groups, or every digit spaced out.
_PHONE = re.compile(
    r"(?<![\d+])(?:\+?86[ -]?)?(?:"
    rf"(1[3-9]\d){_S}(\d{{4}}){_S}(\d{{4}})(?!\d)"
    r"|(?<!\d[ -])1([ -])[3-9](?:\4\d){9}(?![ -]?\d)"
    r")"
)
# Resident ID: 6-digit region, birth date, 3-digit sequence, check digit; a separator may
# stand between any two of its characters (110101 19900307 1234, 1101-0119-9003-0712-34).
_ID = re.compile(
    rf"(?<![\dA-Za-z])[1-9](?:{_S}\d){{5}}"
    rf"{_S}(?:1{_S}[89]|2{_S}0){_S}\d{_S}\d"
    rf"{_S}(?:0{_S}[1-9]|1{_S}[0-2])"
    rf"{_S}(?:0{_S}[1-9]|[12]{_S}\d|3{_S}[01])"
    rf"(?:{_S}\d){{3}}{_S}[\dXx](?![\dA-Za-z])"
)
# Landline: area code 010, 02x or 0xxx (maybe in brackets), then a 7- or 8-digit number,
# whole or in two groups: 021-12345678, 0755-1234567, (010)12345678, 010 8765 4321.
_LANDLINE = re.compile(
    r"(?<![\dA-Za-z])(?<!\d-)\(?(0(?:10|2\d|[3-9]\d{2}))\)?[ -]?"
    r"([1-9]\d{2,3})[ -]?(\d{4})(?![\d-])"
)
_NUM = r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万几]+)"
# The one home of what a head count and a sum of money look like; nlp/commands.py reads the
# labelled forms of staff commands (受益30人, 价值1.5万元) with the same pieces.
_PEOPLE_UNIT = r"名|人次|人|位|组|户|个家庭|家庭|个孩子|户家庭"
_MONEY_UNIT = r"元|块钱|块|万元"
_MULTIPLIER = r"([十百千万亿]*)"
_PEOPLE = re.compile(rf"({_NUM})\s*([余多]?)\s*({_PEOPLE_UNIT})")
_MONEY = re.compile(rf"({_NUM})\s*{_MULTIPLIER}\s*([余多]?)\s*({_MONEY_UNIT})")
# How staff write what a service achieved, anywhere in 完成: the patterns of each in the order
# they are tried, each with the number in group "n" (money: its multiplier "m", its unit "u").
# 受益 may leave out the unit ("受益 30"); 服务/帮助 need one ("服务3次" is no head count), and a
# bare count needs a unit too ("3人", "三十户"). Money: "价值五千", "1.2万元", "600元"; a bare sum
# needs 元 (an unlabelled 块 is too often "一块儿").
_FILLER = r"(?:了|共|约|总共|共计|合计)?"
BENEFICIARIES = (
    re.compile(rf"受益\s*{_FILLER}\s*(?P<n>{_NUM})\s*(?:{_PEOPLE_UNIT})?"),
    re.compile(rf"(?:服务|帮助|惠及|覆盖)\s*{_FILLER}\s*(?P<n>{_NUM})\s*(?:{_PEOPLE_UNIT})"),
    re.compile(rf"(?<![\d.])(?P<n>{_NUM})\s*(?:{_PEOPLE_UNIT})(?:\s*受益)?"),
)
VALUE = (
    re.compile(
        rf"(?:价值|金额|折合|合计|共计|总计)\s*{_FILLER}\s*(?P<n>{_NUM})\s*(?P<m>[十百千万亿]*)"
        rf"\s*(?P<u>{_MONEY_UNIT})?"
    ),
    re.compile(rf"(?<![\d.])(?P<n>{_NUM})\s*(?P<m>[十百千万亿]*)\s*(?P<u>元|块钱|万元)"),
)
_DATE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?:本|这|下下?|上)?(?:周|星期|礼拜)[一二三四五六日天末]"
    r"|今天|明天|后天|大后天|今晚|明晚|本周|下周|本月|下个?月|月底|月初|年底|春节|国庆|元旦"
    r"|(?:上午|下午|晚上|早上|中午)?\s*\d{1,2}\s*[:：]\s*\d{2}"
    r"|(?:上午|下午|晚上|早上|中午)\s*[\d一二三四五六七八九十]{1,3}\s*点(?:半|\d{1,2}分)?"
)
# Name characters exclude pronouns, verbs and particles that usually precede the name.
_NAME = r"[^\W\d_的在是我你他她们了给和与跟到向请找想去把帮对从让被要有个这那]"
_ORG = re.compile(
    rf"({_NAME}[\w]{{1,12}}?(?:幼儿园|公司|医院|协会|商会|学校|小学|中学|诊所|集团|工作室"
    r"|合作社|基金会|培训学校|培训中心|服务中心|服务站|驿站|站点|律师事务所|事务所|妇联))"
)
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS.update({"八": 8, "九": 9})
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000, "亿": 100000000}


@dataclass(frozen=True)
class Amount:
    text: str  # as written, e.g. "60余人次"
    value: float | None  # parsed number (yuan for money), None when vague (几十)
    unit: str  # 名, 人次, 组, 元 …
    approximate: bool = False  # 余/多/几


@dataclass(frozen=True)
class Entities:
    organisations: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # normalised to 11 digits
    id_numbers: tuple[str, ...] = ()
    people: tuple[Amount, ...] = ()
    money: tuple[Amount, ...] = ()
    dates: tuple[str, ...] = ()


def cn_number(text: str) -> float | None:
    """ "340" → 340, "三十" → 30, "1.5" → 1.5, "两千五" → 2500; None for vague forms (几)."""
    try:
        return float(text)
    except ValueError:
        pass
    if "几" in text:
        return None
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= 10000:
                total += (section + digit) * unit
                section = digit = 0
            else:
                section += (digit or 1) * unit
                digit = 0
        else:
            return None
    # A digit right after 百 and above is that unit's next place: 两千五 = 2500, 三百五 = 350,
    # 一万二 = 12000; after 零 it is ones (两千零五 = 2005), after 十 too (三十五 = 35).
    if digit and len(text) > 1 and _CN_UNITS.get(text[-2], 0) >= 100:
        digit *= _CN_UNITS[text[-2]] // 10
    return float(total + section + digit)


def scaled(value_text: str, multiplier: str = "", unit: str = "") -> float | None:
    """A written amount as a number: "1.5" "万" → 15000; "3" with unit 万元 → 30000."""
    value = cn_number(value_text)
    if value is None:
        return None
    for ch in multiplier:
        value *= _CN_UNITS[ch]
    return value * 10000 if unit == "万元" else value


def _amount(m: re.Match[str], value_text: str, multiplier: str, approx: str, unit: str) -> Amount:
    value = scaled(value_text, multiplier, unit)
    return Amount(m.group(0).strip(), value, unit, bool(approx) or "几" in value_text)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx").upper()


def _phone_spans(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, 11 digits) of each mobile number."""
    return [(m.start(), m.end(), _digits(m.group(0))[-11:]) for m in _PHONE.finditer(folded)]


def _landline_spans(folded: str) -> list[tuple[int, int, str, str]]:
    """(start, end, area code, local number) of each landline."""
    return [
        (m.start(), m.end(), m.group(1), m.group(2) + m.group(3))
        for m in _LANDLINE.finditer(folded)
    ]


def extract(text: str) -> Entities:
    folded = fold(text)
    ids = tuple(_digits(m.group(0)) for m in _ID.finditer(folded))
    # Numbers inside ID numbers are not phones; numbers inside either are not counts or money.
    scrubbed = _ID.sub(lambda m: "#" * len(m.group(0)), folded)
    phones = tuple(digits for _, _, digits in _phone_spans(scrubbed))
    scrubbed = _PHONE.sub(lambda m: "#" * len(m.group(0)), scrubbed)
    scrubbed = _LANDLINE.sub(lambda m: "#" * len(m.group(0)), scrubbed)
    people = tuple(
        _amount(m, m.group(1), "", m.group(2), m.group(3)) for m in _PEOPLE.finditer(scrubbed)
    )
    money = tuple(
        _amount(m, m.group(1), m.group(2), m.group(3), m.group(4))
        for m in _MONEY.finditer(scrubbed)
    )
    dates = tuple(m.group(0).strip() for m in _DATE.finditer(scrubbed))
    orgs = tuple(dict.fromkeys(m.group(1) for m in _ORG.finditer(scrubbed)))
    return Entities(orgs, phones, ids, people, money, dates)


def mask(text: str) -> str:
    """Mask ID numbers (110101********123X), mobiles (138****5678) and landlines
    (021-****5678), however they are spaced; everything else stays as written."""
    folded = fold(text)
    spans: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e, _ in spans)

    for m in _ID.finditer(folded):
        digits = _digits(m.group(0))
        spans.append((m.start(), m.end(), digits[:6] + "*" * 8 + digits[-4:]))
    for start, end, digits in _phone_spans(folded):
        if free(start, end):
            spans.append((start, end, f"{digits[:3]}****{digits[-4:]}"))
    for start, end, area, local in _landline_spans(folded):
        if free(start, end):
            spans.append((start, end, f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"))
    if not spans:
        return text
    pieces: list[str] = []
    pos = 0
    for start, end, replacement in sorted(spans):
        pieces.append(text[pos:start])
        pieces.append(replacement)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
