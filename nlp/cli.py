"""Command-line entry points of the recogniser; the composition root (api/cli/) registers them.

``wishpool classify`` reads JSON lines {"id", "text"} on stdin and writes one JSON line per input.
``wishpool rules suggest`` prints keyword/weight suggestions from staff corrections.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from nlp.learning import suggest
from nlp.recogniser import Recogniser

rules_app = typer.Typer(help="心愿识别规则：根据工作人员的更正给出建议 / rule maintenance")
# How `rules suggest` reads the ledger's corrections. The recogniser never opens the ledger
# itself: the composition root that registers this command supplies the reader.
CorrectionReader = Callable[[], list[Any]]
_read_ledger: list[CorrectionReader] = []


def use_ledger(reader: CorrectionReader) -> None:
    """Lets `rules suggest --from-db` read the ledger through ``reader``."""
    _read_ledger[:] = [reader]


def classify_command(
    bot_name: Annotated[
        list[str] | None,
        typer.Option(
            "--bot-name", help="机器人在群里的名字（可多次给出）；默认 心愿池、妇联小助手"
        ),
    ] = None,
) -> None:
    """逐行读取 JSON {"id","text","speaker"?,"room"?,"ts"?}，输出识别结果 / classify JSON lines.

    Lines of one room are that room's conversation, in order (no room = one default room);
    they go through the same ``Conversation`` the bot uses, so the answers are the bot's.
    """
    from nlp.context import DEFAULT_BOT_NAMES, SPEAKERS, Conversation

    rec = Recogniser.default()
    conv = Conversation(bot_names=tuple(bot_name or DEFAULT_BOT_NAMES))
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = str(item["text"])
            speaker = str(item.get("speaker") or "member")
            if speaker not in SPEAKERS:
                raise ValueError(f"speaker 应为 member 或 staff，实际是“{speaker}”")
            room = item.get("room")
            ts = item.get("ts")
            if ts is not None and (isinstance(ts, bool) or not isinstance(ts, int | float)):
                raise ValueError(f"ts 应为数字（秒），实际是“{ts}”")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            typer.echo(f'第 {n} 行不是 {{"id","text"}} JSON：{exc}', err=True)
            raise typer.Exit(2) from exc
        c = conv.classify(
            rec, text, room=None if room is None else str(room), speaker=speaker, ts=ts
        )
        out = {
            "id": item.get("id"),
            "is_wish": c.is_wish,
            "outcome": c.outcome,
            "kind": c.kind.value,
            "category": c.category.value,
            "confidence": c.confidence,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()


@rules_app.command("suggest")
def suggest_command(
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="更正记录 JSON lines 文件")
    ] = None,
    from_db: Annotated[
        bool, typer.Option("--from-db", help="读台账数据库里工作人员的更正（终端里运行时默认如此）")
    ] = False,
    min_support: Annotated[int, typer.Option(help="至少几条更正支持才给建议")] = 3,
) -> None:
    """根据更正记录建议新增关键词或调整权重 / suggest keyword and weight changes.

    Reads the ledger's corrections (staff's 改类 / 不是心愿), a JSON lines file, or stdin.
    """
    if file is None and (from_db or sys.stdin.isatty()):
        if not _read_ledger:
            typer.echo("这个命令没有连接台账，请用 --file 指定更正记录", err=True)
            raise typer.Exit(2)
        records = _read_ledger[0]()
    else:
        records = _read_records(file)
    suggestions = suggest(records, min_support=min_support)
    if not suggestions:
        typer.echo(f"没有足够的更正支持任何修改（共 {len(records)} 条，门槛 {min_support}）。")
        return
    typer.echo(f"{len(records)} 条更正，{len(suggestions)} 条建议：")
    for s in suggestions:
        typer.echo(f"- [{s.action}] {s.target}（支持 {s.support}，反对 {s.against}）：{s.reason}")


def _read_records(file: Path | None) -> list[Any]:
    stream = file.open(encoding="utf-8") if file else sys.stdin
    try:
        return [json.loads(line) for line in stream if line.strip()]
    except ValueError as exc:
        typer.echo(f"更正记录不是合法的 JSON lines：{exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        if file:
            stream.close()
