"""The four voice-activity states, as `VoiceActivity.state` carries them.

Kept apart from the VAD so code that only reacts to them (barge-in, the remote side,
the UI) imports no audio library.
"""

ONSET = "onset"
CONFIRMED = "confirmed"
FALSE_START = "false_start"
OFFSET = "offset"
