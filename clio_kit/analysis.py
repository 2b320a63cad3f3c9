"""Statistics on the gated view: base rates (lift) with intervals and FDR control, cross-tabs, trends.

These functions take plain count tables; :class:`clio_kit.privacy.PrivacyView` feeds them privacy-gated data and
suppresses small cells. Lift of value *v* in cluster *c* = (share of *v* inside *c*) / (share of *v* overall),
as in the Clio paper's base rates.

>>> import pandas as pd
>>> table = lift_table(pd.DataFrame({"cluster": [1, 1, 2, 2], "value": ["ja", "en", "en", "en"],
...                                  "n": [30, 10, 50, 10], "users": [30, 10, 50, 10]}))
>>> round(float(table.query("cluster == 1 and value == 'ja'")["lift"].iloc[0]), 2)
2.5
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["wilson_interval", "lift_table", "benjamini_hochberg", "binomial_two_sided"]


def wilson_interval(successes: np.ndarray, trials: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (vectorised)."""
    successes = np.asarray(successes, dtype=float)
    trials = np.maximum(np.asarray(trials, dtype=float), 1.0)
    p = successes / trials
    denom = 1 + z**2 / trials
    centre = (p + z**2 / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z**2 / (4 * trials**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaNs stay NaN."""
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        from scipy.stats import false_discovery_control

        out[ok] = false_discovery_control(p[ok], method="bh")
    return out


def binomial_two_sided(successes: np.ndarray, trials: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact two-sided binomial p-values by doubling the smaller tail (vectorised); NaN where undefined.

    >>> float(binomial_two_sided(np.array([10]), np.array([10]), np.array([0.5]))[0]) < 0.01
    True
    """
    from scipy.stats import binom

    k, n, p = (np.asarray(a, dtype=float) for a in (successes, trials, p))
    valid = (n > 0) & (p > 0) & (p < 1)
    out = np.full(k.shape, np.nan)
    lower = binom.cdf(k[valid], n[valid], p[valid])
    upper = binom.sf(k[valid] - 1, n[valid], p[valid])
    out[valid] = np.minimum(1.0, 2 * np.minimum(lower, upper))
    return out


def lift_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Base rates from a long table with columns ``cluster``, ``value``, ``n`` (conversations), ``users``.

    Adds ``cluster_n``, ``share_in_cluster``, ``share_overall``, ``lift`` with a 95% interval (Wilson interval of
    the in-cluster share over the overall share), an exact two-sided binomial ``p_value`` (smaller tail doubled)
    and the Benjamini-Hochberg ``q_value``.
    """
    table = counts.copy()
    cluster_n = table.groupby("cluster")["n"].transform("sum")
    total = table["n"].sum()
    value_share = table.groupby("value")["n"].transform("sum") / max(total, 1)
    table["cluster_n"] = cluster_n
    table["share_in_cluster"] = table["n"] / cluster_n.clip(lower=1)
    table["share_overall"] = value_share
    table["lift"] = table["share_in_cluster"] / value_share.replace(0, np.nan)
    low, high = wilson_interval(table["n"].to_numpy(), cluster_n.to_numpy())
    table["lift_low"] = low / value_share.to_numpy()
    table["lift_high"] = high / value_share.to_numpy()
    table["p_value"] = binomial_two_sided(table["n"].to_numpy(), cluster_n.to_numpy(), value_share.to_numpy())
    table["q_value"] = benjamini_hochberg(table["p_value"].to_numpy())
    return table
