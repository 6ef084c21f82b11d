"""Rules for text that identifies people, and for file names editors leave behind."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Bidi overrides and isolates can make a name read differently from its bytes; zero-width
# characters make two names that look the same compare different.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_INVISIBLE = set(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"  # zero-width, soft hyphen
    "\u034f\u115f\u1160\u3164\uffa0\u180b\u180c\u180d\u180f"  # grapheme joiner, Hangul fillers, Mongolian
)
_TAG_CHARACTERS = range(0xE0000, 0xE0080)  # invisible "tag" letters that can spell hidden text
_EDITOR_TEMP = re.compile(r"(^\.?#.*#?$)|(~$)|(\.sw[a-p x]$)|(^4913$)|(___jb_(tmp|old)___$)|(^\.DS_Store$)|(\.tmp$)")


def check_text(text: str, strict_identity: bool, allow_newlines: bool = False) -> str:
    """Why `text` is unacceptable, or '' when it is fine.

    Control characters are refused everywhere (Atom and XML cannot carry them); bidi controls
    and zero-width characters are refused in names, where they enable impersonation. A regex
    finds the candidates (in C: every body of a wall passes through here), `_refusal` says why.
    """
    refused = first_refused(text, strict_identity, allow_newlines)
    return refused[1] if refused else ""


def first_refused(text: str, strict_identity: bool, allow_newlines: bool = False) -> tuple[int, str] | None:
    """Where in `text` the first character check_text refuses is, and why; None when it is fine."""
    for match in _suspects(strict_identity, allow_newlines).finditer(text):
        if reason := _refusal(match.group(), strict_identity, allow_newlines):
            return match.start(), reason
    return None


def _refusal(ch: str, strict_identity: bool, allow_newlines: bool) -> str:
    code = ord(ch)
    if (code < 32 and not (allow_newlines and ch in "\n\t")) or 0x7F <= code < 0xA0:
        return f"contains a control character (U+{code:04X})"
    if code in (0x2028, 0x2029) and not allow_newlines:
        return f"contains a line or paragraph separator (U+{code:04X})"
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return f"contains a character that is not allowed (U+{code:04X})"
    if strict_identity and (ch in _BIDI or ch in _INVISIBLE or code in _TAG_CHARACTERS):
        return f"contains an invisible or direction-changing character (U+{code:04X} {unicodedata.name(ch, '')})"
    if ch in _DIRECTION_CHANGING:
        return f"contains a direction-changing character (U+{code:04X})"
    return ""


_DIRECTION_CHANGING = frozenset("\u202e\u202d\u2066\u2067\u2068\u2069\u202a\u202b")


@cache
def _suspects(strict_identity: bool, allow_newlines: bool) -> re.Pattern[str]:
    """Every character `_refusal` may refuse (a superset would be fine: it decides)."""
    ranges = ["\x00-\x08\x0b-\x1f" if allow_newlines else "\x00-\x1f\u2028\u2029",
              "\x7f-\x9f", "\ud800-\udfff", "\ufffe\uffff", *map(re.escape, sorted(_DIRECTION_CHANGING))]
    if strict_identity:
        ranges += [*map(re.escape, sorted(_BIDI | _INVISIBLE)), "\U000e0000-\U000e007f"]
    return re.compile("[" + "".join(ranges) + "]")


def is_editor_temp_file(name: str) -> bool:
    """Swap, backup and atomic-save files of vim, emacs, JetBrains IDEs and macOS.

    The substring tests are what any match of the pattern needs; they spare the pattern search
    (10 µs a name) for the 10,000s of ordinary names a large wall lists on every rebuild.
    """
    if not (name.startswith(("#", ".#")) or "~" in name or ".sw" in name or "4913" in name or "___jb_" in name
            or ".DS_Store" in name or ".tmp" in name):
        return False
    return bool(_EDITOR_TEMP.search(name))


# Letters from other scripts that render like Latin ones (a subset of Unicode's confusables
# list covering Cyrillic and Greek lookalikes, which is how impersonation is usually done).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ӏ": "l", "ɡ": "g",
        "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
        "Т": "t", "У": "y", "Х": "x", "Ѕ": "s", "І": "l", "Ј": "j", "Ӏ": "l",
        "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
        "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "l", "Κ": "k", "Μ": "m", "Ν": "n",
        "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
        "0": "o", "1": "l", "|": "l",
        # Latin small capitals and IPA letters, more Cyrillic, Greek and Armenian lookalikes
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
        "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
        "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɑ": "a", "ı": "i", "ȷ": "j", "ɩ": "i",
        "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ϲ": "c", "ϳ": "j", "γ": "y", "η": "n",
        "օ": "o", "ս": "u", "ց": "g", "հ": "h", "ո": "n", "զ": "q",
    }
)


def identity_skeleton(text: str) -> str:
    """A form in which two names that look alike compare equal (after Unicode TR39's idea).

    A capital I is folded to l before case folding, as TR39 does: 'Ilya' and 'IIya' look alike.
    Capitals are mapped before case folding too: folded, Greek Μ and Η become μ and η, which look
    like no Latin letter, and 'Μark' (Greek capital mu) would pass for a name of its own.
    """
    capitals = unicodedata.normalize("NFKC", text).replace("I", "l").translate(_CONFUSABLES)
    folded = capitals.casefold().translate(_CONFUSABLES)
    return " ".join(folded.replace("rn", "m").replace("vv", "w").split())


def printable(text: str) -> str:
    """`text` with control characters and undecodable bytes (from file names) shown as escapes.

    File names go into messages; a newline in one could forge a line of the build log.
    """
    out = []
    for ch in text:
        code = ord(ch)
        if code < 32 or 0x7F <= code < 0xA0 or 0xD800 <= code <= 0xDFFF or ch in _BIDI:
            out.append(f"\\x{code & 0xFF:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


_BASE_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŀ": "l", "þ": "th", "æ": "ae",
                               "œ": "oe"})
"""Letters NFKD does not split into a base letter and an accent."""


def name_order(name: str) -> tuple[str, str]:
    """How names sort in the directory and rankings: by their letters without accents, then as
    written. By code point, Łukasz, Émile and Şebnem came after Zoë."""
    folded = name.casefold()
    letters = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return letters.translate(_BASE_LETTERS), folded
