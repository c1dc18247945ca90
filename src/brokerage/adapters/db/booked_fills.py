"""The execution ids already booked (table `fills`): a FIX client skips their resends."""

from sqlalchemy import Engine, select

from brokerage.adapters.db import tables


def booked_exec_ids(engine: Engine, venues: list[str], limit: int) -> list[str]:
    """Return the ExecIDs of the latest `limit` fills booked from `venues`, oldest first."""
    t = tables.fills
    query = (select(t.c.exec_id).where(t.c.venue.in_(venues))
             .order_by(t.c.ts.desc()).limit(limit))
    with engine.connect() as conn:
        found = [str(row[0]) for row in conn.execute(query)]
    return found[::-1]
