"""The one function that turns names into path segments, and the rule that checks them.

Every path the build writes (kudos ids, handles, skill pages) is made or checked here, so the
safe alphabet and the length limit live in a single place.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

MAX_SLUG_LENGTH = 100
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?\Z")  # \Z: `$` also matches before a final newline
_REPLACEMENTS = {"+": " plus ", "#": " sharp ", "&": " and ", "@": " at "}


def is_slug(text: str) -> bool:
    return bool(_SLUG_RE.match(text))


@lru_cache(maxsize=8192)  # skill names repeat on every kudos of a wall
def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and single hyphens; never empty, at most 100 characters.

    'C++' and 'C#' stay apart ('c-plus-plus', 'c-sharp'); text with no Latin letters at all
    gets a short stable hash so that it still has a page.
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for symbol, word in _REPLACEMENTS.items():
        folded = folded.replace(symbol, word)
    folded = folded.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("ł", "l").replace("Ł", "l")
    folded = folded.replace("æ", "ae").replace("Æ", "ae").replace("đ", "d").replace("Đ", "d")
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if not slug:
        # surrogatepass: a file name that is not valid UTF-8 still gets a stable slug, not a crash
        return "x-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    if len(slug) > MAX_SLUG_LENGTH:
        slug = slug[:MAX_SLUG_LENGTH].rstrip("-")
    return slug
