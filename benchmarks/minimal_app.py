"""The smallest Textual app that draws a word: the launch benchmark's second floor.

`python -c "import textual.app"` is the cost no Textual app avoids before it can start;
this app adds what every Textual app then does before its first frame (the driver, the
default CSS, one screen and one widget, the first paint). Run as
`python -m benchmarks.minimal_app`; it quits on Ctrl+Q like copilot.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static

MARK = "minimal-ready"


class MinimalApp(App[None]):
    """One Static and nothing else."""

    def compose(self) -> ComposeResult:
        yield Static(MARK)


if __name__ == "__main__":
    MinimalApp().run()
