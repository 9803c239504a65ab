"""Imports of the lists offices already keep in spreadsheets: resources, organisations, staff.

A file (.xlsx, or .csv in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030) is read whole, its header
row found (a title row above it is fine) and matched to fields by the column names offices use
(资源名称, 联系电话, 女职工人数, 是否建立妇联, 微信号, 片区 …). Every row is then judged against
the ledger and the rows before it: create, update (same natural key), unchanged, a duplicate
of an earlier row (skipped) or refused with a reason in Chinese. The dry run stops there. The
real import writes only a file without refused rows, in the caller's one transaction: a bad row
never half-imports a file.

Natural keys: a resource by (office, name), an organisation by (office, name), a staff member by
WeChat id. Blank cells leave an existing record's field as it is. Columns the ledger has no
field for (a member's ID number, a staff member's phone) are ignored and named in the report:
the minimum data is kept.

Encoding: a BOM decides; otherwise strict UTF-8, then GB18030 (a superset of GBK and GB2312).
Strict UTF-8 almost never accepts Chinese GBK bytes, so trying in this order is exact where a
statistical detector can misjudge a short file.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from api.domain.common import require_ref
from api.domain.errors import Conflict, InvalidInput
from api.domain.organisations import settle_branch_since
from models import Office, Organisation, Resource, Staff
from models.clock import utcnow
from models.enums import Category, OrganisationKind, StaffRole
from models.imports import ImportKind, ImportReport, RowAction, RowResult
from models.org import OrganisationCreate, StaffCreate
from models.resource import ResourceCreate
from models.wording import staff as wording

logger = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 10  # a title row or two above the header is common
Progress = Callable[[int, int], None]

# ---- reading ------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    header_row: int  # 1-based, as the spreadsheet numbers it
    rows: list[tuple[int, list[str]]]  # (row number, cells)
    encoding: str | None


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV file; see the module docstring for the order."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InvalidInput(wording.IMPORT_BAD_ENCODING)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    """The first sheet's rows, read lazily. Any failure of the reader on a damaged or odd file
    (openpyxl raises many kinds, some while iterating) is the file's fault: a 422, logged by
    type only."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        logger.info("unreadable xlsx: %s", type(exc).__name__)
        raise InvalidInput(wording.IMPORT_BAD_XLSX) from None
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    except InvalidInput:
        raise
    except Exception as exc:
        logger.info("unreadable xlsx sheet: %s", type(exc).__name__)
        raise InvalidInput(wording.IMPORT_BAD_XLSX) from None
    finally:
        book.close()


def _csv_rows(text: str) -> Iterator[list[str]]:
    first = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [c.strip() for c in cells]


def read_table(data: bytes, filename: str, specs: Sequence[Spec], max_rows: int) -> Table:
    """The file's header row (the first of its top rows naming two known columns) and rows."""
    if not data.strip():
        raise InvalidInput(wording.IMPORT_EMPTY)
    name = filename.lower()
    encoding: str | None = None
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise InvalidInput(wording.IMPORT_OLD_XLS)
    if data.startswith(b"PK\x03\x04"):
        rows: Iterator[list[str]] = _xlsx_rows(data)
    else:
        text, encoding = decode_text(data)
        rows = _csv_rows(text)
    header: list[str] | None = None
    header_row = 0
    body: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(rows, start=1):
            if header is None:
                if number > HEADER_SCAN_ROWS:
                    break
                if sum(1 for c in cells if _field_for(c, specs)) >= 2:
                    header, header_row = cells, number
                continue
            if not any(cells):
                continue  # blank lines, often at the end of a sheet
            if len(body) >= max_rows:
                raise InvalidInput(wording.import_too_many_rows(max_rows))
            body.append((number, cells))
    except csv.Error:
        raise InvalidInput(wording.IMPORT_BAD_CSV) from None
    if header is None:
        raise InvalidInput(
            wording.import_no_header(_expected(specs)), details={"expected": _expected(specs)}
        )
    return Table(headers=header, header_row=header_row, rows=body, encoding=encoding)


# ---- columns ------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[(\[（【].*?[)\]）】]")
_NOISE = re.compile(r"[\s*＊:：]")


