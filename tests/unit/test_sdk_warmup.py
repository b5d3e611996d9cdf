"""Loading the SDK builds its stream decoder, so the first answer does not wait for it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.standin import Reply, StandinServer

#: Run in a fresh interpreter: the SDK's decoders are cached for the whole process,
#: and other tests may have built them already.
SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from copilot.config import ModelConfig
    from copilot.models.anthropic_client import AnthropicClient

    async def main(base_url: str, warm: bool) -> None:
        if not warm:
            import copilot.models.anthropic_client as client_module
            client_module._build_event_decoder = lambda sdk: None
        client = AnthropicClient(ModelConfig(api_key="sk-ant-test", base_url=base_url))
        assert await client.load() is None
        from anthropic._models import _CachedTypeAdapter
        before = _CachedTypeAdapter.cache_info().currsize
        stream = await client._client.messages.create(
            model="claude-x", max_tokens=64, stream=True,
            messages=[{"role": "user", "content": "hi"}],
        )
        kinds = {event.type async for event in stream}
        await client.close()
        print(len(kinds), _CachedTypeAdapter.cache_info().currsize - before)

    asyncio.run(main(sys.argv[1], sys.argv[2] == "warm"))
    """
)


def _decoders_built_by_a_stream(base_url: str, mode: str) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, base_url, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    kinds, built = done.stdout.split()
    return int(kinds), int(built)


def test_the_first_stream_builds_no_decoder_once_the_sdk_is_loaded() -> None:
    with StandinServer() as server:
        reply = Reply.tool_use("read_file", {"path": "x"}, text_before="Reading it.")
        server.script(reply, reply)
        kinds, built = _decoders_built_by_a_stream(server.base_url, "warm")
        # Every kind of event came through: the message, text and tool blocks, deltas.
        assert kinds == 6
        assert built == 0, "the stream built a decoder on the loop"
        # And without the warm-up the same stream builds one: the check can fail.
        assert _decoders_built_by_a_stream(server.base_url, "cold")[1] >= 1
