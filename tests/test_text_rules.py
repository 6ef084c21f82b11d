"""check_text finds refused characters with a regex; it must refuse exactly what the rules say,
character by character, with the same message for the first refused one."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from kudoswall.text import _BIDI, _INVISIBLE, check_text

EDGES = [0, 8, 9, 10, 11, 13, 31, 32, 0x7E, 0x7F, 0x9F, 0xA0, 0x2028, 0x2029, 0xD800, 0xDFFF, 0xFFFD, 0xFFFE,
         0xFFFF, 0xE0000, 0xE007F, 0xE0080, *map(ord, _BIDI | _INVISIBLE)]


def rules(text: str, strict_identity: bool, allow_newlines: bool) -> str:
    """The rules as first written: one character at a time."""
    for ch in text:
        code = ord(ch)
        if (code < 32 and not (allow_newlines and ch in "\n\t")) or 0x7F <= code < 0xA0:
            return f"contains a control character (U+{code:04X})"
        if code in (0x2028, 0x2029) and not allow_newlines:
            return f"contains a line or paragraph separator (U+{code:04X})"
        if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            return f"contains a character that is not allowed (U+{code:04X})"
        if strict_identity and (ch in _BIDI or ch in _INVISIBLE or 0xE0000 <= code < 0xE0080):
            return f"contains an invisible or direction-changing character (U+{code:04X} {unicodedata.name(ch, '')})"
        if ch in "\u202e\u202d\u2066\u2067\u2068\u2069\u202a\u202b":
            return f"contains a direction-changing character (U+{code:04X})"
    return ""


characters = st.one_of(st.sampled_from([chr(code) for code in EDGES]), st.characters(), st.sampled_from("ab é\n\t"))


@settings(max_examples=2000, deadline=None)
@given(st.lists(characters, max_size=12).map("".join), st.booleans(), st.booleans())
def test_check_text_refuses_what_the_rules_refuse(text: str, strict_identity: bool, allow_newlines: bool) -> None:
    assert check_text(text, strict_identity, allow_newlines) == rules(text, strict_identity, allow_newlines)


def test_every_edge_character_alone() -> None:
    for code in EDGES:
        for strict_identity in (False, True):
            for allow_newlines in (False, True):
                text = f"a{chr(code)}b"
                assert check_text(text, strict_identity, allow_newlines) == rules(text, strict_identity, allow_newlines)
