from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from clio_kit.analysis import benjamini_hochberg, binomial_two_sided, lift_table, wilson_interval


def test_binomial_p_values_match_scipy_at_half_and_agree_on_decisions_elsewhere() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(1, 300, size=200)
    k = np.array([rng.integers(0, m + 1) for m in n])
    p = rng.uniform(0.02, 0.98, size=200)
    ours = binomial_two_sided(k, n, p)
    exact = np.array([binomtest(int(a), int(b), float(c)).pvalue for a, b, c in zip(k, n, p)])
    assert np.all((ours >= 0) & (ours <= 1))
    # doubling the smaller tail and scipy's likelihood method are both exact two-sided tests; they agree on
    # almost every decision at the 5% level
    assert np.mean((ours < 0.05) == (exact < 0.05)) >= 0.95
    half = binomial_two_sided(k, n, np.full(200, 0.5))
    assert np.allclose(half, [binomtest(int(a), int(b), 0.5).pvalue for a, b in zip(k, n)])
    assert np.isnan(binomial_two_sided(np.array([1]), np.array([0]), np.array([0.5]))).all()


def test_lift_interval_contains_the_estimate_and_flags_a_real_skew() -> None:
    counts = pd.DataFrame({"cluster": [1, 1, 2, 2, 3, 3], "value": ["ja", "en"] * 3,
                           "n": [40, 10, 5, 95, 5, 95], "users": [40, 10, 5, 95, 5, 95]})
    table = lift_table(counts)
    ja1 = table[(table.cluster == 1) & (table.value == "ja")].iloc[0]
    assert ja1.lift_low <= ja1.lift <= ja1.lift_high
    assert ja1.lift > 3 and ja1.q_value < 0.001
    low, high = wilson_interval(np.array([0, 10]), np.array([10, 10]))
    assert low[0] == 0 and high[1] == 1
    q = benjamini_hochberg(np.array([0.01, 0.04, np.nan]))
    assert np.isnan(q[2]) and q[0] <= q[1]
