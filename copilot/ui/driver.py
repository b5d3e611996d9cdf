"""A Linux terminal driver that delivers a lone Esc after ESCDELAY, not 100 ms.

Textual's parser holds a lone ESC for `ESCDELAY` to see whether an escape
sequence follows, but its input thread only asks the parser again when
`select()` returns, after up to 100 ms of quiet. So Esc, our interrupt key,
took ~100 ms whatever ESCDELAY said. This driver runs the same read loop but
waits only `ESCAPE_DELAY` after any input before it ticks the parser, and the
usual 100 ms when the terminal has been quiet.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual import constants
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

#: How long the input thread sleeps when no key is half-read.
IDLE_WAIT_S = 0.1
#: Slack after ESCDELAY, so the parser's deadline has surely passed when we tick.
TICK_SLACK_S = 0.001


class QuickEscapeDriver(LinuxDriver):
    """LinuxDriver whose input thread wakes when a pending escape times out."""

    def run_input_thread(self) -> None:
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        wait = IDLE_WAIT_S
        with selectors.SelectSelector() as selector:
            selector.register(self.fileno, selectors.EVENT_READ)
            while not self.exit_event.is_set():
                if selector.select(wait):
                    data = decode(os.read(self.fileno, 4096))
                    if not data:
                        # End of input (stdin was a pipe): nothing more will come.
                        self.exit_event.wait()
                        break
                    for message in parser.feed(data):
                        self.process_message(message)
                    # Right after input a lone ESC may be waiting for its delay.
                    wait = constants.ESCAPE_DELAY + TICK_SLACK_S
                else:
                    wait = IDLE_WAIT_S
                for message in parser.tick():
                    self.process_message(message)
