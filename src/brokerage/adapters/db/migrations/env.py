"""Alembic environment: runs against the connection or URL the caller hands in."""

from alembic import context
from sqlalchemy import create_engine

from brokerage.adapters.db.tables import metadata

config = context.config


def run_migrations_online() -> None:
    """Run migrations on the caller's connection, or on a fresh one from the URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs batch mode for ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
