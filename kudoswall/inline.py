"""Python-Markdown's inline pass, minus the patterns that cannot match a given text.

Python-Markdown tries each of its ~13 inline patterns on every text node, at about 5 µs a try
even when the pattern's first character is nowhere in the text; that was a quarter of the
Markdown time of a typical kudos. Each built-in pattern below needs one of a few literal
strings to match at all (a link needs `[`, an entity `&`), so skipping it when none is in
the text gives exactly the same result. A pattern this module does not know — another class,
another regex, one added by an extension — is always tried, as before.

Python-Markdown has no public hook for this: the override is of `InlineProcessor`'s private
`__handleInline`. If a future version renames it, the override is simply never called and
every pattern is tried again: slower, never different (tests/test_inline.py compares outputs).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from markdown import Markdown, inlinepatterns, util
from markdown.treeprocessors import InlineProcessor

Trigger = tuple[str, ...] | None
"""Strings of which a text must hold one for the pattern to match; None: always try it."""

_P = inlinepatterns
_KNOWN: dict[tuple[type[Any], str], tuple[str, ...]] = {
    (_P.BacktickInlineProcessor, _P.BACKTICK_RE): ("`",),
    (_P.EscapeInlineProcessor, _P.ESCAPE_RE): ("\\",),
    (_P.ReferenceInlineProcessor, _P.REFERENCE_RE): ("[",),
    (_P.LinkInlineProcessor, _P.LINK_RE): ("[",),
    (_P.ImageInlineProcessor, _P.IMAGE_LINK_RE): ("![",),
    (_P.ImageReferenceInlineProcessor, _P.IMAGE_REFERENCE_RE): ("![",),
    (_P.ShortReferenceInlineProcessor, _P.REFERENCE_RE): ("[",),
    (_P.ShortImageReferenceInlineProcessor, _P.IMAGE_REFERENCE_RE): ("![",),
    (_P.AutolinkInlineProcessor, _P.AUTOLINK_RE): ("<",),
    (_P.AutomailInlineProcessor, _P.AUTOMAIL_RE): ("<",),
    (_P.SubstituteTagInlineProcessor, _P.LINE_BREAK_RE): ("  \n",),
    (_P.HtmlInlineProcessor, _P.ENTITY_RE): ("&",),
}
"""Built-in patterns (exact class and regex) and the strings one of which each needs to match."""


def pattern_trigger(pattern: Any) -> Trigger:
    """What `pattern` needs in a text to match, if this module knows it."""
    delimiters = getattr(_P, "DelimiterProcessor", None)  # emphasis, in recent versions
    if delimiters is not None and type(pattern) is delimiters:
        tokens = tuple(pattern.tokens)
        expected = "|".join(re.escape(token) for token in tokens)
        return tokens if tokens and pattern.compiled_re.pattern == expected else None
    regex = getattr(getattr(pattern, "compiled_re", None), "pattern", None)
    return _KNOWN.get((type(pattern), regex)) if isinstance(regex, str) else None


class TriggeredInlineProcessor(InlineProcessor):
    """Registered in place of Python-Markdown's "inline" tree processor; same output, fewer tries."""

    triggers: list[Trigger]

    def run(self, tree: ET.Element, ancestors: list[str] | None = None) -> ET.Element:
        self.triggers = [pattern_trigger(pattern) for pattern in self.inlinePatterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """The loop of `InlineProcessor.__handleInline`, passing over patterns the text cannot match.

        A skipped pattern is one that would have returned "no match", which resets the start
        index to 0 and moves to the next pattern; a pattern is only skipped from index 0.
        """
        if isinstance(data, util.AtomicString):
            return data
        start = 0
        patterns, triggers = self.inlinePatterns, self.triggers
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        count = len(patterns)
        while patternIndex < count:
            trigger = triggers[patternIndex]
            if start == 0 and trigger is not None and trigger[0] not in data and (
                    len(trigger) == 1 or not any(needle in data for needle in trigger[1:])):
                patternIndex += 1
                continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def install_triggered_inline(md: Markdown) -> None:
    """Swap Python-Markdown's own inline processor, when it is the stock one, for the triggered one.

    20 is the stock processor's documented priority (after the block stage, before prettify).
    """
    if "inline" in md.treeprocessors and type(md.treeprocessors["inline"]) is InlineProcessor:
        md.treeprocessors.register(TriggeredInlineProcessor(md), "inline", 20)
