"""`make bench`: run every benchmark, print one table each, write bench/results.json.

Every figure that matters is a ratio to a baseline measured in the same run (the machine is
shared and noisy): webhook throughput vs a bare FastAPI floor, screening cost vs Sudachi
tokenization alone. Latencies are reported as p50/p99 of the same run.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.table import print_table

RESULTS = Path(__file__).resolve().parent / "results.json"


def _suites() -> list[tuple[str, Callable[[], list[dict[str, object]]]]]:
    from bench import (
        bench_escalation,
        bench_memory,
        bench_recovery,
        bench_screening,
        bench_slack_rate,
        bench_webhook,
    )

    return [
        ("screening", bench_screening.run),
        ("webhook", bench_webhook.run),
        ("escalation", bench_escalation.run),
        ("recovery", bench_recovery.run),
        ("slack_rate", bench_slack_rate.run),
        ("memory", bench_memory.run),
    ]


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results: dict[str, object] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "suites": {},
    }
    suites = results["suites"]
    assert isinstance(suites, dict)
    if wanted and RESULTS.exists():
        # Running some suites only: keep the others' last results.
        previous = json.loads(RESULTS.read_text(encoding="utf-8")).get("suites", {})
        suites.update({k: v for k, v in previous.items() if k not in wanted})
    failed = False
    for name, run in _suites():
        if wanted and name not in wanted:
            continue
        print(f"\n== {name} ==", flush=True)
        try:
            rows = run()
        except Exception as exc:  # report and go on: one broken bench must not hide the others
            print(f"{name} failed: {type(exc).__name__}: {exc}", flush=True)
            suites[name] = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
            continue
        print_table(rows)
        suites[name] = rows
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
