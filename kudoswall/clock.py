"""The one notion of "now" kudoswall has: today's date, or SOURCE_DATE_EPOCH's when it is set.

Built pages carry no build time (feeds and pages use the kudos' own dates); the only dated thing
kudoswall writes is the publication date of a kudos in kudoswall.lock. Honouring
SOURCE_DATE_EPOCH (reproducible-builds.org) makes that date, and so every output, reproducible.
"""

from __future__ import annotations

import datetime as dt
import os

from .errors import UsageError


def today() -> dt.date:
    """Today in UTC, or the date of SOURCE_DATE_EPOCH (seconds since 1970, UTC) when it is set.

    A value that is set but not such a number is an error, as reproducible-builds.org asks: falling
    back to the clock would give a build that only looks reproducible."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch == "":
        return dt.datetime.now(dt.UTC).date()
    try:
        if not epoch.isascii() or not epoch.isdigit():
            raise ValueError(epoch)
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970-01-01 UTC "
                         "(unset it, or set it to the output of 'git log -1 --format=%ct')") from None
