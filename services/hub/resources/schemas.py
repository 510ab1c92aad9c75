"""Request and response bodies of the knowledge resources API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.payloads import CitySlug
from shared.text import StoredText

ResourceKind = Literal["guide", "case_study", "tool"]
ToolKind = Literal["measurement_method", "climate_budget_model", "other"]
Language = Literal["nb", "nn", "en", "sv", "da"]
TranslationStatus = Literal["original", "machine", "human_reviewed", "outdated"]
EffortArea = Literal["land_use_transport", "buildings_energy", "consumption_waste", "adaptation"]
GpcSector = Literal["I", "II", "III", "IV", "V"]
ActionId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$", description="A CCC action id")
]
ResourceSlug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]

EFFORT_AREA_LABELS: dict[str, tuple[str, str]] = {
    # The four effort areas (innsatsområder) of "Framtidens byer" (seed 002).
    "land_use_transport": ("Arealbruk og transport", "Land use and transport"),
    "buildings_energy": ("Stasjonær energibruk i bygg", "Buildings and energy"),
    "consumption_waste": ("Forbruksmønster og avfall", "Consumption and waste"),
    "adaptation": ("Tilpasning til klimaendringer", "Adaptation"),
}


class ResourceTextIn(BaseModel):
    """A resource's text in one language."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: StoredText = Field(min_length=1, max_length=300)
    summary: StoredText = Field("", max_length=4000)
    body: StoredText = Field("", max_length=200_000)
    locally_adapted: bool = Field(
        False, description="Adapted to Norwegian conditions, not only translated"
    )
    adaptation_note: StoredText | None = Field(None, max_length=4000)


class TranslationIn(ResourceTextIn):
    """Set a text. For the original language this revises the original (its translations
    become outdated); for another language ``status`` says how it was translated."""

    status: Literal["machine", "human_reviewed"] | None = Field(
        None, description="Required for a translation; must be absent for the original"
    )


class Tags(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effort_areas: list[EffortArea] = Field(default_factory=list, max_length=4)
    gpc_sectors: list[GpcSector] = Field(default_factory=list, max_length=5)
    cities: list[CitySlug] = Field(default_factory=list, max_length=50)
    ccc_actions: list[ActionId] = Field(
        default_factory=list, max_length=100, description="Ids of the CCC actions it documents"
    )


class ResourceCreate(BaseModel):
    """A new resource with its original text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: ResourceSlug
    kind: ResourceKind
    tool_kind: ToolKind | None = Field(None, description="Only for kind=tool")
    origin: StoredText = Field(min_length=1, max_length=200)
    netzerocities: bool = Field(False, description="NetZeroCities material")
    url: StoredText | None = Field(None, max_length=500)
    publisher_city: CitySlug | None = Field(
        None, description="A city publishing it (its token may change it); none: the hub's own"
    )
    language: Language = Field(description="The original's language")
    text: ResourceTextIn
    tags: Tags = Field(default_factory=Tags)


class ResourceTextPublic(BaseModel):
    language: Language
    title: str
    summary: str
    body: str
    status: TranslationStatus
    based_on_revision: int = Field(description="The original's revision it was made from")
    locally_adapted: bool
    adaptation_note: str | None
    updated_at: datetime


class LanguageStatus(BaseModel):
    language: Language
    status: TranslationStatus
    locally_adapted: bool


class ResourcePublic(BaseModel):
    slug: str
    kind: ResourceKind
    tool_kind: ToolKind | None
    origin: str
    netzerocities: bool
    url: str | None
    publisher_city: str | None
    original_language: Language
    revision: int
    tags: Tags
    languages: list[LanguageStatus]
    texts: list[ResourceTextPublic]
    created_at: datetime
    updated_at: datetime


class SearchHit(BaseModel):
    slug: str
    kind: ResourceKind
    tool_kind: ToolKind | None
    netzerocities: bool
    language: Language = Field(description="The language of the best-matching text")
    title: str
    summary: str
    rank: float = Field(
        description="Relevance by the database's engine (higher is better); 0 without q"
    )
    matched_languages: list[Language]
    languages: list[LanguageStatus]
    tags: Tags


class FacetCount(BaseModel):
    value: str
    count: int


class Facets(BaseModel):
    """Resources among all matches (not just this page) per value of each facet."""

    effort_area: list[FacetCount]
    gpc_sector: list[FacetCount]
    kind: list[FacetCount]
    language: list[FacetCount] = Field(description="Resources with a matching text in the language")


class SearchResult(BaseModel):
    total: int
    results: list[SearchHit]
    facets: Facets
