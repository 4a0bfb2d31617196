"""Print the mutation kill rate per module from the last `mutmut run` (mutants/*.meta).

A mutant is killed when the tests failed with it in place (or timed out); it survives when
they passed, or when no test runs the mutated function at all.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

SURVIVED, NO_TESTS, SKIPPED = 0, 33, 34


def outcome(exit_code: int | None) -> str:
    if exit_code is None:
        return "not run"
    if exit_code == SURVIVED:
        return "survived"
    if exit_code == NO_TESTS:
        return "no tests"
    if exit_code == SKIPPED:
        return "skipped"
    return "killed"


def main(root: Path = Path("mutants")) -> int:
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print("No mutation results: run `make mutation` first.")
        return 1
    heading = ("module", "mutants", "killed", "survived", "no tests", "kill rate")
    print("{:<40} {:>8} {:>7} {:>9} {:>9} {:>10}".format(*heading))
    for meta in metas:
        try:
            codes = json.loads(meta.read_text())["exit_code_by_key"]
        except (json.JSONDecodeError, KeyError):  # mutmut is writing it right now
            print(f"{meta}: being written, run again")
            continue
        counts = Counter(outcome(code) for code in codes.values())
        judged = counts["killed"] + counts["survived"] + counts["no tests"]
        rate = f"{100 * counts['killed'] / judged:.1f}%" if judged else "-"
        module = str(meta.relative_to(root)).removesuffix(".meta")
        print(
            f"{module:<40} {len(codes):>8} {counts['killed']:>7} {counts['survived']:>9} "
            f"{counts['no tests']:>9} {rate:>10}"
            + (f"  ({counts['not run']} not run)" if counts["not run"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
