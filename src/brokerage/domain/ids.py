"""Typed identifiers. Ids are strings made by an IdGenerator port, never by domain code."""

from typing import NewType

UserId = NewType("UserId", str)
AccountId = NewType("AccountId", str)
OrderId = NewType("OrderId", str)
ClientOrderId = NewType("ClientOrderId", str)
ExecId = NewType("ExecId", str)
TransferId = NewType("TransferId", str)
LedgerAccountId = NewType("LedgerAccountId", str)
Symbol = NewType("Symbol", str)
VenueId = NewType("VenueId", str)
VenueOrderId = NewType("VenueOrderId", str)
EventId = NewType("EventId", str)
