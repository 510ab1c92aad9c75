"""A CCC version exported: one JSON document, one CSV per table, a print-friendly HTML report.

All three read the same computed figures as the API (the funding gap from the same øre cells),
so an export never disagrees with a view."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.ccc import service
from services.contracts.ccc.models import CccVersion
from services.contracts.ccc.repository import CccRepository
from services.contracts.ccc.schemas import TransitionPublic
from services.contracts.exports.schemas import (
    ActionPlanExport,
    CccExport,
    ExportedAction,
    InvestmentPlanExport,
    PartnerReference,
)
from services.contracts.investment.gap import funding_gap
from services.contracts.investment.money import format_nok
from services.contracts.partners.models import Partner
from shared.quantities import format_tco2e

Table = Literal[
    "actions",
    "expected_reductions",
    "milestones",
    "indicators",
    "costs",
    "funding",
    "funding_gap",
    "emissions_gap",
    "history",
]
TABLES: tuple[str, ...] = Table.__args__  # type: ignore[attr-defined]


async def build(session: AsyncSession, ccc: CccVersion) -> CccExport:
    document = service.document_of(ccc)
    figures = {f.action_id: f for f in service.action_figures(document)}
    history = await CccRepository(session).history(ccc.city, ccc.version)
    referred = sorted(
        {str(a.responsible_partner_id) for a in document.b2_actions if a.responsible_partner_id}
        | {str(p) for a in document.b2_actions for p in a.stakeholder_partner_ids}
        | {str(e.partner_id) for e in document.a3_barriers_and_stakeholders.stakeholder_map}
    )
    partners = []
    for partner_id in referred:
        partner = await session.get(Partner, uuid.UUID(partner_id))
        if partner is not None:
            partners.append(PartnerReference(id=partner_id, name=partner.name, helix=partner.helix))
    return CccExport(
        city=ccc.city,
        version=ccc.version,
        status=ccc.status,
        title=document.title,
        exported_at=datetime.now(UTC),
        commitments=document.commitments,
        action_plan=ActionPlanExport(
            a1_baseline=document.a1_baseline,
            a1_baseline_as_known=await service.baseline_view(session, document),
            a2_emissions_gap=document.a2_emissions_gap,
            a2_emissions_gap_computed=service.emissions_gap(document),
            a3_barriers_and_stakeholders=document.a3_barriers_and_stakeholders,
            b1_impact_pathways=document.b1_impact_pathways,
            b2_actions=[
                ExportedAction(**a.model_dump(), computed=figures[a.id])
                for a in document.b2_actions
            ],
            b2_3_residual_emissions=document.b2_3_residual_emissions,
            b3_indicators=document.b3_indicators,
        ),
        investment_plan=InvestmentPlanExport(
            **document.investment_plan.model_dump(),
            funding_gap=funding_gap(
                ccc.city, ccc.version, document.b2_actions, document.investment_plan
            ),
        ),
        history=[TransitionPublic.model_validate(t) for t in history],
        partners=partners,
    )


def rows(export: CccExport, table: str) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of one table of the export."""
    plan = export.action_plan
    if table == "actions":
        header = [
            "action_id",
            "name",
            "type",
            "field_of_action",
            "systemic_lever",
            "responsible_partner_id",
            "responsible_unit",
            "stakeholder_partner_ids",
            "start",
            "end",
            "energy_removed_mwh_per_year",
            "energy_substituted_mwh_per_year",
            "depends_on",
            "implementation_status",
            "total_cost_nok",
            "cumulative_reduction_tco2e",
            "cost_per_tco2e_nok",
        ]
        return header, [
            [
                a.id,
                a.name,
                a.type,
                a.field_of_action,
                a.systemic_lever,
                a.responsible_partner_id or "municipality",
                a.responsible_unit,
                " ".join(map(str, a.stakeholder_partner_ids)),
                a.timeline.start,
                a.timeline.end or "",
                a.energy_removed_mwh_per_year,
                a.energy_substituted_mwh_per_year,
                " ".join(a.depends_on),
                a.implementation_status,
                a.computed.total_cost_nok,
                format_tco2e(a.computed.cumulative_reduction_tco2e),
                a.computed.cost_per_tco2e_nok or "",
            ]
            for a in plan.b2_actions
        ]
    if table == "expected_reductions":
        return ["action_id", "gpc_reference", "year", "reduction_tco2e"], [
            [a.id, r.gpc_reference, r.year, format_tco2e(r.reduction_tco2e)]
            for a in plan.b2_actions
            for r in a.expected_reductions
        ]
    if table == "milestones":
        return ["action_id", "milestone", "due", "reached"], [
            [a.id, m.name, m.due, m.reached] for a in plan.b2_actions for m in a.timeline.milestones
        ]
    if table == "indicators":
        header = [
            "indicator_id",
            "name",
            "unit",
            "definition",
            "calculation",
            "data_source",
            "collection_interval",
            "target_2025",
            "target_2027",
            "target_2030",
            "action_ids",
            "live_source",
        ]
        return header, [
            [
                i.id,
                i.name,
                i.unit,
                i.definition,
                i.calculation,
                i.data_source,
                i.collection_interval,
                _opt(i.target_2025),
                _opt(i.target_2027),
                _opt(i.target_2030),
                " ".join(i.action_ids),
                _live(i.live_source),
            ]
            for i in plan.b3_indicators
        ]
    investment = export.investment_plan
    if table == "costs":
        return ["action_id", "year", "capex_nok", "opex_nok"], [
            [a.action_id, c.year, format_nok(c.capex_nok), format_nok(c.opex_nok)]
            for a in investment.actions
            for c in a.costs
        ]
    if table == "funding":
        return ["action_id", "year", "type", "funder", "amount_nok", "status"], [
            [a.action_id, f.year, f.type, f.funder, format_nok(f.amount_nok), f.status]
            for a in investment.actions
            for f in a.funding
        ]
    if table == "funding_gap":
        header = ["action_id", "year", "cost_nok", "committed_nok", "applied_for_nok", "gap_nok"]
        return header, [
            [
                g.action_id,
                c.year if c.year is not None else "total",
                format_nok(c.cost_nok),
                format_nok(c.committed_nok),
                format_nok(c.applied_for_nok),
                format_nok(c.gap_nok),
            ]
            for g in investment.funding_gap.by_action
            for c in [*g.years, g.total]
        ]
    if table == "emissions_gap":
        header = [
            "gpc_reference",
            "baseline_year",
            "baseline_tco2e",
            "target_year",
            "target_tco2e",
            "required_reduction_tco2e",
            "portfolio_reduction_tco2e",
            "gap_tco2e",
            "source",
        ]
        return header, [
            [
                s.gpc_reference,
                s.baseline_year,
                format_tco2e(s.baseline_tco2e),
                s.target_year,
                format_tco2e(s.target_tco2e),
                format_tco2e(s.required_reduction_tco2e),
                format_tco2e(s.portfolio_reduction_tco2e),
                format_tco2e(s.gap_tco2e),
                s.source,
            ]
            for s in plan.a2_emissions_gap_computed
        ]
    if table == "history":
        return ["at", "transition", "from_status", "to_status", "by", "module", "comment"], [
            [t.at.isoformat(), t.transition, t.from_status or "", t.to_status, t.by, module, text]
            for t in export.history
            for module, text in (sorted(t.comments.items()) or [("", "")])
        ]
    raise ValueError(table)


