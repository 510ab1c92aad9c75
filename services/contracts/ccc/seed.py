"""Oslo's demo Climate City Contract (``klimaby seed --demo``): twelve actions across the four
effort areas, their MEL indicators, costing and funding, and Oslo's demo partners.

The figures are made up for the demo, in the order of magnitude of a city like Oslo; they are
not Oslo's official statistics, and the A-2 sources say so. The contract is taken through the
whole label lifecycle (with the reviewer's comments), so that the demo shows a labelled,
tracked version. Idempotent: nothing is added when Oslo has a CCC already.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.ccc import service
from services.contracts.ccc.repository import CccRepository
from services.contracts.ccc.schemas import CccDocument, TransitionRequest
from services.contracts.partners.repository import PartnerRepository
from shared.auth import Principal
from shared.messaging.outbox import Outbox

CITY = "oslo"
SEEDER = Principal(subject="klimaby-seed", role="admin")
# Oslo's demo partners (services/contracts/seed.py), by organisation number.
HEAT = "965807764"  # Bjørvika Varme AS
STREETS = "886236417"  # Grønne Gater Oslo
RESEARCH = "977889456"  # Nordre Aker Forskningssenter

SOURCE = "Demo-tall / demo figures, not Oslo's official statistics"


def _action(
    action_id: str,
    name: str,
    field: str,
    lever: str,
    kind: str,
    description: str,
    start: str,
    end: str,
    reductions: list[tuple[str, int, int]],
    *,
    responsible: str | None = None,
    stakeholders: tuple[str, ...] = (),
    depends_on: tuple[str, ...] = (),
    status: str = "in_progress",
    energy: tuple[int, int] = (0, 0),
    milestones: tuple[tuple[str, str, bool], ...] = (),
) -> dict[str, Any]:
    return {
        "id": action_id,
        "name": name,
        "type": kind,
        "description": description,
        "field_of_action": field,
        "systemic_lever": lever,
        "responsible_partner_id": responsible,
        "responsible_unit": "" if responsible else "Klimaetaten",
        "stakeholder_partner_ids": list(stakeholders),
        "timeline": {
            "start": start,
            "end": end,
            "milestones": [{"name": n, "due": d, "reached": r} for n, d, r in milestones],
        },
        "energy_removed_mwh_per_year": str(energy[0]),
        "energy_substituted_mwh_per_year": str(energy[1]),
        "expected_reductions": [
            {"gpc_reference": ref, "year": year, "reduction_tco2e": str(t)}
            for ref, year, t in reductions
        ],
        "depends_on": list(depends_on),
        "implementation_status": status,
    }


def _investment(
    action_id: str, costs: list[tuple[int, int, int]], funding: list[tuple[int, str, str, int, str]]
) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "costs": [{"year": y, "capex_nok": str(c), "opex_nok": str(o)} for y, c, o in costs],
        "funding": [
            {"year": y, "type": t, "funder": f, "amount_nok": str(a), "status": s}
            for y, t, f, a, s in funding
        ],
    }


def demo_document(partners: dict[str, str]) -> dict[str, Any]:
    heat, streets, research = partners[HEAT], partners[STREETS], partners[RESEARCH]
    transport, buildings = "land_use_and_transport", "buildings_and_energy"
    waste, adaptation = "consumption_and_waste", "adaptation"
    actions = [
        _action("TR-01", "Utslippsfrie busser i hele Oslo", transport,
                "technology_and_infrastructure", "Investering",
                "Alle bybusser elektriske; ladepunkter i alle bussanlegg.",
                "2023-01-01", "2028-12-31", [("II.1", 2025, 20_000), ("II.1", 2028, 45_000)],
                energy=(180_000, 60_000),
                milestones=(("Halve flåten elektrisk", "2025-12-31", True),)),
        _action("TR-02", "Bilfrie nabolag i Gamle Oslo", transport, "democracy_and_participation",
                "Pilot", "Gater for folk: gjennomkjøring stengt, parkering omgjort.",
                "2024-04-01", "2027-12-31", [("II.1", 2025, 1_500), ("II.1", 2027, 4_000)],
                responsible=streets, stakeholders=(research,)),
        _action("TR-03", "Sammenhengende sykkelveinett", transport, "governance_and_policy",
                "Infrastruktur", "Hovedsykkelveinettet ferdig, med vinterdrift.",
                "2022-01-01", "2030-12-31", [("II.1", 2025, 3_000), ("II.1", 2030, 12_000)],
                depends_on=("TR-02",), status="in_progress"),
        _action("TR-04", "Landstrøm og utslippsfri havn", transport,
                "technology_and_infrastructure", "Investering",
                "Landstrøm for cruise- og containerskip, elektriske havnemaskiner.",
                "2024-01-01", "2030-12-31", [("II.3", 2026, 8_000), ("II.3", 2030, 30_000)],
                stakeholders=(heat,)),
        _action("TR-05", "Utslippsfrie byggeplasser", transport, "governance_and_policy",
                "Regulering", "Krav om utslippsfri maskinpark i kommunale anskaffelser.",
                "2023-01-01", "2030-12-31", [("II.5", 2025, 5_000), ("II.5", 2030, 25_000)]),
        _action("BE-01", "Fossilfri fjernvarme", buildings, "technology_and_infrastructure",
                "Investering", "Spisslast på olje og gass erstattes av biogass og varmepumper.",
                "2024-01-01", "2029-12-31", [("I.2", 2026, 6_000), ("I.2", 2029, 18_000)],
                responsible=heat, stakeholders=(research,), energy=(0, 90_000),
                milestones=(("Oljekjel Bjørvika utfaset", "2026-06-30", False),)),
        _action("BE-02", "Energieffektive kommunale bygg", buildings, "finance_and_funding",
                "Investering", "Etterisolering, styring og varmegjenvinning i 200 bygg.",
                "2023-01-01", "2030-12-31", [("I.2", 2025, 1_000), ("I.2", 2030, 4_000)],
                energy=(60_000, 0), depends_on=("BE-01",)),
        _action("BE-03", "Utfasing av fossil oppvarming i boliger", buildings,
                "learning_and_capabilities", "Rådgivning og tilskudd",
                "Tilskudd og rådgivning til borettslag som fjerner gasskjeler.",
                "2024-01-01", "2028-12-31", [("I.1", 2025, 2_000), ("I.1", 2028, 7_000)],
                stakeholders=(streets,), energy=(0, 25_000)),
        _action("CW-01", "Karbonfangst ved Klemetsrud", waste, "technology_and_infrastructure",
                "Investering", "Fangst og lagring av CO2 fra avfallsforbrenningen.",
                "2024-01-01", "2029-12-31", [("III.3", 2029, 150_000), ("III.3", 2030, 200_000)],
                stakeholders=(research,), status="in_preparation"),
        _action("CW-02", "Halvert matsvinn", waste, "social_innovation", "Kampanje",
                "Matsvinn i kommunale kjøkken og husholdninger halveres.",
                "2024-01-01", "2030-12-31", [("III.2", 2027, 2_000), ("III.2", 2030, 5_000)],
                stakeholders=(streets,)),
        _action("AD-01", "Blågrønne strukturer og overvann", adaptation,
                "technology_and_infrastructure", "Infrastruktur",
                "Åpne bekker, regnbed og grønne tak tar unna styrtregn.",
                "2024-01-01", "2030-12-31", [], status="in_progress"),
        _action("AD-02", "Bytrær og skygge", adaptation, "democracy_and_participation",
                "Planting", "10 000 nye bytrær, prioritert i de varmeste bydelene.",
                "2025-01-01", "2030-12-31", [], stakeholders=(streets, research),
                status="planned"),
    ]  # fmt: skip
    investments = [
        _investment("TR-01", [(2025, 400_000_000, 30_000_000), (2026, 250_000_000, 35_000_000)],
                    [(2025, "municipal_budget", "Oslo kommune", 300_000_000, "committed"),
                     (2025, "state_grant_klimasats", "Miljødirektoratet", 50_000_000, "committed"),
                     (2026, "municipal_budget", "Oslo kommune", 200_000_000, "committed"),
                     (2026, "state_grant_enova", "Enova", 40_000_000, "applied_for")]),
        _investment("TR-02", [(2025, 12_000_000, 2_000_000)],
                    [(2025, "municipal_budget", "Bydel Gamle Oslo", 8_000_000, "committed"),
                     (2025, "horizon_europe", "Europakommisjonen", 4_000_000, "applied_for")]),
        _investment("TR-03", [(2025, 150_000_000, 10_000_000), (2026, 150_000_000, 10_000_000)],
                    [(2025, "municipal_budget", "Oslo kommune", 160_000_000, "committed"),
                     (2026, "state_grant_other", "Statens vegvesen (byvekstavtale)",
                      100_000_000, "committed")]),
        _investment("TR-04", [(2026, 220_000_000, 5_000_000)],
                    [(2026, "state_grant_enova", "Enova", 80_000_000, "committed"),
                     (2026, "loan", "Kommunalbanken", 100_000_000, "applied_for")]),
        _investment("TR-05", [(2025, 0, 15_000_000)],
                    [(2025, "municipal_budget", "Oslo kommune", 15_000_000, "committed")]),
        _investment("BE-01", [(2025, 300_000_000, 0), (2026, 200_000_000, 0)],
                    [(2025, "private_capital", "Bjørvika Varme AS", 200_000_000, "committed"),
                     (2025, "state_grant_enova", "Enova", 60_000_000, "committed"),
                     (2026, "private_capital", "Bjørvika Varme AS", 100_000_000, "committed")]),
        _investment("BE-02", [(2025, 80_000_000, 0), (2026, 80_000_000, 0)],
                    [(2025, "municipal_budget", "Oslo kommune", 80_000_000, "committed"),
                     (2026, "loan", "Kommunalbanken", 50_000_000, "applied_for")]),
        _investment("BE-03", [(2025, 0, 20_000_000)],
                    [(2025, "state_grant_klimasats", "Miljødirektoratet", 10_000_000,
                      "committed")]),
        _investment("CW-01", [(2026, 1_500_000_000, 0), (2027, 1_500_000_000, 0)],
                    [(2026, "state_grant_other", "Staten (Langskip)", 1_000_000_000, "committed"),
                     (2026, "horizon_europe", "EU Innovation Fund", 500_000_000, "applied_for"),
                     (2027, "municipal_budget", "Oslo kommune", 600_000_000, "committed")]),
        _investment("CW-02", [(2025, 0, 3_000_000)],
                    [(2025, "municipal_budget", "Oslo kommune", 3_000_000, "committed")]),
        _investment("AD-01", [(2025, 60_000_000, 5_000_000)],
                    [(2025, "municipal_budget", "Oslo kommune", 40_000_000, "committed")]),
        _investment("AD-02", [(2025, 10_000_000, 2_000_000)],
                    [(2025, "eu_other", "LIFE-programmet", 6_000_000, "applied_for")]),
    ]  # fmt: skip
    indicators = [
        {"id": "IND-TR-1", "name": "Utslipp fra veitrafikk (målt)", "unit": "tCO2e",
         "definition": "Live utslipp i GPC II.1 fra trafikktellere",
         "calculation": "Kjøretøykm ganger utslippsfaktor per kjøretøyklasse",
         "data_source": "Klimaby inventory (live)", "collection_interval": "continuous",
         "target_2025": "300000", "target_2027": "220000", "target_2030": "80000",
         "action_ids": ["TR-01", "TR-02", "TR-03"],
         "live_source": {"kind": "gpc", "gpc_reference": "II.1"}},
        {"id": "IND-TR-2", "name": "Andel utslippsfrie busser", "unit": "%",
         "data_source": "Ruter", "collection_interval": "quarterly",
         "target_2025": "60", "target_2027": "85", "target_2030": "100", "action_ids": ["TR-01"]},
        {"id": "IND-TR-3", "name": "Sykkelandel av reiser", "unit": "%",
         "data_source": "Reisevaneundersøkelsen", "collection_interval": "yearly",
         "target_2025": "10", "target_2027": "13", "target_2030": "16", "action_ids": ["TR-03"]},
        {"id": "IND-BE-1", "name": "Fossil andel i fjernvarmen", "unit": "%",
         "data_source": "Bjørvika Varme AS", "collection_interval": "monthly",
         "target_2025": "4", "target_2027": "1", "target_2030": "0", "action_ids": ["BE-01"]},
        {"id": "IND-BE-2", "name": "Energibruk i kommunale bygg", "unit": "kWh/m²",
         "data_source": "Energimålere (sensorgruppe)", "collection_interval": "continuous",
         "target_2025": "150", "target_2030": "120", "action_ids": ["BE-02"],
         # The simulated gateway's municipal-buildings meter (services/sensors/simulator.py).
         "live_source": {"kind": "sensor_group", "group": "kommunale-bygg"}},
        {"id": "IND-CW-1", "name": "CO2 fanget ved Klemetsrud", "unit": "tCO2",
         "data_source": "Hafslund Celsio", "collection_interval": "yearly",
         "target_2030": "400000", "action_ids": ["CW-01"]},
        {"id": "IND-CW-2", "name": "Matsvinn per innbygger", "unit": "kg/år",
         "data_source": "Avfallsstatistikk", "collection_interval": "yearly",
         "target_2025": "40", "target_2030": "25", "action_ids": ["CW-02"]},
        {"id": "IND-AD-1", "name": "Areal med blågrønne løsninger", "unit": "m²",
         "data_source": "Bymiljøetaten", "collection_interval": "yearly",
         "target_2025": "50000", "target_2027": "90000", "target_2030": "150000",
         "action_ids": ["AD-01", "AD-02"]},
    ]  # fmt: skip
    return {
        "title": "Oslos klimabykontrakt / Oslo's Climate City Contract (demo)",
        "commitments": {
            "goal_and_scope": "Oslo skal være klimanøytral i 2030: direkte utslipp i GPC "
            "sektor I-III innenfor kommunegrensen, med veitrafikk og avfall som de største.",
            "priorities": ["Utslippsfri transport", "Fossilfri energi", "Karbonfangst"],
            "principles": ["Rettferdig omstilling", "Åpne data", "Samarbeid med innbyggerne"],
            "national_and_regional_support": "Klimasats, Enova og byvekstavtalen med staten.",
            "monitoring_and_amending": "Klimabudsjettet følges opp live; kontrakten "
            "revideres årlig.",
        },
        "a1_baseline": {"city": CITY, "year": 2022, "version": 1},
        "a2_emissions_gap": {
            "policy_assessment": "Vedtatte tiltak dekker ikke hele gapet i veitrafikk.",
            "sectors": [
                {
                    "gpc_reference": ref,
                    "baseline_year": 2022,
                    "baseline_tco2e": str(b),
                    "target_year": 2030,
                    "target_tco2e": str(t),
                    "source": SOURCE,
                }
                for ref, b, t in (
                    ("II.1", 420_000, 80_000),
                    ("II.3", 60_000, 10_000),
                    ("II.5", 70_000, 10_000),
                    ("I.1", 30_000, 0),
                    ("I.2", 90_000, 10_000),
                    ("III", 230_000, 40_000),
                )
            ],
        },
        "a3_barriers_and_stakeholders": {
            "barriers": [
                {"description": "Høye investeringskostnader for karbonfangst", "lever": "finance"},
                {"description": "Kapasitet i strømnettet for lading", "lever": "infrastructure"},
            ],
            "stakeholder_map": [
                {
                    "partner_id": heat,
                    "role": "Fjernvarmeleverandør",
                    "influence": "high",
                    "interest": "high",
                },
                {
                    "partner_id": streets,
                    "role": "Nabolagsorganisasjon",
                    "influence": "medium",
                    "interest": "high",
                },
                {
                    "partner_id": research,
                    "role": "Forskning og evaluering",
                    "influence": "low",
                    "interest": "high",
                },
            ],
        },
        "b1_impact_pathways": [
            {
                "name": "Utslippsfri mobilitet",
                "action_ids": ["TR-01", "TR-02", "TR-03"],
                "outcomes": ["Færre bilturer", "Elektrisk kollektivtrafikk"],
            },
            {
                "name": "Fossilfri varme",
                "action_ids": ["BE-01", "BE-02", "BE-03"],
                "outcomes": ["Ingen fossil oppvarming"],
            },
        ],
        "b2_actions": actions,
        "b2_3_residual_emissions": "Restutslipp fra luftfart og anleggsmaskiner motvirkes med "
        "karbonfangst (CW-01); ingen kjøp av kvoter.",
        "b3_indicators": indicators,
        "investment_plan": {
            "actions": investments,
            "public_and_private_capital": "Kommunen, staten, EU og private partnere.",
            "cost_scenarios": "Karbonfangst: +/- 30 %.",
            "risks": "Forsinket statlig støtte til karbonfangst; kapasitet i strømnettet.",
        },
    }


LIFECYCLE: tuple[tuple[str, dict[str, str]], ...] = (
    ("submit", {"commitments": "Sendt til vurdering / submitted for review"}),
    ("start_review", {}),
    (
        "request_revision",
        {
            "investment_plan": "Finansieringen av CW-01 må spesifiseres",
            "b3_indicators": "Legg til datakilde for IND-BE-2",
        },
    ),
    ("resubmit", {"investment_plan": "CW-01 finansiering spesifisert"}),
    ("start_review", {}),
    ("award", {"commitments": "Mission Label tildelt / awarded"}),
)


async def seed_demo_ccc(session: AsyncSession, outbox: Outbox) -> None:
    """Oslo's labelled demo CCC, in the seed's transaction; nothing if Oslo has one."""
    if await CccRepository(session).newest(CITY) is not None:
        return
    repo = PartnerRepository(session)
    partners: dict[str, str] = {}
    for number in (HEAT, STREETS, RESEARCH):
        partner = await repo.get_by_organisation_number(CITY, number)
        if partner is None:
            return  # the demo partners come first (services/contracts/seed.py)
        partners[number] = str(partner.id)
    document = CccDocument.model_validate(demo_document(partners))
    await service.start_ccc(session, outbox, SEEDER, CITY, document)
    for transition, comments in LIFECYCLE:
        await service.transition(
            session,
            outbox,
            SEEDER,
            CITY,
            1,
            TransitionRequest.model_validate({"transition": transition, "comments": comments}),
        )
