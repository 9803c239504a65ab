"""Quality benchmark of the wish recogniser (not a test).

Two corpora, each with the figures that matter for it:

* ``group_days.jsonl`` — whole days of group traffic. Each ``day`` is one room, messages go
  through ``Conversation`` in order with their speaker, exactly as the bot sees them. Printed:
  public false acknowledgements per 1,000 non-wishes, wish recall counting ack + triage, triage
  items per 100 messages, precision of ack, category macro-F1 on true wishes that reached staff.
* ``dev_messages.jsonl`` — single messages (ambiguous excluded), each classified alone as a
  member's message with no history: precision and recall of ack, and of ack + triage, macro-F1.

Usage: python bench/nlp_quality.py [--group PATH] [--dev PATH] [--days a,b] [--worst N]
The corpora are looked up in ``<repo>/../shared/corpus/``, then ``/work/shared/corpus/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.enums import Category  # noqa: E402
from nlp import Conversation, Recogniser  # noqa: E402

CORPUS_DIRS = (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus"))
# The two days kept back while the rules were written; printed on their own.
HELD_BACK = ("riders-1", "chamber-1")


@dataclass(frozen=True)
class Pred:
    outcome: str  # "ack" | "triage" | "ignore"
    category: str
    confidence: float = 0.0
    why: str = ""


def find(name: str, given: Path | None) -> Path:
    if given is not None:
        return given
    for d in CORPUS_DIRS:
        if (d / name).exists():
            return d / name
    sys.exit(f"{name} not found in " + ", ".join(map(str, CORPUS_DIRS)))


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _pred(c: Any) -> Pred:
    why = " ".join((*c.keywords[:6], *c.rules))
    return Pred(c.outcome, c.category.value, c.confidence, why)


def run_group(rec: Recogniser, rows: Sequence[dict[str, Any]]) -> list[Pred]:
    conv = Conversation()
    return [_pred(conv.classify(rec, r["text"], room=r["day"], speaker=r["speaker"])) for r in rows]


def run_single(rec: Recogniser, rows: Sequence[dict[str, Any]]) -> list[Pred]:
    return [_pred(rec.classify(r["text"])) for r in rows]


def macro_f1(pairs: Iterable[tuple[str, str]]) -> float:
    """Mean F1 over the gold categories present; ``pairs`` are (gold, predicted)."""
    pairs = list(pairs)
    f1s = []
    for cat in Category:
        tp = sum(1 for g, p in pairs if g == cat.value and p == cat.value)
        fp = sum(1 for g, p in pairs if g != cat.value and p == cat.value)
        fn = sum(1 for g, p in pairs if g == cat.value and p != cat.value)
        if tp + fn:
            f1s.append(2 * tp / (2 * tp + fp + fn))
    return sum(f1s) / len(f1s) if f1s else 0.0


def group_figures(rows: Sequence[dict[str, Any]], preds: Sequence[Pred]) -> dict[str, float]:
    pairs = list(zip(rows, preds, strict=True))
    wishes = [(r, p) for r, p in pairs if r["is_wish"] is True]
    nons = [(r, p) for r, p in pairs if r["is_wish"] is False]
    acks = [(r, p) for r, p in pairs if p.outcome == "ack"]
    false_acks = sum(1 for _, p in nons if p.outcome == "ack")
    reached = [(r, p) for r, p in wishes if p.outcome != "ignore"]
    return {
        "lines": len(pairs),
        "wishes": len(wishes),
        "false_ack_per_1000": 1000 * false_acks / len(nons) if nons else 0.0,
        "false_acks": false_acks,
        "recall_ack_triage": len(reached) / len(wishes) if wishes else 0.0,
        "recall_ack": sum(1 for _, p in wishes if p.outcome == "ack") / len(wishes)
        if wishes
        else 0.0,
        "triage_per_100": 100 * sum(1 for _, p in pairs if p.outcome == "triage") / len(pairs),
        "precision_ack": sum(1 for r, _ in acks if r["is_wish"] is True) / len(acks)
        if acks
        else 0.0,
        "macro_f1": macro_f1((r["category"], p.category) for r, p in reached),
    }


def dev_figures(rows: Sequence[dict[str, Any]], preds: Sequence[Pred]) -> dict[str, float]:
    pairs = [(r, p) for r, p in zip(rows, preds, strict=True) if r["is_wish"] in (True, False)]

    def pr(hit: set[str]) -> tuple[float, float]:
        tp = sum(1 for r, p in pairs if r["is_wish"] and p.outcome in hit)
        fp = sum(1 for r, p in pairs if not r["is_wish"] and p.outcome in hit)
        pos = sum(1 for r, _ in pairs if r["is_wish"])
        return (tp / (tp + fp) if tp + fp else 0.0), (tp / pos if pos else 0.0)

    p_ack, r_ack = pr({"ack"})
    p_any, r_any = pr({"ack", "triage"})
    return {
        "lines": len(pairs),
        "precision_ack": p_ack,
        "recall_ack": r_ack,
        "precision_ack_triage": p_any,
        "recall_ack_triage": r_any,
        "macro_f1": macro_f1((r["category"], p.category) for r, p in pairs if r["is_wish"]),
    }


def print_group(title: str, f: dict[str, float]) -> None:
    print(f"\n== {title}: {f['lines']:.0f} messages, {f['wishes']:.0f} wishes ==")
    print(
        f"false acks per 1000 non-wishes {f['false_ack_per_1000']:6.1f}  ({f['false_acks']:.0f})"
        "   target <= 5"
    )
    print(f"recall ack+triage              {f['recall_ack_triage']:6.3f}   target >= 0.97")
    print(f"triage per 100 messages        {f['triage_per_100']:6.1f}   target <= 5")
    print(f"category macro-F1              {f['macro_f1']:6.3f}   target >= 0.90")
    print(f"precision of ack {f['precision_ack']:.3f}   recall of ack alone {f['recall_ack']:.3f}")


def print_dev(title: str, f: dict[str, float]) -> None:
    print(f"\n== {title}: {f['lines']:.0f} scored lines, each alone ==")
    print(f"ack         precision {f['precision_ack']:.3f}  recall {f['recall_ack']:.3f}")
    print("            targets: precision >= 0.97, recall >= 0.95")
    p, r = f["precision_ack_triage"], f["recall_ack_triage"]
    print(f"ack+triage  precision {p:.3f}  recall {r:.3f}")
    print(f"category macro-F1 {f['macro_f1']:.3f}")


def worst(rows: Sequence[dict[str, Any]], preds: Sequence[Pred], n: int) -> None:
    shown = 0
    for r, p in zip(rows, preds, strict=True):
        if shown >= n or r["is_wish"] == "ambiguous":
            continue
        if r["is_wish"] is True:
            bad = p.outcome == "ignore" or p.category != r["category"]
        else:
            bad = p.outcome == "ack"
        if bad:
            shown += 1
            gold = f"{r['is_wish']}/{r['category']}"
            print(f"  [{r['id']}] gold {gold:<18} got {p.outcome}/{p.category} {p.confidence:.2f}")
            print(f"      {r['text'][:70]!r}\n      {p.why}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--group", type=Path, help="group_days.jsonl")
    ap.add_argument("--dev", type=Path, help="dev_messages.jsonl")
    ap.add_argument("--days", help="only these days (comma-separated) of the group corpus")
    ap.add_argument("--worst", type=int, default=0, help="list up to N mistakes per corpus")
    ap.add_argument("--quick", action="store_true", help="accepted for symmetry; already quick")
    args = ap.parse_args()

    rec = Recogniser.default()
    group = read(find("group_days.jsonl", args.group))
    if args.days:
        keep = set(args.days.split(","))
        group = [r for r in group if r["day"] in keep]
    gpred = run_group(rec, group)
    print_group("group days, all", group_figures(group, gpred))
    for title, sel in (
        ("group days, development days", lambda r: r["day"] not in HELD_BACK),
        ("group days, held-back days " + "+".join(HELD_BACK), lambda r: r["day"] in HELD_BACK),
    ):
        idx = [i for i, r in enumerate(group) if sel(r)]
        if idx and len(idx) < len(group):
            print_group(title, group_figures([group[i] for i in idx], [gpred[i] for i in idx]))
    if args.worst:
        worst(group, gpred, args.worst)

    dev = read(find("dev_messages.jsonl", args.dev))
    dpred = run_single(rec, dev)
    print_dev("dev messages", dev_figures(dev, dpred))
    authored = [i for i, r in enumerate(dev) if r.get("source") == "authored"]
    if authored:
        print_dev(
            "dev messages, authored part",
            dev_figures([dev[i] for i in authored], [dpred[i] for i in authored]),
        )
    if args.worst:
        worst(dev, dpred, args.worst)


if __name__ == "__main__":
    main()
