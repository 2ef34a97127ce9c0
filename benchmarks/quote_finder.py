"""How well the quote finder (build/quotes.py closest_passages, used by
`datasette-heritage quote` and by the build's misquote errors) finds the
passage an editor means, and at what CPU cost.

Every verified quote of the dataset under data/ is typed again with the
mistakes editors make (a transposed letter, two of them, a word left out,
two words left out, a clause of 3-5 words left out, lower case with straight
quotes), with a fixed seed; a search succeeds when its best candidate is the
original passage. Compared: the finder as shipped (rapidfuzz), the same
search with plain ratio instead of its recall-weighted score, and the same
search with Python's difflib in place of rapidfuzz (on a few searches only:
it takes seconds each).

Usage: python benchmarks/quote_finder.py [--seed N] [--limit N]  (--limit 0: every quote)
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasette_heritage.build import quotes  # noqa: E402
from datasette_heritage.build.quotes import closest_passages, find_quote, normalise  # noqa: E402

KINDS = (
    "typo",
    "two typos",
    "word left out",
    "two words left out",
    "clause left out",
    "lower case, straight quotes",
)


def dataset_quotes(data: Path) -> list[tuple[str, str]]:
    """(quote, source text) for every verified quote of the dataset."""
    import yaml

    texts = {}
    for path in sorted((data / "sources").glob("*.yml")):
        for record in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if record.get("text_file"):
                texts[record["id"]] = (path.parent / record["text_file"]).read_text(
                    encoding="utf-8"
                )
    found = []
    for path in sorted((data / "events").glob("*.yml")):
        for event in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            for citation in event.get("citations") or []:
                text = texts.get(citation["source_id"])
                if text and find_quote(citation["quote"], text):
                    found.append((citation["quote"], text))
    return found


def mistyped(quote: str, kind: str, rnd: random.Random) -> str:
    words = quote.split()

    def swap(word: str) -> str:
        if len(word) < 3:
            return word
        i = rnd.randrange(len(word) - 1)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]

    if kind == "typo":
        i = rnd.randrange(len(words))
        words[i] = swap(words[i])
    elif kind == "two typos":
        for _ in range(2):
            i = rnd.randrange(len(words))
            words[i] = swap(words[i])
    elif kind == "word left out" and len(words) > 3:
        del words[rnd.randrange(1, len(words) - 1)]
    elif kind == "two words left out" and len(words) > 5:
        del words[rnd.randrange(1, len(words) - 2)]
        del words[rnd.randrange(1, len(words) - 1)]
    elif kind == "clause left out" and len(words) > 7:
        n = rnd.randint(3, min(5, len(words) - 4))
        i = rnd.randrange(1, len(words) - n - 1)
        del words[i : i + n]
    elif kind.startswith("lower case"):
        return quote.lower().replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    return " ".join(words)


@contextmanager
def plain_ratio():
    """The search scoring windows by rapidfuzz's ratio alone."""
    from rapidfuzz import fuzz

    saved = quotes._recall_weighted
    quotes._recall_weighted = fuzz.ratio
    try:
        yield
    finally:
        quotes._recall_weighted = saved


def _difflib_similarity(a: str, b: str, **_: object) -> int:
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks)


def _difflib_extract(query, choices, scorer=None, limit=5, **_: object):
    scored = [
        (choice, 100 * difflib.SequenceMatcher(None, query, choice, autojunk=False).ratio(), i)
        for i, choice in enumerate(choices)
    ]
    return sorted(scored, key=lambda item: -item[1])[:limit]


@contextmanager
def with_difflib():
    """The same search with Python's difflib in place of rapidfuzz (quotes.py
    imports rapidfuzz's modules when it searches, so their functions are
    swapped there)."""
    from rapidfuzz import process
    from rapidfuzz.distance import LCSseq

    saved = LCSseq.similarity, process.extract
    LCSseq.similarity, process.extract = _difflib_similarity, _difflib_extract
    try:
        yield
    finally:
        LCSseq.similarity, process.extract = saved


@contextmanager
def as_shipped():
    yield


METHODS = {
    "rapidfuzz, recall-weighted (shipped)": as_shipped,
    "rapidfuzz, plain ratio": plain_ratio,
    "difflib, recall-weighted": with_difflib,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--limit",
        type=int,
        default=12,
        help="the first N quotes (0: all 68; difflib takes about a second a search)",
    )
    parser.add_argument(
        "--difflib",
        type=int,
        default=6,
        help="searches to time difflib on (seconds each; 0: skip it)",
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    args = parser.parse_args()
    cases = dataset_quotes(args.data)
    if args.limit:
        cases = cases[: args.limit]
    rnd = random.Random(args.seed)
    typed = [(mistyped(q, kind, rnd), q, text, kind) for kind in KINDS for q, text in cases]
    results = {}
    for name, method in METHODS.items():
        if method is with_difflib and not args.difflib:
            continue
        searches = (
            typed[:: max(1, len(typed) // args.difflib)][: args.difflib]
            if (method is with_difflib)
            else typed
        )
        with method():
            per_kind = {kind: 0 for kind in KINDS}
            started = time.process_time()
            for words, quote, text, kind in searches:
                found = closest_passages(words, text)
                start, end = find_quote(quote, text)
                if (
                    found
                    and normalise(found[0].passage).lower() == normalise(text[start:end]).lower()
                ):
                    per_kind[kind] += 1
            cpu = time.process_time() - started
        results[name] = {
            "found": sum(per_kind.values()),
            "searches": len(searches),
            "per_kind": per_kind,
            "cpu_ms_per_search": round(1000 * cpu / len(searches), 2),
        }
    print(f"{len(cases)} quotes of {args.data}, each typed {len(KINDS)} ways (seed {args.seed})")
    print(f"{'method':<40} {'found':>11} {'CPU ms/search':>14}   " + "  ".join(KINDS))
    for name, r in results.items():
        kinds = "  ".join(f"{r['per_kind'][k]:>{len(k)}}" for k in KINDS)
        print(
            f"{name:<40} {r['found']:>5}/{r['searches']:<5} {r['cpu_ms_per_search']:>14}   {kinds}"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