def normalise_header(text: str) -> str:
    """「联系电话（必填）*」→「联系电话」: width folded, brackets, marks and spaces removed."""
    text = unicodedata.normalize("NFKC", text)
    return _NOISE.sub("", _BRACKETS.sub("", text)).lower()


@dataclass(frozen=True)
class Spec:
    field: str
    label: str  # how the report names it
    aliases: tuple[str, ...]
    required: bool = False


def _field_for(header: str, specs: Sequence[Spec]) -> Spec | None:
    key = normalise_header(header)
    if not key:
        return None
    for spec in specs:
        if key == spec.field or key in spec.aliases:
            return spec
    return None


def _expected(specs: Sequence[Spec]) -> list[str]:
    return [spec.aliases[0] for spec in specs]


OFFICE_ALIASES = ("所属妇联", "妇联", "所属社区", "社区", "所属街道", "街道", "所属单位", "office")

SPECS: dict[ImportKind, tuple[Spec, ...]] = {
    ImportKind.resources: (
        Spec(
            "name",
            "资源名称",
            ("资源名称", "名称", "资源", "项目名称", "服务名称", "服务项目"),
            True,
        ),
        Spec(
            "provider",
            "提供方",
            ("提供方", "提供单位", "资源提供方", "提供者", "单位", "单位名称"),
            True,
        ),
        Spec("categories", "类别", ("类别", "分类", "服务类别", "资源类别", "类型")),
        Spec(
            "description", "说明", ("说明", "资源说明", "描述", "内容", "服务内容", "简介", "备注")
        ),
        Spec("office", "所属妇联", ("服务区域", "区域", *OFFICE_ALIASES)),
        Spec("capacity", "数量", ("数量", "容量", "名额", "可服务人数", "服务人数")),
        Spec("contact_person", "联系人", ("联系人", "负责人", "对接人")),
        Spec(
            "contact_phone",
            "联系电话",
            ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式"),
        ),
        Spec("availability", "服务时间", ("服务时间", "时间", "可预约时间", "开放时间")),
        Spec("active", "是否启用", ("是否启用", "启用", "状态")),
    ),
    ImportKind.organisations: (
        Spec(
            "name",
            "组织名称",
            ("组织名称", "单位名称", "名称", "企业名称", "机构名称", "组织"),
            True,
        ),
        Spec("kind", "组织类型", ("组织类型", "类型", "类别", "三新类型", "组织类别"), True),
        Spec("industry", "行业", ("行业", "所属行业", "行业类别")),
        Spec(
            "women_count",
            "女职工人数",
            ("女职工人数", "女性从业人数", "女性人数", "女员工人数", "妇女人数", "女职工数"),
        ),
        Spec(
            "has_branch",
            "是否建立妇联",
            (
                "是否建立妇联",
                "已建妇联",
                "是否建会",
                "是否已建妇联",
                "是否建立妇联组织",
                "建会情况",
            ),
        ),
        Spec("branch_since", "建会日期", ("建会日期", "建会时间", "妇联成立时间", "成立妇联时间")),
        Spec("office", "所属妇联", OFFICE_ALIASES),
        Spec("zone", "片区", ("片区", "网格", "所属片区")),
        Spec("liaison", "联系人", ("分片联系人", "联系人", "联络员", "联系干部", "负责人")),
    ),
    ImportKind.staff: (
        Spec("name", "姓名", ("姓名", "名字", "名称"), True),
        Spec("wechat_id", "微信号", ("微信号", "微信", "微信id", "wechat"), True),
        Spec("role", "角色", ("角色", "权限", "职务", "岗位")),
        Spec("office", "所属妇联", OFFICE_ALIASES),
        Spec("zones", "片区", ("片区", "负责片区", "网格", "联系片区")),
        Spec("active", "是否在职", ("是否在职", "在职", "状态", "是否启用")),
    ),
}


# ---- cell values --------------------------------------------------------------------------


