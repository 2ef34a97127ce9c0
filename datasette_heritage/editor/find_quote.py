"""Find the passage an editor means from approximate words, and give it as a
citation ready to paste under an event.

The search is build/quotes.py's (closest_passages): the same folding of
quotation marks, dashes and white space the build uses to verify quotes, so
every passage offered here verifies."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..build.quotes import Candidate, closest_passages, find_quote

# A candidate this far below the best is a different passage, not a rival.
RIVAL_MARGIN = 8.0
_PLAIN_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Below this nothing in the text is like the words typed.
LEAST_SCORE = 50.0


@dataclass(frozen=True)
class QuoteSearch:
    exact: bool
    candidates: list[Candidate]
    # How often an exact passage is in the text: the build locates the first.
    occurrences: int = 1


def search(words: str, text: str, limit: int = 3) -> QuoteSearch:
    """The passage of ``text`` the editor means by ``words``: exact when the
    words are a passage as they are; else the best candidate and any close
    rivals (at most ``limit``), or none when nothing is like them."""
    found = find_quote(words, text)
    if found is not None:
        start, end = found
        passage = text[start:end]
        return QuoteSearch(
            True, [Candidate(start, end, passage, 100.0)], occurrences(passage, text)
        )
    candidates = closest_passages(words, text, limit=limit)
    if not candidates or candidates[0].score < LEAST_SCORE:
        return QuoteSearch(False, [])
    best = candidates[0].score
    return QuoteSearch(False, [c for c in candidates if c.score >= best - RIVAL_MARGIN])


def occurrences(passage: str, text: str) -> int:
    """How many times ``passage`` is in ``text`` as a quote (find_quote's
    matching), counting from each match's end."""
    count, offset = 0, 0
    while (found := find_quote(passage, text[offset:])) is not None:
        count += 1
        offset += found[1]
    return count


def one_line(passage: str) -> str:
    """The passage with its white space runs as single spaces: a quote
    verifies either way, and one line pastes cleanly into YAML."""
    return " ".join(passage.split())


def citation_block(source_id: str, passage: str) -> str:
    """A citation to paste under an event's ``citations:`` (the same block the
    source page's "Cite this passage" gives: site/static/heritage-cite.js)."""
    # A JSON string is a YAML double-quoted scalar: any text stays intact.
    plain = _PLAIN_ID.fullmatch(source_id) and not source_id.isdigit()
    shown_id = source_id if plain else json.dumps(source_id, ensure_ascii=False)
    return (
        f"- source_id: {shown_id}\n"
        f"  quote: {json.dumps(one_line(passage), ensure_ascii=False)}\n"
        "  claimant:            # who makes the claim, as the source attributes it\n"
        "  stance: supports     # or: disputes\n"
        "  identification: explicit   # or: inferred (then add a note: why)\n"
    )
