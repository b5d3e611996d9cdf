"""Token accounting for requests: the API's own count when it answers, else an estimate.

No tokenizer for Claude ships as a library, so the local figure is the size of
the request's JSON over four characters, times a ratio learnt from what the
API reports. The ratio starts pessimistic (code and JSON cost more than prose)
and is corrected from two sources: `count_tokens` answers (exact, used near a
compaction threshold, where precision matters) and the prompt size each reply
reports (its `input_tokens` plus the prompt-cache prefix read or written). A
correction upwards applies at once, downwards only slowly: running over the window
is an error, running a little under costs nothing.

`count_tokens` goes through its own SDK client with a short timeout and no
retries: counting is an optimisation and must never hold a turn back. The
first failure (no key, a proxy that does not serve it) turns it off for the
run and the estimate carries on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from typing import Any

from copilot.config import ModelConfig

log = logging.getLogger(__name__)

#: Characters of request JSON per token before calibration.
CHARS_PER_TOKEN = 4.0
#: The ratio before anything was observed: assume denser text than prose.
PRIOR_RATIO = 1.25
#: Bounds on the learnt ratio, so one odd report cannot make the estimate absurd.
MIN_RATIO, MAX_RATIO = 0.5, 4.0
#: Weight of a new observation that lowers the ratio.
DOWN_WEIGHT = 0.2
#: A reported count below this share of the estimate is not a full count (a proxy
#: that leaves out the prompt-cache parts), so it does not calibrate.
PLAUSIBLE_SHARE = 0.5
#: Seconds `count_tokens` may take before the estimate is used instead.
COUNT_TIMEOUT_S = 5.0

#: The request keys `count_tokens` accepts.
_COUNTED_KEYS = ("model", "messages", "system", "tools", "tool_choice", "thinking")


def request_chars(params: dict[str, Any]) -> int:
    """Characters of what the model reads: system, messages and tool schemas as JSON."""
    payload = {k: params.get(k) for k in ("system", "messages", "tools") if params.get(k)}
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))


class TokenCounter:
    """Estimates request sizes in tokens and learns from the API's own counts."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.ratio = PRIOR_RATIO
        self.exact_available = True
        self._client: Any = None

    def estimate(self, params: dict[str, Any]) -> int:
        """The calibrated estimate for a whole request body."""
        return self.from_chars(request_chars(params))

    def from_chars(self, chars: int) -> int:
        """The calibrated estimate for `chars` characters of request JSON."""
        return math.ceil(chars / CHARS_PER_TOKEN * self.ratio)

    def chars_for(self, tokens: int) -> int:
        """How many characters fit in `tokens`, by the current calibration."""
        return max(0, int(tokens * CHARS_PER_TOKEN / self.ratio))

    def text_tokens(self, text: str) -> int:
        """The estimate for a piece of text (as JSON it gains escapes and quotes)."""
        return self.from_chars(len(json.dumps(text, ensure_ascii=False)))

    def observe(self, params: dict[str, Any], reported: int, *, exact: bool = False) -> None:
        """Calibrate from the API's count of exactly this request.

        `exact` is a `count_tokens` answer: nothing is left out of it, so the
        ratio follows it at once in both directions.
        """
        self.observe_chars(request_chars(params), reported, exact=exact)

    def observe_chars(self, chars: int, reported: int, *, exact: bool = False) -> None:
        """`observe` for a request whose size in characters is already known."""
        raw = chars / CHARS_PER_TOKEN
        if raw <= 0 or reported <= 0:
            return
        if not exact and reported < PLAUSIBLE_SHARE * raw * self.ratio:
            return
        seen = min(max(reported / raw, MIN_RATIO), MAX_RATIO)
        if exact or seen >= self.ratio:
            self.ratio = seen
        else:
            self.ratio += DOWN_WEIGHT * (seen - self.ratio)

    async def count(self, params: dict[str, Any]) -> int:
        """The API's exact count when it answers in time (and calibrate), else the estimate."""
        if self.exact_available:
            exact = await self._count_exact(params)
            if exact is not None:
                self.observe(params, exact, exact=True)
                return exact
        return self.estimate(params)

    async def _count_exact(self, params: dict[str, Any]) -> int | None:
        try:
            client = await self._sdk_client()
            if client is None:
                return None
            body = {k: params[k] for k in _COUNTED_KEYS if k in params}
            result = await asyncio.wait_for(client.messages.count_tokens(**body), COUNT_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.info("count_tokens unavailable, estimating instead: %s", exc)
            self.exact_available = False
            return None
        return int(result.input_tokens)

    async def _sdk_client(self) -> Any:
        """An SDK client for counting only (lazy: importing the SDK is slow)."""
        if self._client is None:
            anthropic = await asyncio.to_thread(_import_sdk)
            kwargs: dict[str, Any] = {"max_retries": 0, "timeout": COUNT_TIMEOUT_S}
            if self.config.api_key:
                kwargs["api_key"] = self.config.api_key
            if self.config.base_url:
                kwargs["base_url"] = self.config.base_url
            client = anthropic.AsyncAnthropic(**kwargs)
            if client.api_key is None and client.auth_token is None and client.credentials is None:
                await client.close()
                self.exact_available = False
                return None
            self._client = client
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


def _import_sdk() -> Any:
    import anthropic

    return anthropic