class Refused(Exception):
    """A cell's value cannot be used; ``reason`` is for the report (Chinese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


TRUE_WORDS = {
    "是",
    "有",
    "已建",
    "已建立",
    "已成立",
    "建立",
    "√",
    "✓",
    "y",
    "yes",
    "true",
    "1",
    "在职",
    "启用",
    "正常",
}
FALSE_WORDS = {
    "否",
    "无",
    "没有",
    "未建",
    "未建立",
    "未成立",
    "×",
    "✗",
    "n",
    "no",
    "false",
    "0",
    "离职",
    "停用",
    "调离",
}
_LIST_SPLIT = re.compile(r"[、,，;；/\s]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COUNT = re.compile(r"(\d+)(?:\.0+)?\s*(?:人|名|个|位)?")


def parse_bool(text: str, label: str) -> bool:
    word = unicodedata.normalize("NFKC", text).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise Refused(wording.import_bad_yes_no(label, text))


def parse_count(text: str, label: str) -> int:
    match = _COUNT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        raise Refused(wording.import_bad_number(label, text))
    return int(match.group(1))


def parse_date(text: str, label: str) -> date:
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    try:
        if match is None:
            raise ValueError
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise Refused(wording.import_bad_date(label, text)) from None


def parse_categories(text: str, label: str) -> list[Category]:
    found: list[Category] = []
    for word in filter(None, _LIST_SPLIT.split(text)):
        category = Category.from_label(word)
        if category is None:
            raise Refused(wording.import_bad_choice(label, word, [c.label for c in Category]))
        if category not in found:
            found.append(category)
    return found


ORG_KIND_WORDS: tuple[tuple[OrganisationKind, tuple[str, ...]], ...] = (
    (OrganisationKind.new_economic, ("新经济", "经济", "企业", "公司", "非公")),
    (OrganisationKind.new_social, ("新社会", "社会组织", "社会", "协会", "商会", "社团", "民非")),
    (OrganisationKind.new_employment, ("新就业", "就业", "群体", "快递", "外卖", "网约车", "主播")),
)


def parse_org_kind(text: str, label: str) -> OrganisationKind:
    word = text.strip()
    if word in OrganisationKind.__members__:
        return OrganisationKind(word)
    for kind, words in ORG_KIND_WORDS:
        if word == kind.label or any(w in word for w in words):
            return kind
    raise Refused(wording.import_bad_choice(label, word, [k.label for k in OrganisationKind]))


def parse_role(text: str) -> StaffRole | None:
    """管理员 → admin, 工作人员 → staff; a title (主席, 执委 …) says nothing about the role and
    leaves it as it is (a new person: staff), so a list with 职务 never demotes an admin."""
    word = text.strip()
    if word in StaffRole.__members__:
        return StaffRole(word)
    if "管理" in word:
        return StaffRole.admin
    if word in (StaffRole.staff.label, "员工", "工作人员"):
        return StaffRole.staff
    return None


# ---- the ledger's side --------------------------------------------------------------------


class Offices:
    """Offices by what a sheet calls them: full name, name without 妇联, or code."""

    def __init__(self, session: Session) -> None:
        self.by_word: dict[str, set[int]] = defaultdict(set)
        for office in session.exec(select(Office)).all():
            office_id = int(office.id or 0)
            name = office.name.strip()
            self.by_word[name].add(office_id)
            self.by_word[name.removesuffix("妇联")].add(office_id)
            self.by_word[office.code.lower()].add(office_id)

    def find(self, text: str) -> int:
        word = unicodedata.normalize("NFKC", text).strip()
        ids = self.by_word.get(word) or self.by_word.get(word.lower()) or set()
        if not ids:
            raise Refused(wording.import_unknown_office(text))
        if len(ids) > 1:
            raise Refused(wording.import_ambiguous_office(text))
        return next(iter(ids))


class StaffDirectory:
    def __init__(self, session: Session) -> None:
        self.people = list(session.exec(select(Staff)).all())

    def find(self, text: str) -> int:
        word = text.strip()
        ids = {p.id for p in self.people if word in (p.wechat_id, p.name)}
        if not ids:
            raise Refused(wording.import_unknown_staff(text))
        if len(ids) > 1:
            raise Refused(wording.import_ambiguous_staff(text))
        return int(next(iter(ids)) or 0)


_PROBLEMS = {
    "string_too_long": lambda ctx: wording.import_too_long(ctx.get("max_length")),
    "string_too_short": lambda ctx: wording.IMPORT_BLANK,
    "missing": lambda ctx: wording.IMPORT_BLANK,
    "greater_than_equal": lambda ctx: wording.import_too_small(ctx.get("ge")),
    "less_than_equal": lambda ctx: wording.import_too_large(ctx.get("le")),
}


def _validation_reasons(exc: ValidationError, labels: dict[str, str]) -> list[str]:
    reasons = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        problem = _PROBLEMS.get(error["type"])
        text = problem(error.get("ctx") or {}) if problem else wording.IMPORT_BAD_VALUE
        reasons.append(f"{labels.get(name, name)}：{text}")
    return reasons


# ---- judging rows -------------------------------------------------------------------------


@dataclass
class _Plan:
    """What a row would do: `values` validated, `target` the existing record (updates)."""

    result: RowResult
    values: dict[str, Any] = field(default_factory=dict)
    target: SQLModel | None = None


@dataclass
class _Kind:
    model: type[SQLModel]
    create: type[SQLModel]
    key_fields: tuple[str, ...]
    touch: bool  # has updated_at


KINDS = {
    ImportKind.resources: _Kind(Resource, ResourceCreate, ("office_id", "name"), True),
    ImportKind.organisations: _Kind(Organisation, OrganisationCreate, ("office_id", "name"), True),
    ImportKind.staff: _Kind(Staff, StaffCreate, ("wechat_id",), False),
}


def _row_values(
    kind: ImportKind,
    cells: dict[str, str],
    *,
    offices: Offices,
    staff: StaffDirectory,
    default_office: int | None,
    labels: dict[str, str],
) -> tuple[dict[str, Any], list[str]]:
    """The row's given fields, parsed; and the reasons it cannot be used."""
    values: dict[str, Any] = {}
    reasons: list[str] = []
    for name, text in cells.items():
        if not text:
            continue
        label = labels[name]
        try:
            if name == "office":
                values["office_id"] = offices.find(text)
            elif name == "liaison":
                values["liaison_staff_id"] = staff.find(text)
            elif name == "categories":
                values["categories"] = parse_categories(text, label)
            elif name == "kind":
                values["kind"] = parse_org_kind(text, label)
            elif name in ("has_branch", "active"):
                values[name] = parse_bool(text, label)
            elif name in ("women_count", "capacity"):
                values[name] = parse_count(text, label)
            elif name == "branch_since":
                values[name] = parse_date(text, label)
            elif name == "role":
                role = parse_role(text)
                if role is not None:
                    values["role"] = role
            elif name == "zones":
                values["zones"] = [z for z in _LIST_SPLIT.split(text) if z]
            else:
                values[name] = text
        except Refused as refused:
            reasons.append(refused.reason)
    office_given = bool(cells.get("office"))
    if "office_id" not in values and not office_given and default_office is not None:
        values["office_id"] = default_office
    for spec in SPECS[kind]:
        if spec.required and not cells.get(spec.field):
            reasons.append(f"{spec.label}：{wording.IMPORT_BLANK}")
    if kind != ImportKind.resources and "office_id" not in values and not office_given:
        reasons.append(f"{labels['office']}：{wording.IMPORT_NO_OFFICE}")
    return values, reasons


