"""Prometheus-style metrics in the text exposition format, owned by one app.

Small on purpose (counters with labels, one histogram family, gauges read at scrape time) so
the server needs no metrics library.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    body = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in pairs
    )
    return "{" + body + "}"


class Histogram:
    def __init__(self, buckets: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.n += 1


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
        self._histograms: dict[str, dict[tuple[tuple[str, str], ...], Histogram]] = {}
        self._gauges: dict[str, Callable[[], float]] = {}
        self._help: dict[str, str] = {}

    def describe(self, name: str, text: str) -> None:
        self._help[name] = text

    def inc(self, name: str, value: float = 1.0, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            family = self._counters.setdefault(name, {})
            family[key] = family.get(key, 0.0) + value

    def observe(self, name: str, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._histograms.setdefault(name, {}).setdefault(key, Histogram()).observe(value)

    def gauge(self, name: str, read: Callable[[], float]) -> None:
        self._gauges[name] = read

    def counter_value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for name, family in sorted(self._counters.items()):
                self._head(lines, name, "counter")
                for key, value in sorted(family.items()):
                    lines.append(f"{name}{_labels(key)} {value:g}")
            for name, hfamily in sorted(self._histograms.items()):
                self._head(lines, name, "histogram")
                for key, hist in sorted(hfamily.items(), key=lambda kv: kv[0]):
                    cumulative = 0
                    for bound, count in zip(hist.buckets, hist.counts, strict=False):
                        cumulative += count
                        lines.append(
                            f"{name}_bucket{_labels((*key, ('le', f'{bound:g}')))} {cumulative}"
                        )
                    lines.append(f"{name}_bucket{_labels((*key, ('le', '+Inf')))} {hist.n}")
                    lines.append(f"{name}_sum{_labels(key)} {hist.total:.6f}")
                    lines.append(f"{name}_count{_labels(key)} {hist.n}")
        for name, read in sorted(self._gauges.items()):
            self._head(lines, name, "gauge")
            lines.append(f"{name} {read():g}")
        return "\n".join(lines) + "\n"

    def _head(self, lines: list[str], name: str, kind: str) -> None:
        if name in self._help:
            lines.append(f"# HELP {name} {self._help[name]}")
        lines.append(f"# TYPE {name} {kind}")
