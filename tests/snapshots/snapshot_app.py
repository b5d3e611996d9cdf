"""A fixed scene for snapshot tests and the README picture.

No network, no sensors, no clock in the output: the transcript is replayed
from a store written here, and the session id is pinned.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from copilot.bus.events import ApprovalRequest, ToolCallStarted, ToolFinished, ToolOutput
from copilot.config import load
from copilot.engine.runtime import Runtime
from copilot.memory.store import Store
from copilot.ui.app import CopilotApp

QUESTION = "Why does `pytest` fail on test_parse?"
ANSWER = """The parser splits on spaces only, so tabs survive into the tokens:

```python
def parse(text):
    return text.split(" ")  # tabs are kept
```

- Use `text.split()` to split on any whitespace.
- Then re-run `pytest -x tests/test_parse.py`.
"""


async def _seed(db: Path, workspace: Path) -> str:
    store = await Store.open(db)
    session = await store.create_session(str(workspace), "claude-sonnet-5-5")
    await store.add_message(session.id, "user", [{"type": "text", "text": QUESTION}])
    await store.add_message(session.id, "assistant", [{"type": "text", "text": ANSWER}])
    await store.close()
    return session.id


class SnapshotApp(CopilotApp):
    """The real app, with a tool call and a waiting approval added after the replay."""

    async def _mount_input(self) -> None:
        """The scene is added once the real input is there, and the input keeps focus."""
        await super()._mount_input()
        for event in (
            ToolCallStarted(
                call_id="c1", tool="run_shell", summary="pytest -x tests/test_parse.py"
            ),
            ToolOutput(
                call_id="c1", chunk="F\n\x1b[31mFAILED\x1b[0m tests/test_parse.py::test_tabs\n"
            ),
            ToolFinished(call_id="c1", status="failed", exit_code=1, duration_s=0.84),
            ToolCallStarted(call_id="c2", tool="edit_file", summary="src/parse.py"),
            ApprovalRequest(
                request_id="r1",
                call_id="c2",
                tool="edit_file",
                summary="src/parse.py",
                detail="why: edits ask in this mode",
                diff="--- a/src/parse.py\n+++ b/src/parse.py\n@@ -1,2 +1,2 @@\n"
                ' def parse(text):\n-    return text.split(" ")\n+    return text.split()\n',
                scope_label="writes under src/",
            ),
        ):
            await self.render_event(event)
        self.prompt.focus()


def make() -> SnapshotApp:
    folder = Path(tempfile.mkdtemp(prefix="copilot-snap-"))
    workspace = folder / "project"
    workspace.mkdir()
    db = folder / "copilot.db"
    session_id = asyncio.run(_seed(db, workspace))
    config = load(workspace, env={})
    runtime = Runtime(
        config=config,
        workspace=workspace,
        db_path=db,
        resume=session_id,
        tools=False,
        sense=False,
    )
    return SnapshotApp(runtime)


if __name__ == "__main__":
    make().run()