def _existing(session: Session, kind: ImportKind) -> dict[tuple[Any, ...], SQLModel]:
    spec = KINDS[kind]
    rows = session.exec(select(spec.model)).all()
    return {tuple(getattr(r, k) for k in spec.key_fields): r for r in rows}


def _changes(target: SQLModel, values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(target, name) != value]


def plan_import(
    *,
    session: Session,
    kind: ImportKind,
    data: bytes,
    filename: str,
    default_office_id: int | None = None,
    max_rows: int = 10_000,
    progress: Progress | None = None,
) -> tuple[ImportReport, list[_Plan]]:
    """Reads the file and judges every row; writes nothing."""
    specs = SPECS[kind]
    table = read_table(data, filename, specs, max_rows)
    columns: dict[int, Spec] = {}
    ignored: list[str] = []
    for index, header in enumerate(table.headers):
        spec = _field_for(header, specs)
        if spec is None or spec in columns.values():
            if header:
                ignored.append(header)
            continue
        columns[index] = spec
    missing = [s.label for s in specs if s.required and s not in columns.values()]
    if missing:
        raise InvalidInput(
            wording.import_missing_columns(missing, _expected(specs)),
            details={"missing": missing, "found": [h for h in table.headers if h]},
        )
    require_ref(session, Office, default_office_id, "office_id")
    labels = {s.field: s.label for s in specs}
    offices, staff = Offices(session), StaffDirectory(session)
    existing = _existing(session, kind)
    kind_spec = KINDS[kind]
    seen: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    plans: list[_Plan] = []
    for done, (number, cells) in enumerate(table.rows, start=1):
        given = {
            spec.field: cells[index] if index < len(cells) else ""
            for index, spec in columns.items()
        }
        key_text = given.get("wechat_id") or given.get("name") or ""
        result = RowResult(row=number, action=RowAction.refuse, key=key_text)
        plan = _Plan(result)
        plans.append(plan)
        values, reasons = _row_values(
            kind,
            given,
            offices=offices,
            staff=staff,
            default_office=default_office_id,
            labels=labels,
        )
        if progress is not None:
            progress(done, len(table.rows))
        if reasons:
            result.reasons = reasons
            continue
        values.setdefault("office_id", None)
        key = tuple(values.get(k) for k in kind_spec.key_fields)
        if key in seen:
            first_row, first_values = seen[key]
            if first_values == values:
                result.action = RowAction.duplicate
                result.reasons = [wording.import_same_as_row(first_row)]
            else:
                result.reasons = [wording.import_conflicts_with_row(first_row)]
            continue
        seen[key] = (number, values)
        target = existing.get(key)
        try:
            if target is None:
                kind_spec.create.model_validate(values)
            else:
                current = {
                    name: getattr(target, name)
                    for name in kind_spec.create.model_fields
                    if hasattr(target, name)
                }
                merged = {**current, **values}
                kind_spec.create.model_validate(merged)
        except ValidationError as exc:
            result.reasons = _validation_reasons(exc, {**labels, "office_id": labels["office"]})
            continue
        plan.values, plan.target = values, target
        if target is None:
            result.action = RowAction.create
        else:
            result.record_id = getattr(target, "id", None)
            result.changes = _changes(target, values)
            result.action = RowAction.update if result.changes else RowAction.unchanged
    counts = {action.value: 0 for action in RowAction}
    for plan in plans:
        counts[plan.result.action.value] += 1
    report = ImportReport(
        kind=kind,
        applied=False,
        encoding=table.encoding,
        columns={table.headers[i]: s.field for i, s in columns.items()},
        ignored_columns=ignored,
        counts=counts,
        rows=[p.result for p in plans],
    )
    return report, plans


