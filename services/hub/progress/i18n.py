"""The dashboard's words in Norwegian bokmål (first) and English, and the choice between them:
``?lang=nb|en`` wins, then the browser's ``Accept-Language``, then bokmål."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from fastapi import Request

LANGUAGES = ("nb", "en")
DEFAULT = "nb"
_ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "en": "en"}

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "hub": "Klimaby kunnskapsnode",
        "skip": "Hopp til innholdet",
        "switch": "English",
        "switch_label": "Language / språk",
        "national_title": "Klimanøytrale byer",
        "national_intro": "Alle byer sammenlignet på samme grunnlag: siste publiserte "
        "klimagassregnskap per innbygger, andel kuttet fra referanseåret, og årets tempo.",
        "no_cities": "Ingen by er kjent ennå. Byer vises her så snart den første hendelsen "
        "om dem kommer.",
        "all_cities": "Alle byer",
        "city": "By",
        "latest_year": "Siste regnskapsår",
        "total": "Utslipp (t CO₂e)",
        "per_capita": "Per innbygger (t CO₂e)",
        "cut": "Kuttet fra referanseåret",
        "live_this_year": "Målt i år (t CO₂e)",
        "live_per_capita": "Målt i år per innbygger (t CO₂e)",
        "off_track": "Sektorer ikke i rute",
        "no_data_count": "Sektorer uten data",
        "national_caption": "Byene sammenlignet per innbygger",
        "national_basis": "Grunnlaget: hver bys nyeste publiserte klimagassregnskap (totalen for nivået, med GWP-settet det ble publisert med) per innbygger etter SSBs folketall (tabell 07459) for regnskapsåret, eller nærmeste tidligere år med verifisert tall; andelen kuttet regnes mot byens referanseår.",
        "no_inventory_yet": "Ikke publisert klimagassregnskap ennå, derfor ingen tall per innbygger: {cities}.",
        "actions_on_course": "Tiltak i rute",
        "actions_behind": "Tiltak forsinket",
        "label": "Mission Label",
        "per_capita_chart": "Utslipp per innbygger, siste publiserte år",
        "no_per_capita": "Ingen by har både et publisert regnskap og befolkningstall ennå.",
        "mission_city": "EU-misjonsby",
        "zone": "Tidssone",
        "live_heading": "Målt så langt i {year}",
        "live_note": "Regnet om fra energi- og trafikksensorer etter hvert som målingene "
        "kommer; år og måneder i byens lokale tid ({zone}).",
        "readings": "Målinger",
        "people": "Innbyggere {year}",
        "ceiling": "Utslippstak {year}",
        "pace_heading": "Årets tempo per sektor mot klimabudsjettet",
        "sector": "Sektor",
        "measured": "Målt (t CO₂e)",
        "estimate": "Budsjettets anslag (t CO₂e)",
        "prorated": "Forventet hittil (t CO₂e)",
        "measured_share": "Målt andel",
        "status": "Status",
        "no_pace": "Ingen sektor har fått et tempo vurdert mot budsjettet ennå.",
        "month_heading": "Årets utslipp per måned mot utslippstaket",
        "month": "Måned",
        "cumulative": "Hittil i år (t CO₂e)",
        "ceiling_cumulative": "Taket jevnt fordelt (t CO₂e)",
        "month_note": "Taket er summen av de budsjetterte sektorenes tak, fordelt likt på "
        "månedene.",
        "year_heading": "Utslipp per sektor og år mot utviklingsbanen",
        "year": "År",
        "trajectory": "Utviklingsbane (t CO₂e)",
        "trajectory_target": "målets utviklingsbane fra referanseåret",
        "trajectory_budget": "klimabudsjettets tak",
        "no_inventory": "Byen har ikke publisert noe klimagassregnskap ennå.",
        "baseline": "Referanseår {year}: {tonnes} t CO₂e",
        "cut_share": "Kuttet fra referanseåret: {share}",
        "baseline_source": "regnskapet {inventory}",
        "cut_estimate": "Anslag for {year} hittil: {share} kuttet fra referanseåret",
        "cut_estimate_note": "Et anslag, ikke et publisert regnskap: budsjettets anslag hittil i {year} ({estimate} t CO₂e) mot referanseårets utslipp fram til samme tid i året ({so_far} t CO₂e), evaluert fra {date}.",
        "cut_estimate_short": "anslag {year}",
        "no_cut_yet": "Ingen andel kuttet ennå: ikke noe publisert regnskap etter referanseåret {year}, og årets anslag mangler for en sektor eller bygger ikke på målinger.",
        "actions_heading": "Tiltak i klimabykontrakten etter status",
        "count": "Antall",
        "no_actions": "Ingen tiltak er meldt ennå.",
        "label_heading": "Mission Label og klimabykontrakt",
        "label_state": "Mission Label: {state}",
        "contract_state": "Klimabykontrakt: {state}",
        "no_label": "Ingen Mission Label er meldt ennå.",
        "estimate_so_far": "Budsjettets anslag hittil i {year}",
        "expected_so_far": "Forventet hittil etter taket",
        "estimate_note": "Målingene dekker bare en del av utslippene; budsjettets anslag regner dem opp til hele sektoren og står mot den delen av taket som er ventet så langt i året (sektorene med tempo: {sectors}).",
        "draft": "utkast",
        "submitted": "sendt inn",
        "in_review": "til vurdering",
        "revision_requested": "bedt om endringer",
        "resubmitted": "sendt inn på nytt",
        "label_awarded": "tildelt",
        "awarded": "tildelt",
        "partners_heading": "Partnere og intensjonsavtaler",
        "partners": "Partnere",
        "mous_signed": "Signerte avtaler",
        "mous_drafted": "Avtaleutkast",
        "all_time": "Målt i alt, alle år",
        "live_status": "Tallene oppdateres fortløpende.",
        "offline": "Huben kan ikke nås akkurat nå; prøver igjen.",
        "not_found_title": "Ukjent by",
        "not_found": "Huben kjenner ingen by med kortnavnet «{city}».",
        "not_found_hint": "Se listen over alle byer.",
        "footer": "Klimaby kunnskapsnode · tallene er hentet fra byenes publiserte hendelser.",
        "chart_alt": "Diagram; tallene står i tabellen under.",
        "none": "\u2013",
        "on_track": "i rute",
        "at_risk": "i fare",
        "off_track_status": "ikke i rute",
        "no_data": "ingen data",
        "on_course": "i rute",
        "behind": "forsinket",
        "other": "annet",
        "yes": "ja",
    },
    "en": {
        "hub": "Klimaby knowledge hub",
        "skip": "Skip to content",
        "switch": "Norsk (bokmål)",
        "switch_label": "Språk / language",
        "national_title": "Climate-neutral cities",
        "national_intro": "Every city compared on the same basis: its latest published "
        "greenhouse-gas inventory per resident, the share cut from its baseline, and this "
        "year's pace.",
        "no_cities": "No city has been heard of yet. Cities appear here as soon as their first "
        "event arrives.",
        "all_cities": "All cities",
        "city": "City",
        "latest_year": "Latest inventory year",
        "total": "Emissions (t CO₂e)",
        "per_capita": "Per resident (t CO₂e)",
        "cut": "Cut from the baseline",
        "live_this_year": "Measured this year (t CO₂e)",
        "live_per_capita": "Measured this year per resident (t CO₂e)",
        "off_track": "Sectors off track",
        "no_data_count": "Sectors without data",
        "national_caption": "The cities compared per resident",
        "national_basis": "The basis: each city's newest published greenhouse-gas inventory (the total of its level, in the GWP set it was published with) per resident by SSB's population (table 07459) of the inventory year, or the nearest earlier year with a verified figure; the share cut is against the city's baseline.",
        "no_inventory_yet": "No greenhouse-gas inventory published yet, so no figure per resident: {cities}.",
        "actions_on_course": "Actions on course",
        "actions_behind": "Actions behind",
        "label": "Mission Label",
        "per_capita_chart": "Emissions per resident, latest published year",
        "no_per_capita": "No city has both a published inventory and population figures yet.",
        "mission_city": "EU mission city",
        "zone": "Time zone",
        "live_heading": "Measured so far in {year}",
        "live_note": "Converted from energy and traffic sensor readings as they arrive; years "
        "and months in the city's local time ({zone}).",
        "readings": "Readings",
        "people": "Residents {year}",
        "ceiling": "Emission ceiling {year}",
        "pace_heading": "This year's pace per sector against the climate budget",
        "sector": "Sector",
        "measured": "Measured (t CO₂e)",
        "estimate": "Budget's estimate (t CO₂e)",
        "prorated": "Expected by now (t CO₂e)",
        "measured_share": "Measured share",
        "status": "Status",
        "no_pace": "No sector's pace has been evaluated against the budget yet.",
        "month_heading": "This year's emissions by month against the ceiling",
        "month": "Month",
        "cumulative": "Year to date (t CO₂e)",
        "ceiling_cumulative": "Ceiling spread evenly (t CO₂e)",
        "month_note": "The ceiling is the sum of the budgeted sectors' ceilings, spread evenly "
        "over the months.",
        "year_heading": "Emissions by sector and year against the trajectory",
        "year": "Year",
        "trajectory": "Trajectory (t CO₂e)",
        "trajectory_target": "the target's trajectory from the baseline",
        "trajectory_budget": "the climate budget's ceilings",
        "no_inventory": "The city has not published an inventory yet.",
        "baseline": "Baseline {year}: {tonnes} t CO₂e",
        "cut_share": "Cut from the baseline: {share}",
        "baseline_source": "inventory {inventory}",
        "cut_estimate": "Estimate for {year} so far: {share} cut from the baseline",
        "cut_estimate_note": "An estimate, not a published inventory: the budget's estimate so far in {year} ({estimate} t CO₂e) against the baseline's emissions up to the same point of the year ({so_far} t CO₂e), evaluated from {date}.",
        "cut_estimate_short": "estimate {year}",
        "no_cut_yet": "No share cut yet: no inventory published after the baseline year {year}, and this year's estimate is missing for a sector or rests on no measurement.",
        "actions_heading": "Climate City Contract actions by status",
        "count": "Count",
        "no_actions": "No action has been reported yet.",
        "label_heading": "Mission Label and Climate City Contract",
        "label_state": "Mission Label: {state}",
        "contract_state": "Climate City Contract: {state}",
        "no_label": "No Mission Label has been reported yet.",
        "estimate_so_far": "The budget's estimate so far in {year}",
        "expected_so_far": "Expected so far under the ceiling",
        "estimate_note": "The measurements cover only part of the emissions; the budget's estimate scales them up to the whole sector and stands against the part of the ceiling expected by now (the sectors with a pace: {sectors}).",
        "draft": "draft",
        "submitted": "submitted",
        "in_review": "in review",
        "revision_requested": "revision requested",
        "resubmitted": "resubmitted",
        "label_awarded": "awarded",
        "awarded": "awarded",
        "partners_heading": "Partners and memoranda of understanding",
        "partners": "Partners",
        "mous_signed": "MoUs signed",
        "mous_drafted": "MoUs drafted",
        "all_time": "Measured in all, every year",
        "live_status": "Figures update as events arrive.",
        "offline": "The hub cannot be reached right now; retrying.",
        "not_found_title": "Unknown city",
        "not_found": "The hub knows no city with the slug “{city}”.",
        "not_found_hint": "See the list of all cities.",
        "footer": "Klimaby knowledge hub · figures projected from the cities' published events.",
        "chart_alt": "Chart; the figures are in the table below.",
        "none": "\u2013",
        "on_track": "on track",
        "at_risk": "at risk",
        "off_track_status": "off track",
        "no_data": "no data",
        "on_course": "on course",
        "behind": "behind",
        "other": "other",
        "yes": "yes",
    },
}

SECTOR_NAMES = {
    "nb": {
        "I": "I Stasjonær energi",
        "II": "II Transport",
        "III": "III Avfall",
        "IV": "IV Industriprosesser og produktbruk",
        "V": "V Jordbruk, skog og arealbruk",
    },
    "en": {
        "I": "I Stationary energy",
        "II": "II Transportation",
        "III": "III Waste",
        "IV": "IV Industrial processes and product use",
        "V": "V Agriculture, forestry and other land use",
    },
}

MONTHS = {
    "nb": ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def choose(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        language = _ALIASES.get(tag.strip().lower().split("-")[0])
        if language and q > 0:
            ranked.append((-q, n, language))
    return sorted(ranked)[0][2] if ranked else DEFAULT


class Words:
    """What a template needs to speak one language: messages, names and numbers."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.messages = MESSAGES[lang]
        self.other = "en" if lang == "nb" else "nb"

    def __call__(self, key: str, **values: object) -> str:
        return self.messages[key].format(**values)

    def status(self, status: str) -> str:
        key = "off_track_status" if status == "off_track" else status
        return self.messages.get(key, status.replace("_", " "))

    def sector(self, sector: str) -> str:
        return SECTOR_NAMES[self.lang].get(sector, sector)

    def month(self, month: int) -> str:
        return MONTHS[self.lang][month - 1]

    def number(self, value: Decimal | int | str | None, places: int = 1) -> str:
        if value is None:
            return self.messages["none"]
        amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{amount:,.{places}f}"
        if self.lang == "nb":
            # Bokmål: a (non-breaking) space between thousands, a comma before decimals.
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text.replace("-", "\u2212")

    def tonnes(self, value: Decimal | str | None) -> str:
        if value is None:
            return self.messages["none"]
        amount = Decimal(str(value))
        # A live figure must visibly move: kilograms show while a total is small.
        return self.number(amount, 3 if abs(amount) < 1000 else 1)

    def small(self, value: Decimal | str | None) -> str:
        """A figure per resident: two significant digits at least, so that it never reads as
        zero while it is not."""
        if value is None:
            return self.messages["none"]
        amount = Decimal(str(value))
        if amount == 0:
            return self.number(amount, 4)
        places = min(12, max(4, 1 - amount.copy_abs().adjusted()))
        return self.number(amount, places)

    def tonnes_mg(self, co2e_mg: int) -> str:
        return self.tonnes(Decimal(co2e_mg).scaleb(-9))

    def share(self, value: str | None) -> str:
        if value is None:
            return self.messages["none"]
        return self.number(Decimal(value) * 100, 1) + "\u00a0%"
