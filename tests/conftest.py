"""Fixtures shared by every test folder."""

from collections.abc import Iterator

import pytest

from tests.standin import StandinServer


@pytest.fixture
def standin() -> Iterator[StandinServer]:
    """A started stand-in Anthropic server; pass `standin.base_url` to the SDK."""
    with StandinServer() as server:
        yield server
