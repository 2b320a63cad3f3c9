"""Cell suppression for every table the gated view shows: primary, rare values pooled, complementary.

Statistical disclosure control (sdcTable, tau-argus) protects a table of counts in three steps, and so does this
module; every :class:`~clio_kit.privacy.view.PrivacyView` table and the monitoring comparison go through it:

1. *Rare values are never named.* :func:`pool_rare_values`: a facet value held by fewer than ``min_users`` users
   or ``min_conversations`` conversations overall is pooled with the other rare values into one
   "other values" group; if that group is itself below the thresholds, the smallest named values join it until it
   passes. Every table of that facet uses the same grouping.
2. *Primary suppression.* A cell is shown only if it holds at least ``min_users`` distinct users AND
   ``min_conversations`` conversations.
3. *Complementary (secondary) suppression.* :func:`suppress_table`: the row and column totals of a table are
   public (cluster sizes, value counts), so a hidden cell could be worked out by subtraction. Shown cells are
   hidden too, smallest first, until the line-by-line attack of :func:`solve_lines` (the attack a reader can do with
   a pencil: a row or column with one unknown cell and a known total gives that cell away; repeated until nothing
   changes) recovers no hidden nonzero cell, and every line's unknown remainder is zero or passes the thresholds.
   Conversations outside the table's rows (hidden clusters) form one extra row that is never shown but whose
   total is public too. Empty cells are treated as known (sdcTable's ``allowZeros = FALSE``), which is the
   cautious assumption whether or not a table prints them.

Limits: the guarantee is against subtraction along rows and columns of one table (and tables sharing its
margins). Exact counts of linked tables (a parent cluster's cell and its children's cells) or a
linear-programming attack on many lines at once can narrow a hidden cell to an interval; the gate is for trusted
analysts, not a substitute for differential privacy.

>>> import pandas as pd
>>> from clio_kit.config import PrivacyConfig
>>> records = pd.DataFrame({"row": ["a"] * 40 + ["b"] * 40 + ["c"] * 60,
...                         "column": ["x"] * 37 + ["y"] * 3 + ["x", "y"] * 50,
...                         "user": [f"u{i}" for i in range(140)]})
>>> table = suppress_table(records, ["a", "b", "c"], ["x", "y"], PrivacyConfig(min_users=5, min_conversations=15))
>>> table.shown.to_dict("index")   # a/y (3) is hidden; a/x, b/x, b/y too, or subtraction would give a/y away
{'a': {'x': False, 'y': False}, 'b': {'x': False, 'y': False}, 'c': {'x': True, 'y': True}}
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .gate import passes_thresholds

__all__ = ["SuppressedTable", "pool_rare_values", "solve_lines", "suppress_table"]


def pool_rare_values(values: pd.Series, users: pd.Series, privacy: Any) -> set[str]:
    """The values to pool into one "other values" group (see the module docstring); empty when none is rare.

    >>> from clio_kit.config import PrivacyConfig
    >>> values = pd.Series(["en"] * 50 + ["de"] * 20 + ["fr"] * 14 + ["ru"])
    >>> sorted(pool_rare_values(values, pd.Series(range(85)).astype(str), PrivacyConfig(min_conversations=15)))
    ['fr', 'ru']
    """
    frame = pd.DataFrame({"value": values.astype(str).to_numpy(), "user": users.to_numpy()})
    counts = frame.groupby("value").agg(n=("user", "size"), users=("user", "nunique"))
    rare = ~passes_thresholds(counts["users"], counts["n"], privacy)
    pooled = set(counts.index[rare])
    named = counts[~rare].sort_values(["n", "users"]).index.tolist()  # smallest first
    while pooled and named:
        group = frame[frame["value"].isin(pooled)]
        if bool(passes_thresholds(group["user"].nunique(), len(group), privacy)):
            break
        pooled.add(named.pop(0))
    return pooled


@dataclass
class SuppressedTable:
    """Counts of a rows x columns table and which cells may be shown (``shown``); all indexed by rows/columns."""

    n: pd.DataFrame
    users: pd.DataFrame
    shown: pd.DataFrame
    primary: pd.DataFrame

    def counts(self, what: str = "n") -> pd.DataFrame:
        """``n`` or ``users`` with every cell that may not be shown set to NaN."""
        return getattr(self, what).where(self.shown).astype(float)


def suppress_table(records: pd.DataFrame, rows: Sequence[Hashable], columns: Sequence[Hashable], privacy: Any, *,
                   primary: pd.DataFrame | None = None, row_totals: bool = True,
                   column_totals: bool = True) -> SuppressedTable:
    """Primary and complementary suppression of the table counting ``records`` (columns ``row``, ``column``,
    ``user``) over ``rows`` x ``columns``.

    Records whose row is not in ``rows`` count in one extra, never shown row (hidden clusters); records whose
    column is not in ``columns`` in one extra, never shown column (e.g. outside both time windows). ``primary``
    (bool, rows x columns) overrides which cells pass on their own (default: the thresholds). ``row_totals`` and
    ``column_totals`` say which margins are public: those lines are protected against subtraction.
    """
    rows, columns = list(rows), list(columns)
    n_rows, n_cols = len(rows), len(columns)
    r = pd.Index(rows).get_indexer(records["row"].to_numpy()) if len(records) else np.zeros(0, dtype=int)
    c = pd.Index(columns).get_indexer(records["column"].to_numpy()) if len(records) else np.zeros(0, dtype=int)
    r = np.where(r < 0, n_rows, r)
    c = np.where(c < 0, n_cols, c)
    cell = r * (n_cols + 1) + c
    user_codes = pd.factorize(records["user"].astype(str))[0] if len(records) else np.zeros(0, dtype=int)
    shape = (n_rows + 1, n_cols + 1)
    n = np.bincount(cell, minlength=shape[0] * shape[1]).reshape(shape)
    pairs = np.unique(np.stack([cell, user_codes]), axis=1) if len(records) else np.zeros((2, 0), dtype=int)
    users = np.bincount(pairs[0], minlength=shape[0] * shape[1]).reshape(shape)
    members = _cell_members(cell, user_codes)

    if primary is None:
        first = passes_thresholds(users, n, privacy)
    else:
        first = np.zeros(shape, dtype=bool)
        first[:n_rows, :n_cols] = primary.reindex(index=rows, columns=columns).fillna(False).to_numpy(dtype=bool)
    first[n_rows, :] = False  # the extra row and column are never shown
    first[:, n_cols] = False
    first &= n > 0
    shown = first.copy()
    # a public margin makes the extra line's total public too (the grand total minus the other lines)
    row_lines = list(range(n_rows + 1)) if row_totals else []
    col_lines = list(range(n_cols + 1)) if column_totals else []

    def group_passes(cells: list[tuple[int, int]]) -> bool:
        total = sum(int(n[i, j]) for i, j in cells)
        if total < privacy.min_conversations:
            return False
        if max(int(users[i, j]) for i, j in cells) >= privacy.min_users:
            return True
        return len(np.unique(np.concatenate([members.get(i * shape[1] + j, []) for i, j in cells]))) >= \
            privacy.min_users

    for _ in range(shape[0] * shape[1] + 1):  # each pass hides at least one more cell, or stops
        offending = _offending_lines(n, shown, row_lines, col_lines, group_passes)
        changed = False
        touched: set[tuple[str, int]] = set()  # a line with a newly hidden cell is re-checked in the next pass
        for axis, index in offending:
            if (axis, index) in touched:
                continue
            line = shown[index, :n_cols] if axis == "row" else shown[:n_rows, index]
            sizes = n[index, :n_cols] if axis == "row" else n[:n_rows, index]
            # a cell whose other line would give it straight back protects nothing
            useful = [k for k in np.flatnonzero(line)
                      if not _alone(n, shown, axis, index, int(k), row_lines, col_lines)]
            if not useful:
                continue  # nothing left to hide in this line
            pick = min(useful, key=lambda k: sizes[k])  # smallest first (ties: first in order)
            i, j = (index, int(pick)) if axis == "row" else (int(pick), index)
            shown[i, j] = False
            touched |= {("row", i), ("col", j)}
            changed = True
        if not changed:
            break

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values[:n_rows, :n_cols], index=pd.Index(rows), columns=pd.Index(columns))

    return SuppressedTable(n=frame(n), users=frame(users), shown=frame(shown), primary=frame(first))


def _alone(n: np.ndarray, shown: np.ndarray, axis: str, index: int, k: int, row_lines: list[int],
           col_lines: list[int]) -> bool:
    """Is cell ``k`` of this line the only nonzero cell of the other line through it (a public total)? Hiding it
    would protect nothing: that total gives it straight back."""
    if axis == "row":  # the other line is column k
        return k in col_lines and int((n[:, k] > 0).sum()) == 1
    return k in row_lines and int((n[k, :] > 0).sum()) == 1


def _cell_members(cell: np.ndarray, user_codes: np.ndarray) -> dict[int, np.ndarray]:
    if not len(cell):
        return {}
    order = np.argsort(cell, kind="stable")
    cells, starts = np.unique(cell[order], return_index=True)
    groups = np.split(user_codes[order], starts[1:])
    return {int(k): np.unique(g) for k, g in zip(cells, groups)}


def solve_lines(known: np.ndarray, row_lines: Sequence[int], col_lines: Sequence[int]
                ) -> tuple[list[tuple[int, int, tuple[str, int], int]], np.ndarray]:
    """The pencil attack: repeatedly take a line (a row in ``row_lines`` or a column in ``col_lines``, whose total
    is known) with exactly one unknown cell and solve it. Returns the solved cells as ``(row, column, line,
    wave)`` (wave 0: solvable at once; wave k: needs cells solved in wave k - 1) and the final ``known`` grid.

    >>> known = np.array([[True, False], [False, False]])
    >>> [cell[:2] + cell[3:] for cell in solve_lines(known, [0, 1], [0, 1])[0]]
    [(0, 1, 0), (1, 0, 0), (1, 1, 1)]
    """
    known = known.copy()
    is_row = np.zeros(known.shape[0], dtype=bool)
    is_row[list(row_lines)] = True
    is_col = np.zeros(known.shape[1], dtype=bool)
    is_col[list(col_lines)] = True
    row_unknown = (~known).sum(axis=1)
    col_unknown = (~known).sum(axis=0)
    queue: deque[tuple[str, int, int]] = deque([("row", i, 0) for i in row_lines if row_unknown[i] == 1]
                                               + [("col", j, 0) for j in col_lines if col_unknown[j] == 1])
    solved = []
    while queue:
        axis, index, wave = queue.popleft()
        if (row_unknown[index] if axis == "row" else col_unknown[index]) != 1:
            continue
        if axis == "row":
            i, j = index, int(np.flatnonzero(~known[index])[0])
        else:
            i, j = int(np.flatnonzero(~known[:, index])[0]), index
        known[i, j] = True
        row_unknown[i] -= 1
        col_unknown[j] -= 1
        solved.append((i, j, (axis, index), wave))
        if is_row[i] and row_unknown[i] == 1:
            queue.append(("row", i, wave + 1))
        if is_col[j] and col_unknown[j] == 1:
            queue.append(("col", j, wave + 1))
    return solved, known


def _offending_lines(n: np.ndarray, shown: np.ndarray, row_lines: list[int], col_lines: list[int],
                     group_passes: Any) -> list[tuple[str, int]]:
    """Lines to protect next: those through which the pencil attack recovers a hidden nonzero cell earliest
    (cells of the extra row/column only matter below the thresholds), else those whose unknown rest is a nonzero
    group below the thresholds."""
    n_rows, n_cols = n.shape[0] - 1, n.shape[1] - 1
    solved, known = solve_lines(shown | (n == 0), row_lines, col_lines)
    leaks = [(i, j, line, wave) for i, j, line, wave in solved if n[i, j] and
             ((i < n_rows and j < n_cols) or not group_passes([(i, j)]))]
    offending: dict[tuple[str, int], None] = {}
    solved_by = {(i, j): line for i, j, line, _wave in solved}
    rows, cols = set(row_lines), set(col_lines)

    def blame(axis: str, index: int, skip: tuple[int, int] | None, seen: set[tuple[str, int]]) -> None:
        """Protect a line that gives a cell (or small rest) away; if it shows nothing, protect the lines that
        solved its other cells instead (the chain), since its total alone says only what is public."""
        if (axis, index) in seen:
            return
        seen.add((axis, index))
        if (shown[index, :n_cols] if axis == "row" else shown[:n_rows, index]).any():
            offending[(axis, index)] = None
            return
        others = [(index, k) for k in range(n.shape[1])] if axis == "row" else [(k, index) for k in range(n.shape[0])]
        for cell in others:
            if cell != skip and cell in solved_by:
                blame(*solved_by[cell], cell, seen)

    for first in sorted({wave for *_, wave in leaks}):  # the earliest leaks that some line can still protect
        before = shown | (n == 0)  # what is known when this wave starts
        for i, j, _line, wave in solved:
            if wave < first:
                before[i, j] = True
        for i, j, _line, wave in leaks:
            if wave != first:
                continue
            # every line through the cell whose other cells are known gives it away
            if i in rows and before[i, np.arange(n.shape[1]) != j].all():
                blame("row", i, (i, j), set())
            if j in cols and before[np.arange(n.shape[0]) != i, j].all():
                blame("col", j, (i, j), set())
        if offending:
            return list(offending)
    for i in row_lines:
        cells = [(i, int(j)) for j in np.flatnonzero(~known[i])]
        if cells and sum(int(n[a, b]) for a, b in cells) and not group_passes(cells):
            blame("row", i, None, set())
    for j in col_lines:
        cells = [(int(i), j) for i in np.flatnonzero(~known[:, j])]
        if cells and sum(int(n[a, b]) for a, b in cells) and not group_passes(cells):
            blame("col", j, None, set())
    return list(offending)