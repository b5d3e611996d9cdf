"""Token accounting: the estimate, its calibration, and count_tokens through the real SDK."""

from __future__ import annotations

import socket

import pytest

from copilot.config import ModelConfig
from copilot.models.tokens import PRIOR_RATIO, TokenCounter, request_chars
from tests.standin import StandinServer
from tests.standin.wire import estimate_tokens


def body(text: str) -> dict:
    return {
        "model": "claude-haiku-5-5",
        "max_tokens": 100,
        "system": [{"type": "text", "text": "You are terse."}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    }


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_estimate_grows_with_the_request_and_starts_pessimistic() -> None:
    counter = TokenCounter(ModelConfig())
    small, large = body("hi"), body("word " * 2000)
    assert counter.estimate(large) > 10 * counter.estimate(small)
    # Before any calibration the estimate is above a plain four-characters-per-token count.
    assert counter.estimate(large) >= request_chars(large) / 4 * PRIOR_RATIO
    assert counter.estimate(large) > estimate_tokens(large)


def test_tools_count_towards_the_request() -> None:
    counter = TokenCounter(ModelConfig())
    plain = body("hello")
    with_tools = {**plain, "tools": [{"name": "x", "description": "d" * 4000, "input_schema": {}}]}
    assert counter.estimate(with_tools) >= counter.estimate(plain) + 1000


def test_calibration_goes_up_at_once_and_down_slowly() -> None:
    counter = TokenCounter(ModelConfig())
    request = body("some words " * 500)
    raw = request_chars(request) / 4
    counter.observe(request, int(raw * 2))
    assert counter.estimate(request) == pytest.approx(raw * 2, rel=0.01)
    counter.observe(request, int(raw * 1.5))
    assert raw * 1.5 < counter.estimate(request) < raw * 2


def test_a_count_missing_the_cached_part_does_not_calibrate() -> None:
    counter = TokenCounter(ModelConfig())
    request = body("cached prefix " * 500)
    before = counter.estimate(request)
    counter.observe(request, before // 10)
    assert counter.estimate(request) == before


def test_chars_for_inverts_the_estimate() -> None:
    counter = TokenCounter(ModelConfig())
    text = "x" * counter.chars_for(1000)
    assert 990 <= counter.text_tokens(text) <= 1010


async def test_count_uses_count_tokens_and_calibrates(standin: StandinServer) -> None:
    counter = TokenCounter(ModelConfig(api_key="sk-ant-test", base_url=standin.base_url))
    request = body("count me " * 300)
    try:
        exact = await counter.count(request)
    finally:
        await counter.close()
    assert exact == estimate_tokens(request)
    [seen] = standin.token_count_requests
    assert seen.body["messages"] == request["messages"]
    assert "max_tokens" not in seen.body
    assert counter.estimate(request) == pytest.approx(exact, rel=0.02)


async def test_count_falls_back_to_the_estimate_when_the_api_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    counter = TokenCounter(ModelConfig(api_key="sk-ant-test", base_url=f"http://127.0.0.1:{port}"))
    request = body("no server " * 100)
    try:
        assert await counter.count(request) == counter.estimate(request)
        assert not counter.exact_available
    finally:
        await counter.close()


async def test_count_without_credentials_estimates() -> None:
    counter = TokenCounter(ModelConfig())
    request = body("no key")
    assert await counter.count(request) == counter.estimate(request)
    assert not counter.exact_available
