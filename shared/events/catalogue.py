"""The topic catalogue: every topic, who writes it, its key, and the event types it carries."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.events.payloads import (
    ActionStatusChanged,
    BudgetStatusChanged,
    CccPortfolioChanged,
    CccStatusChanged,
    CccVersionStarted,
    CityRegistered,
    ClimateAccountReported,
    CommitmentChanged,
    EmissionsAccounted,
    EmissionsRecalculated,
    EventPayload,
    FactorRevised,
    FundingChanged,
    InventoryPublished,
    MissionLabelAwarded,
    MouDrafted,
    MouSignatureAdded,
    MouSigned,
    MouStatusChanged,
    PartnerInvitationAccepted,
    PartnerInvitationRevoked,
    PartnerInvited,
    PartnerRegistered,
    PartnerUpdated,
    ReadingAccepted,
    ReadingRejected,
    SensorRecovered,
    SensorStale,
    TargetSet,
)


@dataclass(frozen=True)
class EventSpec:
    event_type: str
    payload: type[EventPayload]
    summary: str


@dataclass(frozen=True)
class Topic:
    name: str
    producer: str
    key: str
    description: str
    events: tuple[EventSpec, ...] = field(default_factory=tuple)


def _spec(payload: type[EventPayload], summary: str) -> EventSpec:
    return EventSpec(event_type=payload.event_type, payload=payload, summary=summary)


SENSORS_READINGS = "sensors.readings.v1"
SENSORS_READINGS_REJECTED = "sensors.readings.rejected.v1"
SENSORS_EVENTS = "sensors.events.v1"
INVENTORY_EVENTS = "inventory.events.v1"
CONTRACTS_EVENTS = "contracts.events.v1"

TOPICS: tuple[Topic, ...] = (
    Topic(
        SENSORS_READINGS,
        producer="sensors",
        key="sensor id",
        description="Every accepted reading, once acknowledged by the broker.",
        events=(_spec(ReadingAccepted, "A validated reading from a city's gateway."),),
    ),
    Topic(
        SENSORS_READINGS_REJECTED,
        producer="sensors",
        key="gateway id",
        description="Readings refused at ingestion, with the field and reason, for audit.",
        events=(_spec(ReadingRejected, "A reading refused with its reason."),),
    ),
    Topic(
        SENSORS_EVENTS,
        producer="sensors",
        key="sensor id",
        description="Health of the sensor fleet: sensors going silent and coming back.",
        events=(
            _spec(SensorStale, "A sensor was silent for longer than its expected interval."),
            _spec(SensorRecovered, "A stale sensor reported again."),
        ),
    ),
    Topic(
        INVENTORY_EVENTS,
        producer="inventory",
        key="city slug",
        description="Cities, published inventories, targets and the live accounting of emissions.",
        events=(
            _spec(CityRegistered, "A city joined the platform."),
            _spec(EmissionsAccounted, "A batch of readings was accounted for a city."),
            _spec(
                EmissionsRecalculated,
                "Accounted emissions of a city changed after a factor was revised or added.",
            ),
            _spec(
                BudgetStatusChanged,
                "A sector's live pace against the year's climate budget changed status.",
            ),
            _spec(
                InventoryPublished,
                "A version of a city's yearly GPC inventory was published (key: city slug).",
            ),
            _spec(
                TargetSet,
                "A new version of a city's climate target, with its trajectory, is current.",
            ),
            _spec(
                FactorRevised,
                "An emission factor got a new version (key: the factor's region, not a city).",
            ),
        ),
    ),
    Topic(
        CONTRACTS_EVENTS,
        producer="contracts",
        key="city slug",
        description="Partners, MoUs and Climate City Contracts.",
        events=(
            _spec(PartnerRegistered, "A partner was registered by a city."),
            _spec(PartnerUpdated, "A partner's record changed (by the partner or its city)."),
            _spec(PartnerInvited, "A city invited a partner to take its own credentials."),
            _spec(PartnerInvitationAccepted, "A partner accepted its invitation."),
            _spec(PartnerInvitationRevoked, "A city revoked a pending invitation."),
            _spec(MouDrafted, "An MoU with a partner was proposed (drafted)."),
            _spec(
                CommitmentChanged, "A commitment of a proposed MoU was added, changed or removed."
            ),
            _spec(MouSignatureAdded, "One side (city or partner) signed an MoU."),
            _spec(MouSigned, "An MoU is signed by both sides."),
            _spec(MouStatusChanged, "An MoU became active, reported, renewed or ended."),
            _spec(
                ClimateAccountReported, "A partner reported (or replaced) a yearly climate account."
            ),
            _spec(CccVersionStarted, "A city started a version of its Climate City Contract."),
            _spec(CccStatusChanged, "A CCC version moved along the Mission Label lifecycle."),
            _spec(MissionLabelAwarded, "A CCC version was awarded the Mission Label."),
            _spec(
                ActionStatusChanged,
                "An action's tracking status (from the live inventory) changed.",
            ),
            _spec(FundingChanged, "An action's costing or funding in a CCC changed."),
            _spec(
                CccPortfolioChanged,
                "The actions of a city's tracked CCC version changed (the whole list).",
            ),
        ),
    ),
)

CATALOGUE: dict[str, EventSpec] = {
    spec.event_type: spec for topic in TOPICS for spec in topic.events
}
TOPIC_OF_EVENT: dict[str, str] = {
    spec.event_type: topic.name for topic in TOPICS for spec in topic.events
}


class UnknownEventType(KeyError):
    pass


def event_spec(event_type: str) -> EventSpec:
    try:
        return CATALOGUE[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def topic_for(payload: EventPayload | type[EventPayload]) -> str:
    return TOPIC_OF_EVENT[payload.event_type]
