"""A handful of real resources for the demo (``klimaby seed --demo``), from the seeds'
references; the texts are the hub's own short descriptions of them. Idempotent by slug."""

from __future__ import annotations

from services.hub.resources import service
from services.hub.resources.repository import ResourceRepository
from services.hub.resources.schemas import ResourceCreate, TranslationIn
from shared.auth import Principal
from shared.db import Database

SEEDER = Principal(subject="klimaby-seed", role="admin")

DEMO_RESOURCES: tuple[dict[str, object], ...] = (
    {
        "slug": "netzerocities-climate-city-contract",
        "kind": "guide",
        "origin": "NetZeroCities",
        "netzerocities": True,
        "url": "https://netzerocities.eu/",
        "language": "en",
        "text": {
            "title": "Climate City Contract template",
            "summary": "The NetZeroCities template of a Climate City Contract: commitments, action plan and investment plan.",
            "body": "Commitments: goal and scope, priorities, principles, national and regional support, monitoring and stakeholder commitments. Action plan: baseline inventory, emissions gap, systemic barriers, impact pathways, an action portfolio with a greenhouse gas reduction estimate per emission sector, and MEL indicators. Investment plan: existing funding, funding gaps per action, public and private capital.",
        },
        "tags": {"effort_areas": ["land_use_transport", "buildings_energy", "consumption_waste"],
                 "gpc_sectors": ["I", "II", "III"], "cities": ["oslo", "trondheim", "stavanger"]},
        "translations": {
            "nb": {
                "status": "machine",
                "title": "Mal for klimabykontrakt (Climate City Contract)",
                "summary": "NetZeroCities' mal for en klimabykontrakt: forpliktelser, handlingsplan og investeringsplan.",
                "body": "Forpliktelser: mål og omfang, prioriteringer, prinsipper, nasjonal og regional støtte, oppfølging og forpliktelser fra partnere. Handlingsplan: utslippsregnskap for basisåret, utslippsgapet, systemiske barrierer, virkningskjeder, en tiltaksportefølje med anslått utslippskutt per sektor, og indikatorer. Investeringsplan: eksisterende finansiering og finansieringsbehov per tiltak.",
            }
        },
    },
    {
        "slug": "ghg-protocol-for-cities",
        "kind": "tool",
        "tool_kind": "measurement_method",
        "origin": "GHG Protocol for Cities (WRI, C40, ICLEI)",
        "url": "https://ghgprotocol.org/ghg-protocol-cities",
        "language": "en",
        "text": {
            "title": "GHG Protocol for Cities (GPC)",
            "summary": "The accounting frame of a city inventory: scopes 1, 2 and 3 and the BASIC and BASIC+ reporting levels.",
            "body": "Scope 1 covers emissions from sources inside the city boundary, scope 2 grid-supplied electricity, heat, steam and cooling, scope 3 other out-of-boundary emissions. BASIC covers stationary energy and transportation at scopes 1 and 2 and waste; BASIC+ adds industrial processes, agriculture, forestry and land use and more of scope 3.",
        },
        "tags": {"effort_areas": ["land_use_transport", "buildings_energy", "consumption_waste"],
                 "gpc_sectors": ["I", "II", "III", "IV", "V"]},
    },
    {
        "slug": "klimagassutslipp-fra-kommuner",
        "kind": "tool",
        "tool_kind": "measurement_method",
        "origin": "Miljødirektoratet",
        "url": "https://www.miljodirektoratet.no/",
        "language": "nb",
        "text": {
            "title": "Klimagassutslipp fra kommuner",
            "summary": "Miljødirektoratets kommunefordelte utslippsstatistikk: territorielle utslipp per sektor.",
            "body": "Statistikken er territoriell: strøm og fjernvarme teller null for forbrukeren. Sektorene er industri, olje og gass; energiforsyning; oppvarming; veitrafikk; sjøfart; luftfart; annen mobil forbrenning; jordbruk; avfall og avløp. Tallene brukes i klimabudsjettet og for å følge utslippene over tid.",
        },
        "tags": {"effort_areas": ["land_use_transport", "buildings_energy", "consumption_waste"],
                 "gpc_sectors": ["I", "II", "III", "V"]},
    },
    {
        "slug": "klimaplan-og-klimabudsjett-malselv",
        "kind": "case_study",
        "origin": "Målselv kommune",
        "language": "nb",
        "text": {
            "title": "Klimaplan og klimabudsjett i Målselv kommune",
            "summary": "Erfaringer fra Målselv kommune, delt på klimasamlingen for kommunene i Troms og Finnmark 18. november 2020.",
            "body": "Målselv kommune la fram sin klimaplan og sitt klimabudsjett i økta «Eksempler på lokalt klimaarbeid – kommuner deler erfaringer». Et klimabudsjett setter årlige utslippsrammer per sektor og viser tiltakene som skal gi kuttene.",  # noqa: RUF001 (the source's dash)
        },
        "tags": {"effort_areas": ["land_use_transport", "buildings_energy"], "gpc_sectors": ["I", "II"],
                 "cities": ["tromso"]},
    },
    {
        "slug": "vaer-smart-klimatilpasning",
        "kind": "guide",
        "origin": "Miljødirektoratet",
        "language": "nb",
        "text": {
            "title": "«Vær smart!» – kursopplegg om klimatilpasning for kommunene",  # noqa: RUF001
            "summary": "Miljødirektoratets kurs for kommunale saksbehandlere og ansvarlige innen kommunalteknikk, landbruk, plan, byggesak, miljø, beredskap og jurister.",
            "body": "Et hovedmål med kurset er bedre tverrfaglig samhandling om klimatilpasning; kommunene oppfordres til å delta med representanter fra flere fagområder.",
            "locally_adapted": True,
        },
        "tags": {"effort_areas": ["adaptation"]},
    },
    {
        "slug": "klimakrav-i-anskaffelser",
        "kind": "guide",
        "origin": "Digitaliseringsdirektoratet",
        "language": "nb",
        "text": {
            "title": "Hvordan bruke anskaffelser til å redusere klimagassutslipp?",
            "summary": "Digitaliseringsdirektoratets veiledning om grønne offentlige anskaffelser og klimakrav i innkjøp.",
            "body": "Slik stiller vi effektive klimakrav i anskaffelsene; innovative anskaffelser; elektrifisering av kommunal bilpark og utslippsfrie byggeplasser.",
        },
        "tags": {"effort_areas": ["consumption_waste", "land_use_transport"], "gpc_sectors": ["II", "III"]},
    },
    {
        "slug": "klimaby-klimabudsjett-sanntid",
        "kind": "tool",
        "tool_kind": "climate_budget_model",
        "origin": "Klimaby",
        "language": "nb",
        "text": {
            "title": "Klimabudsjett med løpende tempo per sektor",
            "summary": "Klimabys modell for klimabudsjettet: årlige utslippsrammer per sektor, tiltak med forventet kutt, og årets tempo målt mot den forholdsmessige rammen.",
            "body": "Rammene følger en lineær bane fra basisåret til målåret; tiltakene viser gapet som gjenstår; sanntidsmålinger fra sensorer gir årets tempo per sektor: i rute, i fare eller ikke i rute.",
        },
        "tags": {"effort_areas": ["land_use_transport", "buildings_energy"], "gpc_sectors": ["I", "II"],
                 "cities": ["oslo", "trondheim", "stavanger"]},
    },
)  # fmt: skip


async def seed_resources(db: Database) -> None:
    async with db.transaction() as session:
        for raw in DEMO_RESOURCES:
            item = dict(raw)
            translations = item.pop("translations", {})
            if await ResourceRepository(session).get(str(item["slug"])) is not None:
                continue
            resource = await service.create(session, SEEDER, ResourceCreate.model_validate(item))
            for language, text in dict(translations).items():  # type: ignore[call-overload]
                await service.set_text(
                    session, SEEDER, resource.slug, language, TranslationIn.model_validate(text)
                )
