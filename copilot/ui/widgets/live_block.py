"""The block of a streaming answer that may still grow, drawn as the settled ones are.

An answer's complete blocks are in its `SettledBlocks`; the last block, the one
each fragment extends, is shown here. It is rendered by Rich through the same
line API, at most once a frame (in the layout pass that follows a change), so a
fragment costs one parse of the growing block and nothing is mounted or removed
while an answer streams. It also looks the same before and after it settles.
"""

from __future__ import annotations

from copilot.ui.widgets.block_rows import BlockRows


class LiveBlock(BlockRows):
    """One block, replaced whole as it grows."""

    def show(self, source: str) -> None:
        """Draw `source`, the growing block as it is now, instead of what was shown."""
        if source == self.source:
            return
        self._blocks = [source] if source else []
        self._rows, self._drawn, self._visible = [], 0, {}
        self.refresh(layout=True)
