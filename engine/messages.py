"""Messages from outside (bureau and bank callbacks): correlated by name and keys, accepted once by id.

A message that no instance waits for yet is kept until ``expires_at``; an instance that starts waiting
for it later receives it then. Keys are matched exactly: every key the sender gives must equal the
waiting instance's value (``instance_id``, ``business_key``, or a process correlation ``key.property``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.advance import Advancer, Cycle
from engine.db.models import MessageSubscription, ReceivedMessage
from engine.errors import InvalidInput
from engine.jsonutil import dumps


@dataclass(frozen=True)
class Delivery:
    """What became of a message."""

    status: str  # "delivered", "kept" (no one waits yet), "duplicate"
    instance_id: str | None = None


class Messages:
    """Receives messages and delivers them to waiting instances."""

    def __init__(self, advancer: Advancer, ttl_seconds: int) -> None:
        self.adv = advancer
        self.db = advancer.db
        self.ttl = timedelta(seconds=ttl_seconds)

    def receive(self, name: str, correlation: dict[str, Any], payload: dict[str, Any], message_id: str) -> Delivery:
        """Accept a message once by ``message_id`` and deliver it, or keep it for later.

        :raises InvalidInput: when name, id or keys are missing or not of the right type.
        """
        if not name or not message_id:
            raise InvalidInput("a message needs a name and a message id")
        if not isinstance(correlation, dict) or not correlation:
            raise InvalidInput("a message needs correlation keys", field="correlation")
        if not isinstance(payload, dict):
            raise InvalidInput("the message payload must be a JSON object", field="payload")
        keys = {str(k): str(v) for k, v in correlation.items()}
        now = self.adv.clock.now()
        with self.db.unit_of_work() as uow:
            uow.session.add(
                ReceivedMessage(
                    message_id=message_id,
                    message_name=name,
                    correlation=json.dumps(keys, sort_keys=True, ensure_ascii=False),
                    payload=self.adv.cipher.encrypt_text(dumps(payload)),
                    received_at=now,
                    expires_at=now + self.ttl,
                )
            )
            try:
                uow.commit()
            except IntegrityError:
                return Delivery("duplicate")
        target = self._find_subscriber(name, keys)
        if target is None:
            return Delivery("kept")
        if self._deliver(target, message_id):
            return Delivery("delivered", target)
        return Delivery("kept")

    def _find_subscriber(self, name: str, keys: dict[str, str]) -> str | None:
        with self.db.reading() as uow:
            subs = uow.session.scalars(
                select(MessageSubscription).where(MessageSubscription.message_name == name)
            )
            for sub in subs:
                known = json.loads(sub.correlation)
                if all(known.get(k) == v for k, v in keys.items()):
                    return sub.instance_id
        return None

    def _deliver(self, instance_id: str, message_id: str) -> bool:
        def act(c: Cycle) -> bool:
            msg = c.session.scalars(select(ReceivedMessage).where(ReceivedMessage.message_id == message_id)).one()
            return msg.delivered_at is None and self.adv.deliver(c, msg)

        return bool(self.adv.run(instance_id, None, act))