def _write(session: Session, kind: ImportKind, plans: list[_Plan]) -> None:
    spec = KINDS[kind]
    now = utcnow()
    touched: list[tuple[_Plan, SQLModel]] = []
    for plan in plans:
        action = plan.result.action
        if action == RowAction.create:
            record = spec.model.model_validate(spec.create.model_validate(plan.values))
        elif action == RowAction.update and plan.target is not None:
            record = plan.target
            for name, value in plan.values.items():
                setattr(record, name, value)
            if spec.touch:
                record.updated_at = now
        else:
            continue
        if isinstance(record, Organisation):
            settle_branch_since(record)
        session.add(record)
        touched.append((plan, record))
    try:
        session.flush()
    except IntegrityError:
        logger.info("integrity error importing %s", kind.value, exc_info=True)
        raise Conflict(wording.IMPORT_CONFLICT) from None
    for plan, record in touched:
        plan.result.record_id = getattr(record, "id", None)


def import_file(
    *,
    session: Session,
    kind: ImportKind,
    data: bytes,
    filename: str,
    apply: bool = False,
    default_office_id: int | None = None,
    max_rows: int = 10_000,
    progress: Progress | None = None,
) -> ImportReport:
    """The dry run (apply=False) or the real import; flushes only, the caller commits.

    With apply=True a file with a refused row writes nothing: InvalidInput carries the report
    (``details``) so the office sees every row to fix."""
    report, plans = plan_import(
        session=session,
        kind=kind,
        data=data,
        filename=filename,
        default_office_id=default_office_id,
        max_rows=max_rows,
        progress=progress,
    )
    if not apply:
        return report
    refused = report.counts[RowAction.refuse.value]
    if refused:
        raise InvalidInput(
            wording.import_refused_rows(refused), details=report.model_dump(mode="json")
        )
    _write(session, kind, plans)
    report.applied = True
    report.rows = [p.result for p in plans]
    logger.info("import of %s applied: %s", kind.value, report.counts)
    return report
