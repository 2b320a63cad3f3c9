"""Attacks on the gated view's own tables: what a reader with a pencil could learn that the gate promises to hide.

:func:`attack_view` runs three attacks on every table of :meth:`PrivacyView.tables`, on :meth:`PrivacyView.tree`
and on a window comparison per level, and counts what gets through (the privacy tests want 0 of each; ``clio-kit
eval privacy`` prints the counts):

(a) *named rare values*: a facet value below the thresholds overall (fewer than ``min_users`` users or
    ``min_conversations`` conversations in the whole run) named anywhere in a table of that facet;
(b) *small counts*: a shown count of conversations (or users) greater than 0 but below the thresholds;
(c) *recovered cells*: a hidden cell worked out by subtraction from shown totals, margins and shares: a row or
    column whose total is public (cluster sizes, value counts, window totals, the run's size) with exactly one
    unknown cell gives that cell away (repeated until nothing changes; a line whose rest is 0 makes all its
    unknowns 0). A recovered nonzero table cell counts, as does any recovered group of conversations below the
    thresholds (e.g. a parent's conversations outside its visible children, or a value's conversations in hidden
    clusters). The same runs across hierarchy levels (linked tables): a parent's cell equals its visible
    children's cells plus its remainder in hidden clusters, so a parent's cell minus its children's can give a
    hidden cell or a small remainder away (:func:`solve_linked`, on each facet's cross-tabs and base rates and on
    the trends of all levels). User counts are not attacked by subtraction (users are not additive).

Attack (a) needs the run's true value counts (it is an evaluation, not something a reader can do); (b) and (c) use
only what the view shows.

>>> report = attack_view(clio_kit.open_run("runs/demo").view())      # doctest: +SKIP
>>> report.counts()                                                   # doctest: +SKIP
{'named_rare_values': 0, 'small_counts': 0, 'recovered_cells': 0}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .gate import passes_thresholds

if TYPE_CHECKING:
    from .view import PrivacyView

__all__ = ["AttackReport", "attack_view", "solve_linked", "solve_table"]


@dataclass
class AttackReport:
    """What the three attacks found (each entry says which table and which cell); empty lists mean the gate held."""

    named_rare_values: list[str] = field(default_factory=list)
    small_counts: list[str] = field(default_factory=list)
    recovered_cells: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"named_rare_values": len(self.named_rare_values), "small_counts": len(self.small_counts),
                "recovered_cells": len(self.recovered_cells)}

    @property
    def passed(self) -> bool:
        return not any(self.counts().values())

    def summary(self) -> str:
        c = self.counts()
        return (f"attacks on {len(self.tables)} gated tables: {c['named_rare_values']} named rare values, "
                f"{c['small_counts']} shown counts below the thresholds, {c['recovered_cells']} cells recovered "
                "by subtraction")


def solve_table(cells: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray
                ) -> tuple[list[tuple[int, int, float]], list[tuple[str, int, float]]]:
    """Solve a table of counts line by line: ``cells`` has NaN where unknown, totals NaN where not public.

    Returns the recovered cells ``(row, column, value)`` and the rest of every line that still has unknowns
    ``("row"|"col", index, rest)``.

    >>> cells = np.array([[10.0, np.nan], [np.nan, np.nan]])
    >>> solve_table(cells, np.array([13.0, np.nan]), np.array([30.0, np.nan]))   # row 1's total is not public
    ([(0, 1, 3.0), (1, 0, 20.0)], [])
    """
    values = np.array(cells, dtype=float)
    known = ~np.isnan(values)
    recovered: list[tuple[int, int, float]] = []
    changed = True
    while changed:
        changed = False
        for axis, totals in (("row", row_totals), ("col", col_totals)):
            for index, total in enumerate(totals):
                if np.isnan(total):
                    continue
                line_known = known[index] if axis == "row" else known[:, index]
                unknown = np.flatnonzero(~line_known)
                if not len(unknown):
                    continue
                line = values[index] if axis == "row" else values[:, index]
                rest = float(total - np.nansum(np.where(line_known, line, 0.0)))
                if len(unknown) == 1 or abs(rest) < 0.5:
                    for k in unknown:
                        i, j = (index, int(k)) if axis == "row" else (int(k), index)
                        value = rest if len(unknown) == 1 else 0.0
                        values[i, j], known[i, j] = value, True
                        recovered.append((i, j, value))
                    changed = True
    rests = []
    for axis, totals in (("row", row_totals), ("col", col_totals)):
        for index, total in enumerate(totals):
            line_known = known[index] if axis == "row" else known[:, index]
            if np.isnan(total) or line_known.all():
                continue
            line = values[index] if axis == "row" else values[:, index]
            rests.append((axis, index, float(total - np.nansum(np.where(line_known, line, 0.0)))))
    return recovered, rests


def _rare_values(view: PrivacyView, facet: str) -> set[str]:
    frame = pd.DataFrame({"value": view._facet_values(facet).astype(str).to_numpy(),
                          "user": view._assignments["user_id"].to_numpy()})
    counts = frame.groupby("value").agg(n=("user", "size"), users=("user", "nunique"))
    return set(counts.index[~passes_thresholds(counts["users"], counts["n"], view.privacy)])


class _Attack:
    def __init__(self, view: PrivacyView) -> None:
        self.view = view
        self.report = AttackReport()
        self.min_users = view.privacy.min_users
        self.min_conversations = view.privacy.min_conversations
        self.total = float(view.n_conversations)

    # -- attack (b) ---------------------------------------------------------------------------------------------
    def small(self, name: str, values: Any, minimum: int, what: str) -> None:
        numbers = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()), errors="coerce").dropna()
        for value in numbers[(numbers > 0) & (numbers < minimum)]:
            self.report.small_counts.append(f"{name}: {what} {value:g}")

    # -- attack (c) ---------------------------------------------------------------------------------------------
    def solve(self, name: str, cells: np.ndarray, row_totals: np.ndarray, col_totals: np.ndarray,
              row_names: list[Any], col_names: list[Any], real_rows: int, real_cols: int) -> None:
        """Rows/columns beyond ``real_rows``/``real_cols`` are groups outside the table (hidden clusters, no
        timestamp): recovering them matters only below the thresholds."""
        recovered, rests = solve_table(cells, row_totals, col_totals)
        for i, j, value in recovered:
            real = i < real_rows and j < real_cols
            if value >= 0.5 and (real or value < self.min_conversations):
                self.report.recovered_cells.append(f"{name}: [{row_names[i]}, {col_names[j]}] = {value:g}")
        for axis, index, rest in rests:
            if 0.5 <= rest < self.min_conversations:
                label = row_names[index] if axis == "row" else col_names[index]
                self.report.recovered_cells.append(f"{name}: rest of {axis} {label} = {rest:g}")

    def grid(self, name: str, shown: pd.DataFrame, row_totals: pd.Series, col_totals: pd.Series, *,
             hidden_row: bool, extra_col_total: float | None | bool = False) -> None:
        """``shown``: rows x columns with NaN where hidden. Adds the extra row of hidden clusters (its total is
        the run's size minus the rows') and, if ``extra_col_total`` is not False, an extra column of
        conversations outside the columns (its total when known, else None)."""
        cells = shown.to_numpy(dtype=float)
        r_tot = row_totals.reindex(shown.index).to_numpy(dtype=float)
        c_tot = col_totals.reindex(shown.columns).to_numpy(dtype=float)
        rows, cols = list(shown.index), list(shown.columns)
        real_rows, real_cols = len(rows), len(cols)
        if hidden_row:
            cells = np.vstack([cells, np.full((1, cells.shape[1]), np.nan)])
            r_tot = np.append(r_tot, self.total - np.nansum(r_tot))
            rows.append("(hidden clusters)")
        if extra_col_total is not False:
            cells = np.hstack([cells, np.full((cells.shape[0], 1), np.nan)])
            c_tot = np.append(c_tot, np.nan if extra_col_total is None else float(extra_col_total))
            cols.append("(outside the columns)")
        self.solve(name, cells, r_tot, c_tot, rows, cols, real_rows, real_cols)


def attack_view(view: PrivacyView, *, windows: bool = True) -> AttackReport:
    """Run attacks (a), (b) and (c) of the module docstring on every table of ``view``, its tree and (with
    ``windows``) a before/after comparison per level split at the median timestamp."""
    attack = _Attack(view)
    report = attack.report
    tables = view.tables()
    report.tables = [*tables, "tree"]
    sizes = view.clusters().set_index("cluster_id")["n_conversations"].astype(float)
    distributions = {facet: tables[f"distribution:{facet}"].set_index("value")["n_conversations"].astype(float)
                     for facet in view.facets}
    period_totals = _public_period_totals(tables)
    rare_values = {facet: _rare_values(view, facet) for facet in view.facets}

    for name, table in tables.items():
        kind, *rest = name.split(":")
        facet = rest[0] if kind in ("distribution", "crosstab", "base_rates", "facet_trend") else None
        # (a) named rare values
        if facet is not None:
            rare = rare_values[facet]
            named = set(table.columns.astype(str)) if kind == "crosstab" else set(table["value"].astype(str))
            report.named_rare_values += [f"{name}: {v}" for v in sorted(named & rare)]
        # (b) small counts
        if kind == "crosstab":
            attack.small(name, table.to_numpy(), attack.min_conversations, "conversations")
        for column, minimum in (("n_conversations", attack.min_conversations), ("n_users", attack.min_users),
                                ("cluster_n", attack.min_conversations)):
            if column in table.columns:
                attack.small(name, table[column], minimum, column)
        # (c) recovered cells
        if kind == "distribution":
            rest_n = attack.total - table["n_conversations"].sum()
            if 0.5 <= rest_n < attack.min_conversations:
                report.recovered_cells.append(f"{name}: values not listed = {rest_n:g}")
        elif kind == "crosstab":
            level = int(rest[1][1:])
            ids = view.clusters(level).sort_values("cluster_id")["cluster_id"].tolist()
            shown = table.set_axis(ids, axis=0)
            attack.grid(name, shown, sizes, distributions[facet], hidden_row=True)
        elif kind == "base_rates":
            level = int(rest[1][1:])
            ids = view.clusters(level).sort_values("cluster_id")["cluster_id"].tolist()
            open_cells = table[~table["suppressed"].astype(bool)]
            shown = open_cells.pivot(index="cluster_id", columns="value", values="n_conversations")
            shown = shown.reindex(index=ids, columns=distributions[facet].index)
            value_totals = (table.groupby("value")["share_overall"].first() * attack.total).round()
            cluster_totals = table.groupby("cluster_id")["cluster_n"].first().astype(float)
            attack.grid(name, shown, cluster_totals.combine_first(sizes), value_totals.combine_first(
                distributions[facet]), hidden_row=True)
        elif kind == "trend" and len(table):
            level = int(rest[0][1:])
            ids = view.clusters(level).sort_values("cluster_id")["cluster_id"].tolist()
            periods = sorted(set(table["period"]) | set(period_totals))
            shown = table.pivot(index="cluster_id", columns="period", values="n_conversations")
            shown = shown.reindex(index=ids, columns=periods)
            attack.grid(name, shown, sizes, pd.Series(period_totals, dtype=float), hidden_row=True,
                        extra_col_total=_extra_period_total(attack.total, periods, period_totals))
        elif kind == "facet_trend" and len(table):
            periods = sorted(set(table["period"]) | set(period_totals))
            shown = table.pivot(index="value", columns="period", values="n_conversations")
            shown = shown.reindex(index=distributions[facet].index, columns=periods)
            attack.grid(name, shown, distributions[facet], pd.Series(period_totals, dtype=float),
                        hidden_row=False, extra_col_total=_extra_period_total(attack.total, periods, period_totals))

    _attack_levels(attack, view, tables, sizes, distributions, period_totals)
    _attack_tree(attack, view.tree())
    if windows and view._periods("W") is not None:
        _attack_windows(attack, view)
    return report


def _attack_levels(attack: _Attack, view: PrivacyView, tables: dict[str, pd.DataFrame], sizes: pd.Series,
                   distributions: dict[str, pd.Series], period_totals: dict[Any, float]) -> None:
    """The linked-table attack on each facet's cross-tabs (with its base rates) and on the trends, all levels."""
    if len(view.levels) < 2:
        return
    parents = view.clusters().set_index("cluster_id")["parent_id"]
    parents = parents[parents.notna()].astype(int)
    ids = {level: view.clusters(level).sort_values("cluster_id")["cluster_id"].tolist() for level in view.levels}
    for facet in view.facets:
        grids = {}
        for level in view.levels:
            crosstab = tables[f"crosstab:{facet}:L{level}"].set_axis(ids[level], axis=0)
            columns = distributions[facet].index
            rates = _listed(tables[f"base_rates:{facet}:L{level}"], "cluster_id", "value", ids[level], columns)
            grids[level] = crosstab.reindex(columns=columns).astype(float).combine_first(rates)
        _attack_linked(attack, f"crosstab/base_rates:{facet}", grids, sizes, parents, distributions[facet])
    trends = {level: tables[f"trend:L{level}"] for level in view.levels}
    if all(len(t) for t in trends.values()):
        periods = sorted(set().union(*(set(t["period"]) for t in trends.values())) | set(period_totals))
        grids = {level: _listed(t, "cluster_id", "period", ids[level], periods) for level, t in trends.items()}
        _attack_linked(attack, "trend", grids, sizes, parents, pd.Series(period_totals, dtype=float),
                       extra_col_total=_extra_period_total(attack.total, periods, period_totals))


