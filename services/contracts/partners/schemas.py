"""Request and response bodies of the partners API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints
from pydantic.json_schema import SkipJsonSchema

from services.contracts.partners import organisation_number
from services.contracts.partners.models import Partner
from shared.events.payloads import CitySlug, HelixType
from shared.text import EMAIL_PATTERN, NON_BLANK_TEXT_PATTERN, StoredText

OrganisationNumber = Annotated[
    str,
    AfterValidator(organisation_number.validate),
    Field(
        description="Norwegian organisation number: 9 digits, MOD11 check digit "
        "(spaces allowed, stored without)",
        examples=["974760673"],
        # The check digit cannot be written as a pattern: the format names it (a client's
        # generator, such as the fuzz tests', knows it as MOD11 over weights 3,2,7,6,5,4,3,2).
        json_schema_extra={"pattern": r"^ *(\d *){9}$", "format": "no-organisation-number"},
    ),
]
Email = Annotated[
    StoredText,
    Field(
        max_length=254,
        pattern=EMAIL_PATTERN,
        # Again for the OpenAPI document: pydantic leaves out a pattern that follows a
        # validator (StoredText's), though it checks it.
        json_schema_extra={"pattern": EMAIL_PATTERN},
        description="An e-mail address",
        examples=["kari.nordmann@example.no"],
    ),
]
Phone = Annotated[
    StoredText,
    Field(
        max_length=32,
        pattern=r"^\+?[0-9][0-9 ()-]{3,30}$",
        json_schema_extra={"pattern": r"^\+?[0-9][0-9 ()-]{3,30}$"},
        description="A phone number: digits, spaces, dashes, brackets, an optional leading +",
        examples=["+47 22 00 00 00"],
    ),
]
WebAddress = Annotated[
    AnyHttpUrl,
    UrlConstraints(max_length=2000),
    Field(description="An http or https address (at most 2000 characters)"),
]
"""A document or page a person can open (stored in a 2000-character column)."""
HELIX_DESCRIPTION = (
    "The strand of the quadruple helix: public (municipal or state bodies, the county), "
    "business, academia (research and academia), civil_society"
)


class Contact(BaseModel):
    """The person to contact at the partner (personal data: never in an event)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, from_attributes=True)

    name: StoredText | None = Field(None, min_length=1, max_length=200)
    email: Email | None = None
    phone: Phone | None = None


class PartnerCreate(BaseModel):
    """A partner to register; the caller must be allowed to write for its city."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    city: CitySlug
    name: StoredText = Field(min_length=1, max_length=200)
    organisation_number: OrganisationNumber | None = None
    helix: HelixType = Field(description=HELIX_DESCRIPTION)
    contact: Contact | None = None


class PartnerUpdate(BaseModel):
    """Fields to change; a field left out stays as it is, ``null`` clears an optional one.
    The city of a partner never changes."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # name and helix may be left out but not cleared: the document has no null for them (a
    # null is answered with a 422 naming the field, partners/service.py).
    name: (
        Annotated[
            StoredText,
            Field(
                min_length=1,
                max_length=200,
                json_schema_extra={"pattern": NON_BLANK_TEXT_PATTERN},  # stripped, then counted
            ),
        ]
        | SkipJsonSchema[None]
    ) = None
    organisation_number: OrganisationNumber | None = None
    helix: HelixType | SkipJsonSchema[None] = Field(None, description=HELIX_DESCRIPTION)
    contact: Contact | None = Field(None, description="Replaces the whole contact when given")


class PartnerPublic(BaseModel):
    """A registered partner."""

    id: uuid.UUID
    city: str
    name: str
    organisation_number: str | None
    helix: HelixType
    contact: Contact | None = Field(
        description="Shown only to the partner itself and to its city (a person's data)"
    )
    registered_at: datetime
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, partner: Partner, *, with_contact: bool) -> PartnerPublic:
        contact = Contact(
            name=partner.contact_name, email=partner.contact_email, phone=partner.contact_phone
        )
        return cls(
            id=partner.id,
            city=partner.city,
            name=partner.name,
            organisation_number=partner.organisation_number,
            helix=partner.helix,
            contact=contact if with_contact else None,
            registered_at=partner.registered_at,
            updated_at=partner.updated_at,
            updated_by=partner.updated_by,
        )
