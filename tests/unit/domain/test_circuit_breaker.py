"""The venue circuit breaker: its table, thresholds, cool-down and the single probe."""

from datetime import UTC, datetime, timedelta

import pytest

from brokerage.domain.breaker import TRANSITIONS, BreakerState, CircuitBreaker, Signal

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
COOL = timedelta(seconds=5)


def test_failures_below_the_threshold_keep_it_closed_and_a_success_resets_the_count():
    breaker = CircuitBreaker(failure_threshold=3, cool_down=COOL)
    breaker.record_failure(T0, "busy")
    breaker.record_failure(T0, "busy")
    breaker.record_success(T0)
    breaker.record_failure(T0, "busy")
    assert breaker.state is BreakerState.CLOSED and breaker.allows(T0)


def test_the_threshold_opens_it_and_it_refuses_until_the_cool_down():
    breaker = CircuitBreaker(failure_threshold=2, cool_down=COOL)
    breaker.record_failure(T0, "busy")
    breaker.record_failure(T0, "busy")
    assert breaker.state is BreakerState.OPEN
    assert not breaker.allows(T0 + COOL - timedelta(microseconds=1))
    assert breaker.reopens_at() == T0 + COOL


def test_after_the_cool_down_exactly_one_probe_goes_and_its_ack_closes_it():
    breaker = CircuitBreaker(failure_threshold=1, cool_down=COOL)
    breaker.trip(T0, "session down")
    assert breaker.allows(T0 + COOL)
    assert breaker.state is BreakerState.HALF_OPEN
    breaker.sent()
    assert not breaker.allows(T0 + COOL)  # the probe is out: nothing else goes
    breaker.record_success(T0 + COOL)
    assert breaker.state is BreakerState.CLOSED and breaker.allows(T0 + COOL)


def test_a_failed_probe_reopens_it_for_a_full_cool_down():
    breaker = CircuitBreaker(failure_threshold=3, cool_down=COOL)
    breaker.trip(T0, "session down")
    breaker.allows(T0 + COOL)
    breaker.sent()
    breaker.record_failure(T0 + COOL, "no ack")
    assert breaker.state is BreakerState.OPEN
    assert breaker.reopens_at() == T0 + 2 * COOL


def test_a_late_ack_does_not_close_an_open_breaker():
    breaker = CircuitBreaker(failure_threshold=1, cool_down=COOL)
    breaker.record_failure(T0, "busy")
    breaker.record_success(T0)
    assert breaker.state is BreakerState.OPEN


@pytest.mark.parametrize("state", list(BreakerState))
def test_every_state_answers_every_signal_except_cooling_down_when_not_open(state):
    for signal in Signal:
        expected = not (signal is Signal.COOLED_DOWN and state is not BreakerState.OPEN)
        assert ((state, signal) in TRANSITIONS) is expected