def _listed(table: pd.DataFrame, row: str, column: str, rows: list[Any], columns: Any) -> pd.DataFrame:
    """A long table of nonempty cells as a grid: a cell it does not list is empty (0), a listed one without a
    number unknown (NaN)."""
    grid = table.assign(n=table["n_conversations"].astype(float).fillna(-1.0)).pivot(
        index=row, columns=column, values="n")
    grid = grid.reindex(index=rows, columns=columns).astype(float).fillna(0.0)
    return grid.mask(grid < 0)


def _public_period_totals(tables: dict[str, pd.DataFrame]) -> dict[Any, float]:
    """A period's total is public when some facet's trend shows every nonempty cell of it."""
    totals: dict[Any, float] = {}
    for name, table in tables.items():
        if not name.startswith("facet_trend:") or table.empty:
            continue
        for period, group in table.groupby("period"):
            if group["n_conversations"].notna().all():
                totals[period] = float(group["n_conversations"].sum())
    return totals


def _extra_period_total(total: float, periods: list[Any], known: dict[Any, float]) -> float | None:
    return total - sum(known[p] for p in periods) if all(p in known for p in periods) else None


def _attack_tree(attack: _Attack, tree: list[dict[str, Any]]) -> None:
    def walk(node: dict[str, Any], path: str) -> None:
        attack.small("tree", [node["n_conversations"]], attack.min_conversations, f"{path} conversations")
        if node.get("n_users") is not None:
            attack.small("tree", [node["n_users"]], attack.min_users, f"{path} users")
        children = node.get("children", [])
        if children:
            rest = node["n_conversations"] - sum(child["n_conversations"] for child in children)
            if 0.5 <= rest < attack.min_conversations:
                attack.report.recovered_cells.append(f"tree: rest of {path} = {rest:g}")
        for child in children:
            walk(child, f"{path} > {child['name']}")

    for root in tree:
        walk(root, str(root["name"]))
    rest = attack.total - sum(root["n_conversations"] for root in tree)
    if 0.5 <= rest < attack.min_conversations:
        attack.report.recovered_cells.append(f"tree: rest of the run = {rest:g}")


