"""The funding gap, computed and never entered: cost - committed funding, per (action, year).

Every view (per action, per responsible partner, per year, the total, the exports, the
``ccc.funding_changed`` event) sums the same (action, year) cells in whole øre, so the views
agree to the øre by construction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from services.contracts.actions.schemas import Action
from services.contracts.investment.money import nok_from_ore, ore_from_nok
from services.contracts.investment.schemas import (
    ActionGap,
    ActionInvestment,
    FundingGapView,
    GapCell,
    InvestmentPlan,
    PartnerGap,
)
from shared.events.payloads import FundingYear


@dataclass
class Sums:
    cost: int = 0
    committed: int = 0
    applied_for: int = 0

    @property
    def gap(self) -> int:
        return self.cost - self.committed

    def add(self, other: Sums) -> None:
        self.cost += other.cost
        self.committed += other.committed
        self.applied_for += other.applied_for

    def cell(self, year: int | None) -> GapCell:
        return GapCell(
            year=year,
            cost_nok=nok_from_ore(self.cost),
            committed_nok=nok_from_ore(self.committed),
            applied_for_nok=nok_from_ore(self.applied_for),
            gap_nok=nok_from_ore(self.gap),
        )


@dataclass
class Table:
    """(action id, year) → sums; the one source of every view."""

    cells: dict[tuple[str, int], Sums] = field(default_factory=dict)

    def at(self, action_id: str, year: int) -> Sums:
        return self.cells.setdefault((action_id, year), Sums())

    def years_of(self, action_id: str) -> dict[int, Sums]:
        return {y: s for (a, y), s in sorted(self.cells.items()) if a == action_id}


def action_cells(investment: ActionInvestment) -> dict[int, Sums]:
    table = Table()
    for cost in investment.costs:
        table.at(investment.action_id, cost.year).cost += ore_from_nok(
            cost.capex_nok
        ) + ore_from_nok(cost.opex_nok)
    for source in investment.funding:
        sums = table.at(investment.action_id, source.year)
        if source.status == "committed":
            sums.committed += ore_from_nok(source.amount_nok)
        else:
            sums.applied_for += ore_from_nok(source.amount_nok)
    return table.years_of(investment.action_id)


def total(cells: dict[int, Sums]) -> Sums:
    result = Sums()
    for sums in cells.values():
        result.add(sums)
    return result


def total_cost_ore(plan: InvestmentPlan, action_id: str) -> int:
    for investment in plan.actions:
        if investment.action_id == action_id:
            return total(action_cells(investment)).cost
    return 0


def funding_years(investment: ActionInvestment | None) -> list[FundingYear]:
    """The event's view of one action: the same cells in øre."""
    if investment is None:
        return []
    return [
        FundingYear(
            year=year,
            cost_ore=s.cost,
            committed_ore=s.committed,
            applied_for_ore=s.applied_for,
            gap_ore=s.gap,
        )
        for year, s in action_cells(investment).items()
    ]


def funding_gap(
    city: str, version: int, actions: list[Action], plan: InvestmentPlan
) -> FundingGapView:
    per_action = {inv.action_id: action_cells(inv) for inv in plan.actions}
    by_action = [
        ActionGap(
            action_id=action.id,
            action_name=action.name,
            responsible_partner_id=action.responsible_partner_id,
            years=[s.cell(y) for y, s in per_action.get(action.id, {}).items()],
            total=total(per_action.get(action.id, {})).cell(None),
        )
        for action in actions
    ]
    partners: dict[uuid.UUID | None, tuple[list[str], dict[int, Sums]]] = {}
    years: dict[int, Sums] = {}
    for action in actions:
        ids, partner_years = partners.setdefault(action.responsible_partner_id, ([], {}))
        ids.append(action.id)
        for year, sums in per_action.get(action.id, {}).items():
            partner_years.setdefault(year, Sums()).add(sums)
            years.setdefault(year, Sums()).add(sums)
    by_partner = [
        PartnerGap(
            responsible_partner_id=partner,
            action_ids=ids,
            years=[s.cell(y) for y, s in sorted(partner_years.items())],
            total=total(partner_years).cell(None),
        )
        for partner, (ids, partner_years) in sorted(
            partners.items(), key=lambda kv: (kv[0] is not None, str(kv[0]))
        )
    ]
    return FundingGapView(
        city=city,
        version=version,
        by_action=by_action,
        by_partner=by_partner,
        by_year=[s.cell(y) for y, s in sorted(years.items())],
        total=total(years).cell(None),
    )
