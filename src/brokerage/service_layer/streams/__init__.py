"""Conflated WebSocket streams: market data per symbol plus each user's orders and fills."""

from brokerage.service_layer.streams.client import (
    CLOSE_PROTOCOL_ERROR,
    CLOSE_SLOW_CONSUMER,
    CLOSE_UNAUTHORIZED,
    StreamClient,
    StreamLimits,
)
from brokerage.service_layer.streams.hub import SnapshotProvider, StreamHub

__all__ = ["CLOSE_PROTOCOL_ERROR", "CLOSE_SLOW_CONSUMER", "CLOSE_UNAUTHORIZED",
           "SnapshotProvider", "StreamClient", "StreamHub", "StreamLimits"]