def _attack_windows(attack: _Attack, view: PrivacyView) -> None:
    stamps = pd.to_datetime(view._assignments["timestamp"], utc=True, errors="coerce").dropna()
    if stamps.nunique() < 2:
        return
    split = stamps.sort_values().iloc[len(stamps) // 2]
    for level in view.levels:
        name = f"compare_windows:L{level}"
        attack.report.tables.append(name)
        comparison = view.compare_windows(split=split, level=level)
        table = comparison.table.set_index("cluster_id")
        for column, minimum in (("before_n", attack.min_conversations), ("after_n", attack.min_conversations),
                                ("before_users", attack.min_users), ("after_users", attack.min_users)):
            attack.small(name, table[column], minimum, column)
        shown = table[["before_n", "after_n"]].set_axis(["before", "after"], axis=1)
        totals = pd.Series({"before": comparison.n_before, "after": comparison.n_after}, dtype=float)
        outside = (attack.total - totals.sum()) if totals.notna().all() else None
        attack.grid(name, shown, table["n_conversations"].astype(float), totals, hidden_row=True,
                    extra_col_total=outside)


# -- attack (c) across hierarchy levels (linked tables) ----------------------------------------------------------
def solve_linked(values: np.ndarray, lines: list[tuple[int | float, list[int]]]
                 ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """The pencil attack on any set of linear lines: each line says ``total = sum(values[members])``, its total a
    public number (a float) or another cell (an int index into ``values``, e.g. a parent cluster's cell that equals
    its children's cells plus its hidden remainder's). ``values`` has NaN where unknown. A line with one unknown
    gives it away; a line whose known total leaves 0 makes all its unknowns 0. Returns the recovered cells
    ``(index, value)`` and each line's unknown rest ``(line, rest)`` where its total is known.

    >>> values = np.array([30.0, 20.0, np.nan, np.nan])     # parent 30 = child 20 + child ? + remainder ?
    >>> solve_linked(values, [(0, [1, 2, 3]), (12.0, [2, 3])])   # the remainder row's total is 12
    ([], [(0, 10.0), (1, 12.0)])
    """
    values = np.array(values, dtype=float)
    recovered: list[tuple[int, float]] = []

    def total_of(total: int | float) -> float:
        return values[total] if isinstance(total, (int, np.integer)) else float(total)

    changed = True
    while changed:
        changed = False
        for total, members in lines:
            unknown = [m for m in members if np.isnan(values[m])]
            t = total_of(total)
            if np.isnan(t):
                if not unknown and isinstance(total, (int, np.integer)):
                    values[total] = float(np.sum(values[members]))
                    recovered.append((int(total), float(values[total])))
                    changed = True
                continue
            if not unknown:
                continue
            rest = float(t - np.nansum(values[members]))
            if len(unknown) == 1 or abs(rest) < 0.5:
                for m in unknown:
                    values[m] = rest if len(unknown) == 1 else 0.0
                    recovered.append((int(m), float(values[m])))
                changed = True
    rests = []
    for index, (total, members) in enumerate(lines):
        t = total_of(total)
        if not np.isnan(t) and np.isnan(values[members]).any():
            rests.append((index, float(t - np.nansum(values[members]))))
    return recovered, rests


def _attack_linked(attack: _Attack, name: str, grids: dict[int, pd.DataFrame], sizes: pd.Series,
                   parents: pd.Series, col_totals: pd.Series, extra_col_total: float | None | bool = False) -> None:
    """A parent's cell is the sum of its visible children's cells and of its hidden remainder's (the parent's
    conversations in hidden clusters one level down), and the hidden clusters of a level are those under hidden
    parents plus every visible parent's remainder. With every cluster size public, those lines link the tables of
    one facet (or of time) at all levels; cells (or small groups) that only these links give away are findings.
    ``grids``: level -> visible cluster ids x columns, NaN where hidden."""
    levels = sorted(grids)
    columns = list(next(iter(grids.values())).columns)
    extra = extra_col_total is not False
    n_cols = len(columns) + int(extra)
    c_tot = col_totals.reindex(columns).to_numpy(dtype=float)
    if extra:
        c_tot = np.append(c_tot, np.nan if extra_col_total is None else float(extra_col_total))
    values: list[float] = []
    labels: list[tuple[str, Any, bool]] = []  # (row label, column label, a real table cell?)
    col_names = columns + (["(outside the columns)"] if extra else [])

    def add_row(label: str, cells: np.ndarray, real: bool) -> list[int]:
        start = len(values)
        values.extend(cells.tolist())
        labels.extend((label, col_names[j], real and j < len(columns)) for j in range(n_cols))
        return list(range(start, start + n_cols))

    index: dict[int, dict[Any, list[int]]] = {}
    hidden: dict[int, list[int]] = {}
    lines: dict[int, list[tuple[int | float, list[int]]]] = {level: [] for level in levels}
    linked: list[tuple[int | float, list[int]]] = []
    for level in levels:
        grid = grids[level]
        cells = grid.to_numpy(dtype=float)
        if extra:
            cells = np.hstack([cells, np.full((len(cells), 1), np.nan)])
        index[level] = {cid: add_row(f"L{level} {cid}", cells[i], True) for i, cid in enumerate(grid.index)}
        hidden[level] = add_row(f"L{level} (hidden clusters)", np.full(n_cols, np.nan), False)
        r_tot = sizes.reindex(grid.index).to_numpy(dtype=float)
        for cid, total in zip(grid.index, r_tot):
            lines[level].append((float(total), index[level][cid]))
        lines[level].append((attack.total - float(np.nansum(r_tot)), hidden[level]))
        for j in range(n_cols):
            if not np.isnan(c_tot[j]):
                lines[level].append((float(c_tot[j]), [row[j] for row in index[level].values()] + [hidden[level][j]]))
    for below, above in zip(levels, levels[1:]):
        remainders = []
        for parent in grids[above].index:
            kids = [cid for cid in grids[below].index if parents.get(cid) == parent]
            rest = add_row(f"L{below} rest of {parent}", np.full(n_cols, np.nan), False)
            remainders.append(rest)
            linked.append((float(sizes.get(parent, np.nan)) - float(sum(sizes.get(k, 0) for k in kids)), rest))
            for j in range(n_cols):
                linked.append((index[above][parent][j], [index[below][k][j] for k in kids] + [rest[j]]))
        for j in range(n_cols):
            linked.append((hidden[below][j], [hidden[above][j]] + [rest[j] for rest in remainders]))

    array = np.array(values, dtype=float)
    alone: set[int] = set()  # what one table gives away on its own (attacked by grid() already)
    alone_rests: set[tuple[int, float]] = set()
    offset = 0
    for level in levels:
        solved, level_rests = solve_linked(array, lines[level])
        alone |= {i for i, _ in solved}
        alone_rests |= {(offset + line, rest) for line, rest in level_rests}
        offset += len(lines[level])
    every = [line for level in levels for line in lines[level]] + linked
    recovered, rests = solve_linked(array, every)
    for i, value in recovered:
        row, column, real = labels[i]
        if i in alone or value < 0.5 or not (real or value < attack.min_conversations):
            continue  # found by the one-table attack already, empty, or a group that passes
        attack.report.recovered_cells.append(f"{name} (linked levels): [{row}, {column}] = {value:g}")
    for line, rest in rests:
        if 0.5 <= rest < attack.min_conversations and (line, rest) not in alone_rests:
            label = labels[every[line][1][0]][0]
            attack.report.recovered_cells.append(f"{name} (linked levels): rest of a line through {label} = {rest:g}")
