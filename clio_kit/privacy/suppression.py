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

4. *Linked levels.* :func:`suppress_levels`: a parent cluster's cell is its visible children's cells plus its
   remainder in hidden clusters, so the tables of every hierarchy level are protected together, over the lines of
   all levels at once.

Limits: the guarantee is against subtraction line by line (chained) along rows, columns and the links between
levels. A linear-programming attack on many lines at once can narrow a hidden cell to an interval; the gate is for
trusted analysts, not a substitute for differential privacy.

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

__all__ = ["SUPPRESSED", "SuppressedTable", "pool_rare_values", "solve_lines", "suppress_levels", "suppress_table"]

#: how a suppressed cell reads in every table, chart and export: a word, never a number
SUPPRESSED = "suppressed"


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

def suppress_levels(row_values: dict[int, np.ndarray], row_keys: dict[int, Sequence[Hashable]],
                    parents: dict[Hashable, Hashable], column_values: np.ndarray, columns: Sequence[Hashable],
                    users: np.ndarray, privacy: Any, *, primary: dict[int, pd.DataFrame] | None = None,
                    column_totals: bool = True, hide_stuck_columns: bool = False) -> dict[int, SuppressedTable]:
    """One table per hierarchy level (visible clusters of that level x ``columns``), protected jointly.

    Each level's table is first protected on its own (:func:`suppress_table`). The levels are linked: a parent's
    cell is the sum of its visible children's cells and of its *remainder* (its conversations in hidden clusters
    one level down), and a level's hidden clusters are the level above's plus every visible parent's remainder.
    With every cluster size public, those lines could give a hidden cell (or a small remainder) away. The same
    pencil attack runs over the lines of all levels at once, and shown cells are hidden (smallest first) until it
    recovers no hidden nonzero cell and leaves no small group, as in :func:`suppress_table`.

    ``row_values[level]``: each conversation's cluster at that level; ``parents``: a visible cluster's parent.
    ``hide_stuck_columns``: where no one cell can protect a leak through a column whose total is only derivable
    (a week's), hide that column at every level rather than leave it (a facet value's total is shown, so hiding
    its column would protect nothing).

    >>> from clio_kit.config import PrivacyConfig
    >>> rows = {0: np.array([0] * 30 + [1] * 25 + [2] * 3), 1: np.array([9] * 58)}
    >>> cols = np.array((["x"] * 15 + ["y"] * 15) + (["x"] * 12 + ["y"] * 13) + ["x"] * 3)
    >>> tables = suppress_levels(rows, {0: [0, 1], 1: [9]}, {0: 9, 1: 9}, cols, ["x", "y"],
    ...                          np.arange(58).astype(str), PrivacyConfig(min_users=1, min_conversations=10))
    >>> tables[1].shown.to_numpy().tolist()     # the parent: 30 x, 28 y
    [[True, True]]
    >>> tables[0].shown.to_numpy().tolist()     # 30 - 15 - 12 would give the 3 in hidden cluster 2 away
    [[False, False], [False, False]]
    """
    levels = sorted(row_values)
    users = pd.factorize(pd.Series(users).astype(str))[0]
    tables = {}
    grids = {}
    for level in levels:
        records = pd.DataFrame({"row": row_values[level], "column": column_values, "user": users})
        tables[level] = suppress_table(records, row_keys[level], columns, privacy,
                                       primary=None if primary is None else primary[level],
                                       column_totals=column_totals)
        grids[level] = _grid_codes(row_values[level], row_keys[level], column_values, columns)
    if len(levels) < 2:
        return tables
    system = _LinkedSystem(levels, grids, row_keys, parents, users, len(columns), column_totals)
    shown = np.zeros(system.size, dtype=bool)
    system.primary = np.zeros(system.size, dtype=bool)
    for level in levels:
        shown[system.cells(level)] = tables[level].shown.to_numpy(dtype=bool).ravel()
        system.primary[system.cells(level)] = tables[level].primary.to_numpy(dtype=bool).ravel()
    shown = system.protect(shown, privacy, hide_stuck_columns)
    for level in levels:
        table = tables[level]
        table.shown = pd.DataFrame(shown[system.cells(level)].reshape(table.shown.shape), index=table.shown.index,
                                   columns=table.shown.columns)
    return tables


