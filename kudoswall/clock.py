"""The one notion of "now" kudoswall has: today's date, or SOURCE_DATE_EPOCH's when it is set.

Built pages carry no build time (feeds and pages use the kudos' own dates); the only dated thing
kudoswall writes is the publication date of a kudos in kudoswall.lock. Honouring
SOURCE_DATE_EPOCH (reproducible-builds.org) makes that date, and so every output, reproducible.
"""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    """Today in UTC, or the date of SOURCE_DATE_EPOCH (seconds since 1970, UTC) when it is valid."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            pass
    return dt.datetime.now(dt.UTC).date()
