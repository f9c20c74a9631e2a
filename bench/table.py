"""What the benchmarks share: percentiles, and printing rows as an aligned table."""

from __future__ import annotations

from collections.abc import Sequence


def print_table(rows: Sequence[dict[str, object]]) -> None:
    if not rows:
        print("(no rows)")
        return
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (NaN for no values)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
