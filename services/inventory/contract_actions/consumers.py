"""The inventory consumes contracts.events.v1 for the actions its budget measures refer to."""

from __future__ import annotations

from fastapi import FastAPI

from services.inventory.contract_actions.service import project
from shared.events.catalogue import CONTRACTS_EVENTS
from shared.messaging.consumer import Handler
from shared.service import ConsumerSpec


def contract_actions_handler(_app: FastAPI) -> Handler:
    return project


contract_actions = ConsumerSpec(
    name="contract-actions",
    topics=[CONTRACTS_EVENTS],
    handler=contract_actions_handler,
    dedupe_by_event_id=True,
)
