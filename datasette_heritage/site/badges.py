"""Badges and condition colours: the one definition of their markup and
classes, used by render_cell on Datasette's pages (cells.py) and by the
plugin's templates (as Jinja globals, see ``jinja_globals``).

heritage.css colours the classes: ``heritage-rank-<rank>`` sets the colour
of a damage level (1 = most severe), for badges, the legend and map markers.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

RANKS = (1, 2, 3, 4, 5)


def css_name(text: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", str(text).lower())


def rank_class(rank: Any) -> str:
    """The colour class of a damage level's rank (none: no damage reported)."""
    if rank is None:
        return "heritage-rank-none"
    return f"heritage-rank-{rank}" if rank in RANKS else "heritage-rank-other"


def term_classes(vocabulary: str, term: str, rank: Any = None) -> list[str]:
    """Classes of a badge for a term of a vocabulary (a vocabulary table, or
    the fixed ``stance`` and ``identification`` terms of citations)."""
    classes = [f"heritage-badge-{css_name(f'{vocabulary}-{term}')}"]
    if vocabulary == "damage_levels":
        classes += ["heritage-damage", rank_class(rank)]
    elif vocabulary == "event_kinds":
        classes.append("heritage-badge-kind")
    elif vocabulary == "identification" and term == "inferred":
        classes.append("heritage-badge-inferred")
    return classes


def badge(
    label: Any,
    *classes: str,
    title: str | None = None,
    href: str | None = None,
    term: str | None = None,
) -> Markup:
    """A badge; every argument is escaped."""
    # Joined from escaped parts rather than Markup.format, whose parsing of
    # the format string was most of the cost of a page with many badges.
    parts = ['<span class="', escape(" ".join(["heritage-badge", *filter(None, classes)])), '"']
    if term is not None:
        parts += [' data-term="', escape(term), '"']
    if title:
        parts += [' title="', escape(title), '"']
    parts += [">", escape(label), "</span>"]
    if href:
        # The badge inside the link, so its colours win over the link's.
        parts = ['<a class="heritage-badge-link" href="', escape(href), '">', *parts, "</a>"]
    return Markup("".join(parts))


def term_badge(
    vocabulary: str,
    term: str | None,
    label: Any = None,
    rank: Any = None,
    title: str | None = None,
    href: str | None = None,
) -> Markup:
    """A vocabulary term's badge, labelled (the term itself without a label);
    nothing for no term."""
    if term is None or term == "":
        return Markup("")
    return badge(
        label or term, *term_classes(vocabulary, term, rank), title=title, href=href, term=term
    )


def contested_badge(flag: Any) -> Markup:
    if not flag:
        return Markup("")
    return badge("contested", "heritage-contested", title="At least one source disputes this event")


def jinja_globals() -> dict[str, Any]:
    return {
        "heritage_badge": badge,
        "heritage_term_badge": term_badge,
        "heritage_contested_badge": contested_badge,
        "heritage_rank_class": rank_class,
    }
