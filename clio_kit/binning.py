"""Bins for numeric facets, following each facet's scale: counts of turns keep small fixed bins; long-tailed
counts (characters, tokens) get bins at round numbers (1-2-5 steps) near their quintiles, so each bin holds a
fair share of conversations instead of 99% landing in ">10".

>>> import pandas as pd
>>> bin_labels(pd.Series([1, 1, 2, 3, 4, 7, 12, 2, 1])).tolist()
['1', '1', '2', '3-5', '3-5', '6-10', '>10', '2', '1']
>>> chars = pd.Series([40, 90, 110, 150, 300, 800, 1200, 2500, 6000, 9000])
>>> sorted(set(bin_labels(chars)), key=lambda s: float(s.lstrip(">≤").split("-")[0].replace(",", "")))
['≤100', '101-200', '201-1,000', '1,001-5,000', '>5,000']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["bin_edges", "bin_labels"]

_SMALL = [0, 1, 2, 5, 10]


def _round_125(value: float) -> float:
    """The 1-2-5 number (1, 2, 5, 10, 20, ...) nearest to ``value`` in log scale."""
    if value <= 1:
        return 1.0
    exponent = math.floor(math.log10(value))
    candidates = [m * 10 ** e for e in (exponent, exponent + 1) for m in (1, 2, 5)]
    return float(min(candidates, key=lambda c: abs(math.log10(c) - math.log10(value))))


def bin_edges(values: pd.Series) -> list[float]:
    """Upper edges of the bins (the last bin is open): turn-like counts get 1, 2, 5, 10; long tails get 1-2-5
    numbers near their quintiles."""
    finite = pd.to_numeric(values, errors="coerce").dropna()
    if finite.empty or float(finite.quantile(0.9)) <= 20:
        return [float(e) for e in _SMALL[1:]]
    edges = sorted({_round_125(float(q)) for q in finite.quantile([0.2, 0.4, 0.6, 0.8])})
    return edges


def _fmt(value: float) -> str:
    return f"{int(value):,}"


def bin_labels(values: pd.Series) -> pd.Series:
    """Each value's bin as a label ("1", "3-5", "101-200", ">5,000"); missing values stay missing."""
    edges = bin_edges(values)
    if edges == [float(e) for e in _SMALL[1:]]:
        labels = ["1", "2", "3-5", "6-10", ">10"]
        cut = pd.cut(values, [0, 1, 2, 5, 10, np.inf], labels=labels, include_lowest=True)
        return cut.astype(object).where(cut.notna(), None)
    bounds = [-np.inf, *edges, np.inf]
    labels = [f"≤{_fmt(edges[0])}"]
    labels += [f"{_fmt(lo + 1)}-{_fmt(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
    labels += [f">{_fmt(edges[-1])}"]
    cut = pd.cut(values, bounds, labels=labels)
    return cut.astype(object).where(cut.notna(), None)
