"""Record the smart order router's decisions in the group commit, then send the order."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from brokerage.service_layer.oms import Context


@dataclass(frozen=True, slots=True)
class RecordRouting:
    """Make routing rows durable; `then` (the send to the venue) runs after the commit."""

    rows: tuple[dict[str, Any], ...]
    then: Callable[[], None]


def record_routing(c: RecordRouting, ctx: Context) -> None:
    """Insert the rows into this batch and send once the batch is durable."""
    for row in c.rows:
        ctx.batch.insert("routing_decisions", row["id"], row)
    ctx.effects.append(c.then)
