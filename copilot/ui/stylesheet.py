"""A stylesheet that parses its CSS once at start-up instead of twice.

Textual's `App.refresh_css` always sets the variables (which empties the parse
cache) and reparses every source into a fresh stylesheet. At start-up it runs
once, from `_init_mode`, right after the first parse and with the same
variables when the theme was chosen before that parse (`CopilotApp.__init__`
does): a second parse of all ~40 sources that changes nothing, about 20 ms of
the launch. This subclass keeps its parse cache while the variables stay the same, so a
reparse with them parses only sources added or changed since (none, at
start-up). A theme change still reparses everything the way Textual does.
"""

from __future__ import annotations

from textual.css.stylesheet import Stylesheet


class OnceStylesheet(Stylesheet):
    """Reparses only when the variables or the sources changed."""

    def __init__(self, *, variables: dict[str, str] | None = None) -> None:
        super().__init__(variables=variables)
        #: The variables the current rules were parsed with; None before a parse.
        self._parsed_with: dict[str, str] | None = None

    def set_variables(self, variables: dict[str, str]) -> None:
        if variables == self._variables:
            return  # Keep the parse caches: they were built with these values.
        super().set_variables(variables)

    def parse(self) -> None:
        super().parse()
        self._parsed_with = dict(self._variables)

    def reparse(self) -> None:
        if self._parsed_with not in (None, self._variables):
            super().reparse()  # New variables: Textual's path, errors kept off self.
            self._parsed_with = dict(self._variables)
        elif self._require_parse or self._parsed_with is None:
            self.parse()  # Same variables: the cache still holds every unchanged source.
