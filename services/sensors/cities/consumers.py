"""The sensors service's one consumer: cities from the inventory's events."""

from __future__ import annotations

from fastapi import FastAPI

from services.sensors.cities.service import learn_cities
from shared.events.catalogue import INVENTORY_EVENTS
from shared.messaging.consumer import Handler
from shared.service import ConsumerSpec


def cities_handler(_app: FastAPI) -> Handler:
    return learn_cities


cities = ConsumerSpec(name="cities", topics=[INVENTORY_EVENTS], handler=cities_handler)
