"""Fixtures of the loopback FIX tests (defined in fix_harness)."""

from fix_harness import broker, drop_copy, floor, started, symbol, venue

__all__ = ["broker", "drop_copy", "floor", "started", "symbol", "venue"]
