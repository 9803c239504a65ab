"""Speed benchmark of the wish recogniser (not a test).

Prints messages/s of ``classify`` (in its room's context, as the bot runs it) next to bare
``lcut(text, HMM=False)`` on a ``jieba.Tokenizer`` with the recogniser's own dictionary (same
derived main dictionary and user words), on the same texts in the same run
(alternating rounds, best CPU time of each), as a ratio; then
the cold-start time of the first ``classify`` in a fresh process, and resident memory.
Usage: python bench/nlp_speed.py [corpus.jsonl] [--rounds N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CORPUS_DIRS = (REPO.parent / "shared" / "corpus", Path("/work/shared/corpus"))
CORPUS = next(
    (d / "group_days.jsonl" for d in CORPUS_DIRS if (d / "group_days.jsonl").exists()),
    CORPUS_DIRS[0] / "group_days.jsonl",
)
# A fallback mix when no corpus is at hand: group chatter, acknowledgements, wishes, notices.
FALLBACK = [
    "收到",
    "好的，我明天下午过去",
    "我们站几个女骑手想学直播带货，有没有培训班？",
    "老板拖欠了三个月工资，能找谁帮忙要回来",
    "【温馨提示】本周六上午九点在社区活动室开展亲子阅读活动，请家长准时参加。",
    "娃放学没人接，附近有没有托管班",
    "谢谢妇联的姐妹们！",
    "今天跑了四十多单，累死了哈哈",
    "我们公司愿意捐一批书包给山区的孩子",
    "婆婆和我老公天天吵架，谁能来帮忙劝劝",
]

COLD = (
    "import time; t = time.perf_counter(); from nlp import classify; "
    "classify('希望妇联能组织一次两癌筛查'); print(time.perf_counter() - t)"
)


def texts(path: Path | None) -> list[str]:
    if path and path.exists():
        return [json.loads(x)["text"] for x in path.read_text(encoding="utf-8").splitlines() if x]
    return FALLBACK * 50


def cold_start() -> float:
    out = subprocess.run(
        [sys.executable, "-c", COLD], cwd=REPO, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("corpus", nargs="?", type=Path, default=CORPUS)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one cold start, four rounds each")
    args = ap.parse_args()
    rounds = 4 if args.quick else args.rounds
    msgs = texts(args.corpus)
    chars = sum(map(len, msgs))

    first = cold_start()  # may build the jieba cache file
    cold = first if args.quick else min(cold_start() for _ in range(3))

    import psutil

    from nlp import Conversation, Recogniser
    from nlp.tokenizer import build_tokenizer

    rss_before = psutil.Process().memory_info().rss
    rec = Recogniser.default()
    rec.classify("预热")
    # The same tokenizer the recogniser builds (same dictionary and user words), a second copy.
    bare_tok = build_tokenizer(
        (Path(__file__).resolve().parents[1] / "nlp" / "rules" / "userdict.txt",),
        (),
        Path(rec.tokenizer.tmp_dir or "."),
        int(str(rec.tokenizer.cache_file).split("-f")[-1].split(".")[0] or 10),
    )
    bare_tok.lcut("预热", HMM=False)
    conv = Conversation()

    def once(fn: Callable[[str], object]) -> float:
        # CPU time of this process: other processes on a shared machine do not count.
        t = time.process_time()
        for m in msgs:
            fn(m)
        return time.process_time() - t

    # Rounds alternate between the two, so a burst of load elsewhere hits both alike.
    best = {"bare": float("inf"), "ours": float("inf")}
    for _ in range(rounds):
        best["bare"] = min(best["bare"], once(lambda m: bare_tok.lcut(m, HMM=False)))
        best["ours"] = min(best["ours"], once(lambda m: conv.classify(rec, m, room="bench")))
    bare, ours = len(msgs) / best["bare"], len(msgs) / best["ours"]
    rss = psutil.Process().memory_info().rss
    print(f"texts: {len(msgs)} messages, {chars / len(msgs):.1f} characters on average")
    print(f"bare lcut HMM=0 : {bare:10,.0f} msgs/s")
    print(f"classify        : {ours:10,.0f} msgs/s   ({ours * chars / len(msgs):,.0f} chars/s)")
    print(f"ratio classify / bare jieba (HMM off): {ours / bare:.2f}  (target >= 0.6)")
    print(f"cold start, first classify in a new process: {cold:.2f} s (first run {first:.2f} s;")
    print("   target < 1.5 s; includes import and dictionary load from the cache)")
    print(
        f"resident memory: {rss / 2**20:.0f} MiB (recogniser + a second tokenizer for comparison;"
    )
    print(f"   {rss_before / 2**20:.0f} MiB before building the recogniser)")


if __name__ == "__main__":
    main()
