"""Runs every benchmark in turn (`make bench`) and prints their figures.

Each script stands alone too; see its docstring for options. The follow-up benchmark seeds a
million wishes into PostgreSQL and takes a few minutes; pass --quick to run it on 100,000.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs for a quick look")
    args = parser.parse_args()
    followup = ["--wishes", "100000"] if args.quick else []
    runs = [
        ("nlp_quality.py", []),
        ("nlp_speed.py", ["--quick"] if args.quick else []),
        ("suggest_bench.py", []),
        ("api_bench.py", ["--n", "500"] if args.quick else ["--clients", "64"]),
        ("list_bench.py", ["--n", "50000"] if args.quick else []),
        ("gateway_roundtrip.py", []),
        ("bot_roundtrip.py", ["--messages", "50"] if args.quick else []),
        ("followup_bench.py", followup),
        ("export_bench.py", ["--wishes", "10000"] if args.quick else []),
        ("bot_groups_bench.py", []),
    ]
    failed = []
    for script, extra in runs:
        print(f"\n===== {script} {' '.join(extra)}", flush=True)
        if subprocess.run([sys.executable, str(BENCH / script), *extra]).returncode:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
