"""aiokafka clients as the services use them.

Tansu (the embedded broker) rejects InitProducerId, so the idempotent/transactional producer is
off: exactly-once comes from our consumers (offsets and effects in one DB transaction), not from
Kafka transactions. ``acks="all"`` still means a send returns only once the broker has the record.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.events.catalogue import TOPICS

log = logging.getLogger(__name__)


def make_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=1024 * 1024,
        max_request_size=8 * 1024 * 1024,
        request_timeout_ms=15_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap_servers: str, partitions: int, timeout_s: float = 30.0) -> None:
    """Create every catalogue topic that does not exist yet (idempotent, safe on every start)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="klimaby-admin")
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t.name for t in TOPICS if t.name not in existing]
            if missing:
                try:
                    await admin.create_topics([NewTopic(name, partitions, 1) for name in missing])
                except TopicAlreadyExistsError:
                    pass
                log.info("created topics", extra={"topics": missing})
            return
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            await admin.close()


async def broker_reachable(producer: AIOKafkaProducer, timeout_s: float = 2.0) -> bool:
    """True when the producer's client can fetch cluster metadata right now."""
    try:
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout_s)
        return True
    except Exception:
        return False
