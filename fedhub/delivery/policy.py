"""Pure delivery decisions: what a response means, when to try again, when to pause a host."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# One first attempt and 16 retries. With Sidekiq's (and so Mastodon's) backoff shape,
# count**4 + 15 + jitter seconds for count = 0..15, the retries span about two days (49.6 h
# without jitter, 50.2 h on average, 50.7 h at most); then the delivery is dropped.
MAX_ATTEMPTS = 17
JITTER_SECONDS = 30

# Retry-After is honoured up to a day; a peer asking for more is treated as asking for a day.
MAX_RETRY_AFTER = timedelta(hours=24)

# The circuit breaker: after this many failures in a row a host is paused; the pause doubles
# with each further run of failures, up to an hour, so a dead host costs one probe per pause.
BREAKER_THRESHOLD = 10
BREAKER_FIRST_PAUSE = timedelta(minutes=1)
BREAKER_MAX_PAUSE = timedelta(hours=1)


class Outcome(StrEnum):
    """What one delivery attempt means for its row."""

    DELIVERED = "delivered"  # 2xx: done
    RETRY = "retry"  # 408, 429, 5xx, 3xx, 401 or no response: try again later
    GIVE_UP = "give_up"  # any other 4xx, and 501: the peer will never accept it
    GONE = "gone"  # 410: the inbox is gone for good; stop everything bound for it


@dataclass(frozen=True)
class SendResult:
    """How one POST went: a status, or none and an error when no response came back.

    `refused` means we would not send at all (the address policy forbids the inbox): no retry
    can change that, and the host was never contacted, so it does not count against it.
    """

    status: int | None
    retry_after: datetime | None = None
    error: str | None = None
    refused: bool = False


@dataclass(frozen=True)
class HostHealth:
    """A host's breaker state, as stored in `hosts`."""

    consecutive_failures: int
    paused_until: datetime | None


def classify(status: int | None, error: str | None = None, *, refused: bool = False) -> Outcome:
    """Mastodon's reading of a response, so peers see the same behaviour from us as from it.

    4xx answers are final except 408 and 429 (ask again later) and 401, which Mastodon also
    retries: a peer that cannot fetch our key yet answers 401 now and accepts the same
    request later. 501 is final too (the peer does not implement the verb). Anything else that
    is not 2xx, and no response at all, is worth another try.
    """
    if refused:
        return Outcome.GIVE_UP
    if status is None:
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status == 410:
        return Outcome.GONE
    if status in (401, 408, 429):
        return Outcome.RETRY
    if 400 <= status < 500 or status == 501:
        return Outcome.GIVE_UP
    return Outcome.RETRY


def retry_delay(attempts: int, rng: random.Random) -> timedelta | None:
    """How long to wait after the `attempts`-th failed attempt; None once retries are spent.

    Sidekiq's shape, `count**4 + 15 + rand * 30 * (count + 1)` seconds with count = attempts - 1:
    quick second tries for a blip, hours apart by the end. The jitter spreads the retries of one
    fan-out so a host coming back is not hit by all of them in the same second.
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    count = max(attempts - 1, 0)
    seconds = count**4 + 15 + rng.random() * JITTER_SECONDS * (count + 1)
    return timedelta(seconds=seconds)


def next_attempt_at(
    attempts: int, now: datetime, retry_after: datetime | None, rng: random.Random
) -> datetime | None:
    """When to try again: the backoff, or the peer's Retry-After if that is later (capped)."""
    delay = retry_delay(attempts, rng)
    if delay is None:
        return None
    when = now + delay
    if retry_after is not None:
        when = max(when, min(retry_after, now + MAX_RETRY_AFTER))
    return when


def counts_against_host(outcome: Outcome) -> bool:
    """Only failures to get an answer count: a 4xx or 410 comes from a host that is up."""
    return outcome is Outcome.RETRY


def breaker_after_failure(consecutive_failures: int, now: datetime) -> datetime | None:
    """Pause a host once it has failed `BREAKER_THRESHOLD` times in a row; None keeps it open.

    The pause doubles for every further `BREAKER_THRESHOLD` failures, which accrue only from the
    probes sent when a pause ends, so a host that stays down is tried less and less often.
    """
    if consecutive_failures < BREAKER_THRESHOLD:
        return None
    doublings = min((consecutive_failures - BREAKER_THRESHOLD) // BREAKER_THRESHOLD, 16)
    return now + min(BREAKER_FIRST_PAUSE * 2**doublings, BREAKER_MAX_PAUSE)


def breaker_after_success() -> HostHealth:
    """One answer closes the breaker: the host is up, its count starts again."""
    return HostHealth(consecutive_failures=0, paused_until=None)


def pause_for_retry_after(retry_after: datetime | None, now: datetime) -> datetime | None:
    """A Retry-After from a host (429 or 503) pauses the whole host until then, capped."""
    if retry_after is None or retry_after <= now:
        return None
    return min(retry_after, now + MAX_RETRY_AFTER)
