"""A running instance with the demo group, for tests that read what the server serves."""

from __future__ import annotations

import pytest

from fedhub.actions.demo import seed_demo
from tests.conftest import Instance

AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.fixture
async def demo(instance: Instance) -> Instance:
    await seed_demo(instance.database, instance.settings)
    return instance
