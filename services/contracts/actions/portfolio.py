"""Rules of the action portfolio: the expected-reduction path, dependencies without cycles,
and the cost per tonne.

The path of an action in one GPC reference is what its expected-reduction lines say, read as
yearly cuts: between two stated years the cut grows linearly (whole milligrams, rounded
down); before the first stated year it is zero; after the last it stays at the last value.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal

from services.contracts.actions.schemas import Action, ExpectedReduction
from shared.problems import ProblemError

MG_PER_TONNE = 10**9


def mg(tonnes: Decimal) -> int:
    return int(tonnes * MG_PER_TONNE)


def contains(outer: str, inner: str) -> bool:
    """Whether GPC reference ``inner`` lies within ``outer`` (II contains II.1 and II.1.1)."""
    return inner == outer or inner.startswith(outer + ".")


def cut_mg(lines: Iterable[ExpectedReduction], year: int) -> int:
    """The yearly cut of ``lines`` (one GPC reference) in ``year``, interpolated."""
    points = sorted((line.year, mg(line.reduction_tco2e)) for line in lines)
    if not points or year < points[0][0]:
        return 0
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) // (y1 - y0)
    return points[-1][1]


def cut_within_mg(action: Action, reference: str, year: int) -> int:
    """The action's cut in ``year`` in every line that lies within ``reference``."""
    by_reference: dict[str, list[ExpectedReduction]] = {}
    for line in action.expected_reductions:
        if contains(reference, line.gpc_reference):
            by_reference.setdefault(line.gpc_reference, []).append(line)
    return sum(cut_mg(lines, year) for lines in by_reference.values())


def cumulative_reduction_mg(action: Action) -> int:
    """The cuts summed over each year from the first to the last stated year."""
    if not action.expected_reductions:
        return 0
    years = [line.year for line in action.expected_reductions]
    by_reference: dict[str, list[ExpectedReduction]] = {}
    for line in action.expected_reductions:
        by_reference.setdefault(line.gpc_reference, []).append(line)
    return sum(
        cut_mg(lines, year)
        for lines in by_reference.values()
        for year in range(min(years), max(years) + 1)
    )


def cost_per_tonne_ore(total_cost_ore: int, reduction_mg: int) -> int | None:
    """Øre per tCO2e, rounded half to even; none when nothing is cut."""
    if reduction_mg <= 0:
        return None
    exact = Decimal(total_cost_ore) * MG_PER_TONNE / Decimal(reduction_mg)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def check_dependencies(actions: Sequence[Action], field: str = "/body/b2_actions") -> None:
    """422 for a dependency on an unknown action, or a cycle (naming the actions in it)."""
    ids = [a.id for a in actions]
    seen: set[str] = set()
    for index, action in enumerate(actions):
        if action.id in seen:
            raise ProblemError(
                422,
                "Duplicate action",
                f"two actions have the id {action.id}",
                kind="validation",
                field=f"{field}/{index}/id",
            )
        seen.add(action.id)
    for index, action in enumerate(actions):
        for n, dependency in enumerate(action.depends_on):
            if dependency not in seen:
                raise ProblemError(
                    422,
                    "Unknown action",
                    f"action {action.id} depends on {dependency}, which is not in the portfolio",
                    kind="unknown-action",
                    field=f"{field}/{index}/depends_on/{n}",
                )
    cycle = find_cycle({a.id: list(a.depends_on) for a in actions})
    if cycle:
        index = ids.index(cycle[0])
        raise ProblemError(
            422,
            "Dependency cycle",
            "the actions depend on each other in a cycle: " + " → ".join([*cycle, cycle[0]]),
            kind="dependency-cycle",
            field=f"{field}/{index}/depends_on",
            extra={"cycle": cycle},
        )


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """One cycle of the dependency graph as the list of its actions, or None (iterative DFS,
    in portfolio order, so the same portfolio always names the same cycle)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for root in graph:
        if colour[root] != white:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        colour[root] = grey
        path.append(root)
        while stack:
            node, i = stack[-1]
            edges = graph.get(node, [])
            if i < len(edges):
                stack[-1] = (node, i + 1)
                nxt = edges[i]
                if nxt not in colour:
                    continue
                if colour[nxt] == grey:
                    return path[path.index(nxt) :]
                if colour[nxt] == white:
                    colour[nxt] = grey
                    path.append(nxt)
                    stack.append((nxt, 0))
            else:
                colour[node] = black
                path.pop()
                stack.pop()
    return None
