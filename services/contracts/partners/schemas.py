"""Request and response bodies of the partners API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.contracts.partners import organisation_number
from shared.events.payloads import CitySlug, HelixType
from shared.text import StoredText

OrganisationNumber = Annotated[
    str,
    AfterValidator(organisation_number.validate),
    Field(
        description="Norwegian organisation number: 9 digits, MOD11 check digit "
        "(spaces allowed, stored without)",
        examples=["974760673"],
    ),
]


class PartnerBase(BaseModel):
    """Fields shared by the request and the response."""

    city: CitySlug
    name: StoredText = Field(min_length=1, max_length=200)
    organisation_number: OrganisationNumber | None = None
    helix: HelixType = Field(description="Which strand of the quadruple helix the partner is")


class PartnerCreate(PartnerBase):
    """A partner to register; the caller must be allowed to write for its city."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PartnerPublic(PartnerBase):
    """A registered partner."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registered_at: datetime
