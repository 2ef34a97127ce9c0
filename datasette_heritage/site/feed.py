"""Atom feeds (RFC 4287) of events, newest first: the whole tracker (the
timeline's feed), a site (the timeline filtered by site) and a monument.

Each entry's content is HTML from a template (``heritage/feed_entry.html``:
the date in words, what happened, the claims for and against with their
quotes, claimants and sources), escaped there like any page; the XML around
it is written by ElementTree, which escapes it again as text. Characters
XML 1.0 cannot carry are dropped from every string first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    return _NOT_XML.sub("", "" if value is None else str(value))


def timestamp(day: str | None) -> str:
    """An Atom date for an ISO day: midnight UTC. Events are dated to the
    day at most; the day is the earliest the event's date allows."""
    return f"{day}T00:00:00Z" if day else "1970-01-01T00:00:00Z"


def _add(parent: ET.Element, tag: str, text: Any = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom(
    title: str,
    feed_id: str,
    self_url: str,
    page_url: str,
    author: str,
    entries: Sequence[dict[str, Any]],
) -> bytes:
    """The feed document. Each entry: id, url, title, published and updated
    (ISO days), categories (labels), content_html."""
    # Plain names under a default namespace declared on the root: every
    # element is Atom's, with no prefix for readers to trip on.
    feed = ET.Element("feed", {"xmlns": ATOM})
    _add(feed, "title", title)
    _add(feed, "id", feed_id)
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    _add(feed, "updated", timestamp(max((e["updated"] or "" for e in entries), default=None)))
    _add(_add(feed, "author"), "name", author)
    _add(feed, "generator", "datasette-heritage")
    for entry in entries:
        item = _add(feed, "entry")
        _add(item, "id", entry["id"])
        _add(item, "title", entry["title"])
        _add(item, "link", rel="alternate", type="text/html", href=entry["url"])
        _add(item, "published", timestamp(entry["published"]))
        _add(item, "updated", timestamp(entry["updated"]))
        for label in entry["categories"]:
            _add(item, "category", term=label)
        _add(item, "content", entry["content_html"], type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
