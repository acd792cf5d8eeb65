"""Change notification: an Atom feed with one entry per recorded release (seed/releases.csv),
each saying what changed since the one before it, table by table (api/release/history.py).
Feed readers and scripts subscribe to /v1/releases.atom instead of polling the data."""

from __future__ import annotations

import datetime as dt

from feedgen.feed import FeedGenerator

from api.release import history
from api.release.documents import AUTHOR, TITLE_EN

MEDIA_TYPE = "application/atom+xml"


def _moment(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T00:00:00+00:00")


def summary(version: str, previous: str | None) -> str:
    """One line per table that changed, from the committed summaries."""
    new = history.recorded(version)
    if new is None:
        return f"Dataset version {version}: no row summary is recorded for it."
    changes = history.diff(history.recorded(previous) if previous else None, new)
    lines = [f"{name}: {c['rows']} rows; {c['added']} added, {c['removed']} removed, "
             f"{c['changed']} changed" for name, c in changes.items()
             if c["added"] or c["removed"] or c["changed"]]
    since = f"since {previous}" if previous else "(the first recorded release)"
    return "\n".join([f"Dataset version {version} {since}:", *(lines or ["no row changed"])])


def atom(releases: list[tuple[str, str, str]], base: str) -> bytes:
    """The feed; `releases` are (version, date, note), oldest first; `base` the public URL
    (empty: links relative to the feed)."""
    feed = FeedGenerator()
    feed.id("urn:dti-open-data:releases")
    feed.title(f"{TITLE_EN}: releases")
    feed.subtitle("Each dataset version released, with the rows added, removed and changed "
                  "per table since the one before.")
    feed.author({"name": AUTHOR})
    feed.link(href=f"{base}/v1/releases.atom", rel="self", type=MEDIA_TYPE)
    feed.link(href=f"{base}/v1/releases", rel="alternate", type="application/json")
    feed.language("en")
    feed.updated(_moment(releases[-1][1]) if releases else _moment("2020-01-01"))
    previous: str | None = None
    for version, day, note in releases:
        entry = feed.add_entry(order="prepend")  # newest first
        entry.id(f"urn:dti-open-data:release:{version}")
        entry.title(f"Dataset version {version} ({day})" + (f": {note}" if note else ""))
        entry.published(_moment(day))
        entry.updated(_moment(day))
        entry.link(href=f"{base}/v1/releases/{version}", rel="alternate",
                   type="application/json")
        entry.content(summary(version, previous), type="text")
        previous = version
    data: bytes = feed.atom_str(pretty=True)
    return data
