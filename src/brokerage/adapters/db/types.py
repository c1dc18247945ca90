"""Column types: exact decimals on every backend.

Each type hands SQLAlchemy one fused bind processor (`bind_processor`): the generic
TypeDecorator path calls process_bind_param and then the dialect's own processor through
two more closures, and the group commit binds some 40 such values per order. The fused
functions give exactly the values the generic path gives (tests/unit/test_db_types.py).
"""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(38, 12) on PostgreSQL; text on SQLite, whose REAL would lose digits."""

    impl = String(64)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(38, 12, asdecimal=True))
        return dialect.type_descriptor(String(64))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactDecimal needs a Decimal, got {type(value).__name__}")
        return value if dialect.name == "postgresql" else str(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """Check and convert in one call (str on SQLite; the Decimal itself on PostgreSQL)."""
        impl = self.impl_instance.bind_processor(dialect)
        if impl is not None:  # a driver that wants its own conversion: the generic path
            return super().bind_processor(dialect)
        as_text = dialect.name != "postgresql"

        def process(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, Decimal):
                raise TypeError(f"ExactDecimal needs a Decimal, got {type(value).__name__}")
            return str(value) if as_text else value

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise TypeError("UtcDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """Check, move to UTC and format in one call.

        On SQLite the text is the one SQLAlchemy's DATETIME writes by default
        (`YYYY-MM-DD HH:MM:SS.ffffff`, always six digits); any other storage format, or a
        driver-level processor elsewhere, keeps the generic path.
        """
        if dialect.name == "sqlite":
            if getattr(self.impl_instance, "_storage_format", None) != _SQLITE_DATETIME_FORMAT:
                return super().bind_processor(dialect)
            return _sqlite_utc_text
        if self.impl_instance.bind_processor(dialect) is not None:
            return super().bind_processor(dialect)
        return _aware_utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d")


def _aware_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError("UtcDateTime needs a timezone-aware datetime")
    return value.astimezone(UTC)


def _sqlite_utc_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise TypeError("UtcDateTime needs a timezone-aware datetime")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