def _opt(value: object) -> str:
    return "" if value is None else f"{value}"


def _live(source: Any) -> str:
    if source is None:
        return ""
    if source.kind == "gpc":
        return f"gpc:{source.gpc_reference}"
    group = f"sensor_group:{source.group}" if source.group else "sensor_group"
    return " ".join([group, *source.sensor_ids])


def to_csv(export: CccExport, table: str) -> str:
    header, body = rows(export, table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


# --- the HTML report -------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:2px solid #2f6b3b;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.85rem}
th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eef4ef}td.n{text-align:right;font-variant-numeric:tabular-nums}
.en{color:#555;font-weight:normal}.meta{color:#444}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr{break-inside:avoid}
a{color:inherit;text-decoration:none}}
"""


def _h(nb: str, en: str, level: int = 2) -> str:
    return f'<h{level}>{escape(nb)} <span class="en">/ {escape(en)}</span></h{level}>'


def _table(header: Sequence[str], body: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    lines = []
    for row in body:
        cells = "".join(
            f'<td class="n">{escape(str(v))}</td>' if i in numeric else f"<td>{escape(str(v))}</td>"
            for i, v in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    if not lines:
        lines.append(f'<tr><td colspan="{len(header)}">Ingen / none</td></tr>')
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def _para(text: str) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip()) or "<p>-</p>"


def _items(items: Sequence[str]) -> str:
    return (
        "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else "<p>-</p>"
    )


def to_html(export: CccExport) -> str:
    names = {p.id: p.name for p in export.partners}

    def who(partner_id: object) -> str:
        return (
            "kommunen / the municipality"
            if partner_id is None
            else names.get(str(partner_id), str(partner_id))
        )

    c = export.commitments
    plan = export.action_plan
    inv = export.investment_plan
    gap = inv.funding_gap
    base = plan.a1_baseline_as_known
    baseline = (
        "<p>Ingen referanse / no reference</p>"
        if base is None
        else f"<p>Klimagassregnskap / inventory: {escape(base.city)} {base.year}, versjon / "
        f"version {base.version} — "
        + (
            f"publisert / published ({escape(base.level or '')}, "
            f"{format_tco2e(base.total_tco2e or 0)} tCO2e)"
            if base.published
            else "ikke sett publisert av contracts / not seen published by contracts"
        )
        + "</p>"
    )
    parts = [
        "<!doctype html>",
        '<html lang="nb"><head><meta charset="utf-8">',
        f"<title>Klimabykontrakt {escape(export.city)} v{export.version}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Klimabykontrakt / Climate City Contract — {escape(export.title or export.city)}</h1>",
        f'<p class="meta">By / city: {escape(export.city)} · versjon / version {export.version}'
        f" · status: {escape(export.status)} · eksportert / exported "
        f"{export.exported_at:%Y-%m-%d %H:%M} UTC</p>",
        _h("Forpliktelser", "Commitments"),
        _h("Mål og omfang", "Goal and scope", 3),
        _para(c.goal_and_scope),
        _h("Prioriteringer", "Priorities", 3),
        _items(c.priorities),
        _h("Prinsipper", "Principles", 3),
        _items(c.principles),
        _h("Nasjonal og regional støtte", "National and regional support", 3),
        _para(c.national_and_regional_support),
        _h("Oppfølging og endring", "Monitoring and amending", 3),
        _para(c.monitoring_and_amending),
        _h("Handlingsplan", "Action Plan"),
        _h("A-1 Utgangspunkt", "A-1 Baseline", 3),
        baseline,
        _h("A-2 Utslippsgap", "A-2 Emissions gap", 3),
        _para(plan.a2_emissions_gap.policy_assessment),
        _table(*rows(export, "emissions_gap"), numeric={1, 2, 3, 4, 5, 6, 7}),
        _h("A-3 Barrierer", "A-3 Barriers", 3),
        _items([b.description for b in plan.a3_barriers_and_stakeholders.barriers]),
        _h("A-3 Interessentkart", "A-3 Stakeholder map", 3),
        _table(
            ["Partner", "Rolle / role", "Innflytelse / influence", "Interesse / interest"],
            [
                [who(e.partner_id), e.role, e.influence, e.interest]
                for e in plan.a3_barriers_and_stakeholders.stakeholder_map
            ],
            numeric=set(),
        ),
        _h("B-1 Virkningskjeder", "B-1 Impact pathways", 3),
        _table(
            ["Navn / name", "Tiltak / actions", "Resultater / outcomes"],
            [
                [p.name, " ".join(p.action_ids), "; ".join(p.outcomes)]
                for p in plan.b1_impact_pathways
            ],
            numeric=set(),
        ),
        _h("B-2 Tiltaksportefølje", "B-2 Action portfolio", 3),
        _table(
            [
                "Id",
                "Navn / name",
                "Innsatsområde / field",
                "Ansvarlig / responsible",
                "Status",
                "Kostnad / cost NOK",
                "Kutt / cut tCO2e (cum.)",
                "NOK/tCO2e",
            ],
            [
                [
                    a.id,
                    a.name,
                    a.field_of_action,
                    who(a.responsible_partner_id),
                    a.implementation_status,
                    a.computed.total_cost_nok,
                    format_tco2e(a.computed.cumulative_reduction_tco2e),
                    a.computed.cost_per_tco2e_nok or "-",
                ]
                for a in plan.b2_actions
            ],
            numeric={5, 6, 7},
        ),
        _h("Forventede utslippskutt", "Expected reductions", 3),
        _table(*rows(export, "expected_reductions"), numeric={2, 3}),
        _h("B-2.3 Restutslipp", "B-2.3 Residual emissions", 3),
        _para(plan.b2_3_residual_emissions),
        _h("B-3 Indikatorer", "B-3 MEL indicators", 3),
        _table(
            ["Id", "Navn / name", "Enhet / unit", "2025", "2027", "2030", "Kilde / source"],
            [
                [
                    i.id,
                    i.name,
                    i.unit,
                    _opt(i.target_2025),
                    _opt(i.target_2027),
                    _opt(i.target_2030),
                    i.data_source,
                ]
                for i in plan.b3_indicators
            ],
            numeric={3, 4, 5},
        ),
        _h("Investeringsplan", "Investment Plan"),
        _h("Finansieringsgap per tiltak og år", "Funding gap per action and year", 3),
        _table(*rows(export, "funding_gap"), numeric={2, 3, 4, 5}),
        _h("Finansieringsgap per år", "Funding gap per year", 3),
        _table(
            ["År / year", "Kostnad / cost", "Bevilget / committed", "Søkt / applied for", "Gap"],
            [
                [
                    y.year,
                    format_nok(y.cost_nok),
                    format_nok(y.committed_nok),
                    format_nok(y.applied_for_nok),
                    format_nok(y.gap_nok),
                ]
                for y in [*gap.by_year, gap.total]
            ],
            numeric={1, 2, 3, 4},
        ),
        _h("Finansieringskilder", "Funding sources", 3),
        _table(*rows(export, "funding"), numeric={1, 4}),
        _h("Risiko", "Risks", 3),
        _para(inv.risks),
        _h("Historikk", "History"),
        _table(*rows(export, "history"), numeric=set()),
        "</body></html>",
    ]
    return "\n".join(parts)
