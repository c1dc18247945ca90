"""The column types' fused bind processors give exactly what SQLAlchemy's generic path gives."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from brokerage.adapters.db.types import ExactDecimal, UtcDateTime

DIALECTS = [sqlite.dialect(), postgresql.psycopg.dialect()]  # type: ignore[attr-defined]
NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def _both(column_type: TypeDecorator[Any], dialect: Dialect) -> tuple[Any, Any]:
    impl = column_type.dialect_impl(dialect)
    return impl.bind_processor(dialect), TypeDecorator.bind_processor(impl, dialect)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize("value", [
    None,
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 7, tzinfo=UTC),
    datetime(2026, 3, 9, 23, 59, 59, 999_999, tzinfo=NEW_YORK_WINTER),
    datetime(5, 1, 1, tzinfo=UTC),
])
def test_a_datetime_binds_as_the_generic_path_binds_it(dialect: Dialect, value: Any) -> None:
    fast, generic = _both(UtcDateTime(), dialect)
    assert fast(value) == generic(value)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize(
    "value", [None, Decimal("1.10"), Decimal("-0E-8"), Decimal("123456789.000000000001")])
def test_a_decimal_binds_as_the_generic_path_binds_it(dialect: Dialect, value: Any) -> None:
    fast, generic = _both(ExactDecimal(), dialect)
    assert fast(value) == generic(value)


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@pytest.mark.parametrize(("column_type", "value"), [
    (UtcDateTime(), datetime(2026, 1, 2)),  # naive: no zone, no way to know the instant
    (UtcDateTime(), "2026-01-02"),
    (ExactDecimal(), 1.1),  # a float would lose digits
    (ExactDecimal(), "1.10"),
])
def test_a_wrong_value_is_refused_as_before(dialect: Dialect, column_type: Any, value: Any) -> None:
    fast, generic = _both(column_type, dialect)
    with pytest.raises(TypeError):
        fast(value)
    with pytest.raises(TypeError):
        generic(value)
