"""Quality benchmark of the wish recogniser on a labelled JSONL corpus (not a test).

Usage: python bench/nlp_quality.py [corpus.jsonl] [--worst N]
Lines need ``text``, ``is_wish`` (true/false/"ambiguous") and ``category``; ``source`` is
optional ("authored" lines are also scored separately).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.enums import Category  # noqa: E402
from nlp import Recogniser  # noqa: E402

CANDIDATES = (
    Path("/work/shared/corpus/dev_messages.jsonl"),
    REPO.parent / "shared" / "corpus" / "dev_messages.jsonl",
)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(rows: list[dict[str, Any]], preds: list[Any], title: str) -> dict[str, float]:
    pairs = [(r, p) for r, p in zip(rows, preds, strict=True) if r["is_wish"] in (True, False)]
    tp = sum(1 for r, p in pairs if r["is_wish"] and p.is_wish)
    fp = sum(1 for r, p in pairs if not r["is_wish"] and p.is_wish)
    fn = sum(1 for r, p in pairs if r["is_wish"] and not p.is_wish)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    wishes = [(r, p) for r, p in pairs if r["is_wish"]]
    correct = sum(1 for r, p in wishes if p.category.value == r["category"])
    acc = correct / len(wishes) if wishes else 0.0
    f1s = []
    for cat in Category:
        c_tp = sum(1 for r, p in wishes if r["category"] == cat and p.category == cat)
        c_fp = sum(1 for r, p in wishes if r["category"] != cat and p.category == cat)
        c_fn = sum(1 for r, p in wishes if r["category"] == cat and p.category != cat)
        if c_tp + c_fn:  # only categories present in the gold labels
            cp = c_tp / (c_tp + c_fp) if c_tp + c_fp else 0.0
            f1s.append(_f1(cp, c_tp / (c_tp + c_fn)))
    macro = sum(f1s) / len(f1s) if f1s else 0.0
    print(f"\n== {title}: {len(pairs)} scored lines ({len(wishes)} wishes) ==")
    print(f"is_wish   precision {prec:.3f}  recall {rec:.3f}  F1 {_f1(prec, rec):.3f}")
    print(f"category  accuracy {acc:.3f}  macro-F1 {macro:.3f}  (on true wishes)")
    grey = sum(1 for _, p in pairs if p.needs_confirmation)
    print(f"grey zone (bot asks the member): {grey}")
    return {"precision": prec, "recall": rec, "accuracy": acc, "macro_f1": macro}


def confusion(rows: list[dict[str, Any]], preds: list[Any]) -> None:
    cats = [c.value for c in Category]
    counts: Counter[tuple[str, str]] = Counter()
    for r, p in zip(rows, preds, strict=True):
        if r["is_wish"] is True:
            counts[(r["category"], p.category.value if p.is_wish else "-")] += 1
    cols = [*cats, "-"]
    print("\nconfusion (rows = gold category, cols = predicted; '-' = missed as non-wish)")
    print(" " * 13 + "".join(f"{c[:5]:>6}" for c in cols))
    for gold in cats:
        print(f"{gold:>13}" + "".join(f"{counts[(gold, c)] or '.':>6}" for c in cols))


def worst(rows: list[dict[str, Any]], preds: list[Any], n: int) -> None:
    misses = []
    for r, p in zip(rows, preds, strict=True):
        if r["is_wish"] == "ambiguous":
            continue
        if r["is_wish"] != p.is_wish:
            margin = abs(p.confidence - 0.5) + 1.0  # wrong wish decision first
        elif r["is_wish"] and p.category.value != r["category"]:
            margin = 0.5
        else:
            continue
        misses.append((margin, r, p))
    misses.sort(key=lambda m: -m[0])
    print(f"\n{min(n, len(misses))} worst of {len(misses)} misses:")
    for _, r, p in misses[:n]:
        gold = f"{r['is_wish']}/{r['category']}"
        got = f"{p.is_wish}/{p.category.value} {p.confidence:.2f}"
        print(f"  [{r.get('id', '')}] gold {gold:<18} got {got:<22} {r['text'][:60]!r}")
        print(f"      {' '.join(p.keywords[:8])} | {' '.join(p.rules)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", nargs="?", type=Path)
    ap.add_argument("--worst", type=int, default=20)
    args = ap.parse_args()
    path = args.corpus or next((p for p in CANDIDATES if p.exists()), None)
    if path is None:
        sys.exit("no corpus given and none found at " + ", ".join(map(str, CANDIDATES)))
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rec = Recogniser.default()
    preds = [rec.classify(r["text"]) for r in rows]
    print(f"corpus: {path} ({len(rows)} lines)")
    score(rows, preds, "all")
    authored = [(r, p) for r, p in zip(rows, preds, strict=True) if r.get("source") == "authored"]
    if authored:
        score([r for r, _ in authored], [p for _, p in authored], "authored")
    confusion(rows, preds)
    worst(rows, preds, args.worst)


if __name__ == "__main__":
    main()