def _grid_codes(row_values: np.ndarray, rows: Sequence[Hashable], column_values: np.ndarray,
                columns: Sequence[Hashable]) -> np.ndarray:
    """Each conversation's cell in the (rows + hidden row) x (columns + outside column) grid, flattened."""
    r = pd.Index(list(rows)).get_indexer(pd.Series(row_values).to_numpy()) if len(row_values) else np.zeros(0, int)
    c = pd.Index(list(columns)).get_indexer(pd.Series(column_values).to_numpy()) if len(row_values) else \
        np.zeros(0, int)
    r = np.where(r < 0, len(rows), r)
    c = np.where(c < 0, len(columns), c)
    return r * (len(columns) + 1) + c


class _LinkedSystem:
    """The cells of every level's grid plus one remainder row per visible parent, and the lines linking them
    (each line: a total, public or another cell, equal to the sum of its members)."""

    def __init__(self, levels: list[int], grids: dict[int, np.ndarray], row_keys: dict[int, Sequence[Hashable]],
                 parents: dict[Hashable, Hashable], users: np.ndarray, n_columns: int, column_totals: bool) -> None:
        width = self.width = n_columns + 1
        self.offsets, start = {}, 0
        self.shapes = {}
        for level in levels:
            self.offsets[level] = start
            self.shapes[level] = (len(row_keys[level]) + 1, width)
            start += self.shapes[level][0] * width
        cell_of: list[np.ndarray] = []  # each conversation's variable, per block of variables
        for level in levels:
            cell_of.append(self.offsets[level] + grids[level])
        self.rest_offsets = {}
        lines: list[tuple[int, list[int]]] = []  # (total cell or -1 for a public number, members)
        for below, above in zip(levels, levels[1:]):
            above_keys = list(row_keys[above])
            self.rest_offsets[below] = start
            start += len(above_keys) * width
            # a conversation hidden at `below` whose cluster above is visible is in that parent's remainder
            rows_below, rows_above = grids[below] // width, grids[above] // width
            cols = grids[below] % width
            inside = (rows_below == len(row_keys[below])) & (rows_above < len(above_keys))
            cell_of.append(np.where(inside, self.rest_offsets[below] + rows_above * width + cols, -1))
        self.size = start
        conv = np.concatenate([np.stack([c, np.arange(len(c))]) for c in cell_of], axis=1)
        conv = conv[:, conv[0] >= 0]
        self.n = np.bincount(conv[0], minlength=self.size)
        pairs = np.unique(np.stack([conv[0], users[conv[1]]]), axis=1)
        self.users = np.bincount(pairs[0], minlength=self.size)
        order = np.argsort(pairs[0], kind="stable")
        keys, starts = np.unique(pairs[0][order], return_index=True)
        self.members = dict(zip(keys.tolist(), np.split(pairs[1][order], starts[1:])))
        self.real = np.zeros(self.size, dtype=bool)
        for level in levels:
            n_rows = self.shapes[level][0] - 1
            cells = self.grid(level)
            self.real[cells[:n_rows, :n_columns].ravel()] = True
            lines += [(-1, cells[i].tolist()) for i in range(n_rows + 1)]
            if column_totals:
                lines += [(-1, cells[:, j].tolist()) for j in range(width)]
        for below, above in zip(levels, levels[1:]):
            keys_below, keys_above = list(row_keys[below]), list(row_keys[above])
            grid_below, grid_above = self.grid(below), self.grid(above)
            rests = self.rest_offsets[below] + np.arange(len(keys_above) * width).reshape(len(keys_above), width)
            for p, parent in enumerate(keys_above):
                kids = [i for i, key in enumerate(keys_below) if parents.get(key) == parent]
                lines.append((-1, rests[p].tolist()))  # the remainder's size is public (the tree's "Other")
                lines += [(int(grid_above[p, j]), grid_below[kids, j].tolist() + [int(rests[p, j])])
                          for j in range(width)]
            lines += [(int(grid_below[-1, j]), [int(grid_above[-1, j])] + rests[:, j].tolist())
                      for j in range(width)]
        self.lines = lines
        self.totals = np.array([t for t, _ in lines])
        rows = np.repeat(np.arange(len(lines)), [len(m) for _, m in lines])
        cols = np.concatenate([np.asarray(m, dtype=int) for _, m in lines])
        from scipy import sparse

        self.member_matrix = sparse.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(lines), self.size))
        has_total = self.totals >= 0
        total_matrix = sparse.csr_matrix((np.ones(int(has_total.sum())), (np.flatnonzero(has_total),
                                          self.totals[has_total])), shape=(len(lines), self.size))
        self.line_matrix = (self.member_matrix + total_matrix).tocsr()

    def grid(self, level: int) -> np.ndarray:
        shape = self.shapes[level]
        return self.offsets[level] + np.arange(shape[0] * shape[1]).reshape(shape)

    def cells(self, level: int) -> np.ndarray:
        """The variables of a level's table cells (no hidden row or outside column), row by row."""
        return self.grid(level)[:-1, :-1].ravel()

    def group_passes(self, cells: np.ndarray, privacy: Any) -> bool:
        if int(self.n[cells].sum()) < privacy.min_conversations:
            return False
        if int(self.users[cells].max()) >= privacy.min_users:
            return True
        return len(np.unique(np.concatenate([self.members.get(int(c), []) for c in cells]))) >= privacy.min_users

    def solve(self, known: np.ndarray) -> tuple[dict[int, tuple[int, int]], np.ndarray]:
        """The pencil attack over every line: solved cell -> (line, wave), and the final ``known``."""
        known = known.copy()
        solved: dict[int, tuple[int, int]] = {}
        index = np.arange(self.size, dtype=float) + 1
        wave = 0
        while True:
            unknown = (~known).astype(float)
            counts = self.line_matrix @ unknown
            lines = np.flatnonzero(np.isclose(counts, 1))
            if not len(lines):
                return solved, known
            cells = np.rint(self.line_matrix[lines] @ (unknown * index)).astype(int) - 1
            for line, cell in zip(lines.tolist(), cells.tolist()):
                if not known[cell]:
                    known[cell] = True
                    solved[cell] = (line, wave)
            wave += 1

    def protect(self, shown: np.ndarray, privacy: Any, hide_stuck_columns: bool = False) -> np.ndarray:
        """Hide shown cells until the attack over all lines recovers nothing it must not (see
        :func:`suppress_levels`)."""
        shown = shown.copy()
        stuck_columns: set[int] = set()
        for _ in range(int(shown.sum()) + 1):
            solved, known = self.solve(shown | (self.n == 0))
            leaks = [(cell, line, wave) for cell, (line, wave) in solved.items() if self.n[cell] and
                     (self.real[cell] or not self.group_passes(np.array([cell]), privacy))]
            hidden, offending = False, []
            for first in sorted({wave for *_, wave in leaks}):  # the earliest leaks that some line can protect
                offending = sorted({line for _cell, line, wave in leaks if wave == first})
                hidden = self._hide(offending, shown, solved)
                if hidden:
                    break
            if not hidden:
                rests = []
                for line, (total, members) in enumerate(self.lines):
                    if total >= 0 and not known[total]:
                        continue
                    rest = np.asarray(members)[~known[members]]
                    if len(rest) and self.n[rest].sum() and not self.group_passes(rest, privacy):
                        rests.append(line)
                offending = offending or rests
                hidden = self._hide(rests, shown, solved)
            if not hidden and offending and hide_stuck_columns:
                # no single cell protects it (e.g. a cluster wholly in one week fixes its cell, and the week's
                # total the other's): show none of these columns at any level, so their totals are not shown
                stuck_columns |= {c % self.width for line in offending for c in self._cells_of(line)}
                stuck = shown & np.isin(np.arange(self.size) % self.width, list(stuck_columns))
                shown &= ~stuck
                hidden = bool(stuck.any())
            if not hidden:
                break
        # a hidden cell that passes the thresholds and can be worked out anyway (e.g. a cluster's only nonzero
        # cell, from its size) hides nothing: show it (not in a column hidden because its total must stay unshown)
        solved, _known = self.solve(shown | (self.n == 0))
        for cell in solved:
            if self.real[cell] and self.primary[cell] and cell % self.width not in stuck_columns:
                shown[cell] = True
        return shown

    def _hide(self, lines: list[int], shown: np.ndarray, solved: dict[int, tuple[int, int]]) -> bool:
        hidden = False
        for line in lines:
            pick = self._pick(line, shown, solved, set())
            if pick is not None and shown[pick]:
                shown[pick] = False
                hidden = True
        return hidden

    def _cells_of(self, line: int) -> list[int]:
        total, members = self.lines[line]
        return members + ([total] if total >= 0 else [])

    def _pick(self, line: int, shown: np.ndarray, solved: dict[int, tuple[int, int]], seen: set[int]) -> int | None:
        """The smallest shown nonzero cell of ``line``; if it shows none, follow the lines that solved its cells."""
        if line in seen:
            return None
        seen.add(line)
        total, members = self.lines[line]
        cells = np.asarray(members + ([total] if total >= 0 else []), dtype=int)
        candidates = cells[shown[cells] & (self.n[cells] > 0)]
        if len(candidates):
            return int(min(candidates, key=lambda c: (self.n[c], c)))
        for cell in cells.tolist():
            if cell in solved:
                pick = self._pick(solved[cell][0], shown, solved, seen)
                if pick is not None:
                    return pick
        return None
