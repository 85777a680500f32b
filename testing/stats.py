"""Figures from timings."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    >>> percentile([5.0], 95)
    5.0
    """
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency(seconds: Sequence[float]) -> dict[str, float]:
    """Count, p50, p95 and max in milliseconds.

    >>> latency([0.1, 0.2, 0.3])
    {'n': 3, 'p50_ms': 200.0, 'p95_ms': 290.0, 'max_ms': 300.0}
    """
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
    }


def run_record(load_before: Sequence[float], started: float) -> dict[str, Any]:
    """Where and when a benchmark ran: cores, load average before and after, its wall time
    (from ``started``, a ``time.perf_counter()``) and the finishing time in UTC."""
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": list(load_before),
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "seconds": round(time.perf_counter() - started, 1),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
