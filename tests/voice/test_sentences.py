"""Streamed answers become speakable sentences: split on sentence ends as deltas
arrive, with code blocks skipped and Markdown marks removed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from copilot.bus import Bus
from copilot.voice import RemoteVoice, VoiceConfig, VoiceService, open_voice
from copilot.voice.sentences import MAX_SENTENCE_CHARS, SentenceSplitter, clean_for_speech


def _speak(*deltas: str) -> list[str]:
    splitter = SentenceSplitter()
    out: list[str] = []
    for delta in deltas:
        out += splitter.feed(delta)
    return out + splitter.flush()


def test_sentences_come_out_as_soon_as_they_end() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("The build failed. It ") == ["The build failed."]
    assert splitter.feed("needs a fix") == []
    assert splitter.flush() == ["It needs a fix"]


def test_code_blocks_are_not_read_aloud() -> None:
    spoken = _speak("Run this:\n\n``", "`bash\nrm -rf build\n``", "`\n\nThen retry.")
    assert spoken == ["Run this:", "Then retry."]


def test_an_unclosed_code_block_is_dropped_at_the_end() -> None:
    assert _speak("Look:\n```py\nprint(1)\n") == ["Look:"]


def test_markdown_marks_and_links_become_words() -> None:
    assert clean_for_speech("**Note**: see [the docs](http://x/y) and `make`") == (
        "Note: see the docs and make"
    )


def test_list_items_are_separate_sentences() -> None:
    assert _speak("Steps:\n- build it\n- test it\n") == ["Steps:", "build it", "test it"]


def test_a_run_on_sentence_is_spoken_in_pieces() -> None:
    pieces = _speak("word " * 200)
    assert len(pieces) > 1 and all(len(p) <= MAX_SENTENCE_CHARS for p in pieces)


def test_open_voice_picks_remote_when_the_forwarded_socket_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = Bus()
    config = VoiceConfig(enabled=True)
    path = tmp_path / "voice.sock"
    monkeypatch.setenv("COPILOT_VOICE_SOCKET", str(path))
    assert isinstance(open_voice(bus, config), VoiceService)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        voice = open_voice(bus, config)
    assert isinstance(voice, RemoteVoice) and voice.socket_path == path
    assert isinstance(open_voice(bus, config, tmp_path / "named.sock"), RemoteVoice)
