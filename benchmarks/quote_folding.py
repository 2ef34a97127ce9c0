"""CPU time of quote verification (build/quotes.py find_quote over the
folding of datasette_heritage/folding.py): on the quotes of a synthetic
corpus (English, typographic and straight quotes, line breaks), and on made-up
Arabic texts whose quotes are typed half with vowel signs, tatweel and hamza,
half without. With ``--against REV``, the same English quotes are also
verified by build/quotes.py as it was at git revision REV, in the same run,
and the two must give the same offsets.

Usage: python benchmarks/quote_folding.py [--citations N] [--rounds R] [--against REV]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from datasette_heritage import folding  # noqa: E402
from datasette_heritage.build import quotes  # noqa: E402
from datasette_heritage.synth import synthesize  # noqa: E402

# Made-up Arabic words (not a report): vocalised, with tatweel, hamza forms,
# ta marbuta, Arabic-Indic digits and the Arabic comma.
ARABIC_WORDS = [
    "قال",
    "ناشطون",
    "إنَّ",
    "المُسَلَّحِينَ",
    "فَجَّرُوا",
    "قَوْسَ",
    "المدينة",
    "الأثري",
    "عام",
    "٢٠١٥،",
    "وإن",
    "المـعـبد",
    "تضرر",
    "بشدة.",
    "القلعة",
    "مَعْبَد",
    "الاختبار",
    "أمس",
]


def english_pairs(citations: int, folder: Path) -> list[tuple[str, str]]:
    synthesize(folder, citations, seed=5)
    texts = {}
    for path in (folder / "sources").rglob("*.yml"):
        (record,) = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        if record["language"] == "en":  # the corpus's Arabic sources aside
            texts[record["id"]] = (path.parent / record["text_file"]).read_text(encoding="utf-8")
    pairs = []
    for path in sorted((folder / "events").glob("*.yml")):
        for event in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
            pairs += [
                (c["quote"], texts[c["source_id"]])
                for c in event["citations"]
                if c["source_id"] in texts
            ]
    return pairs


def arabic_pairs(count: int, texts: int) -> list[tuple[str, str]]:
    rng = random.Random(1)
    bodies = [" ".join(rng.choice(ARABIC_WORDS) for _ in range(600)) for _ in range(texts)]
    pairs = []
    per_text = max(1, count // texts)
    for i in range(count):
        # A source's quotes come together, as an events file's do.
        body = bodies[(i // per_text) % texts]
        words = body.split()
        start = rng.randrange(0, len(words) - 8)
        quote = " ".join(words[start : start + 6])
        pairs.append((folding.fold(quote) if i % 2 else quote, body))
    return pairs


def old_quotes(revision: str):
    source = subprocess.run(
        ["git", "show", f"{revision}:datasette_heritage/build/quotes.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_quotes.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_quotes", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_quotes"] = module
    spec.loader.exec_module(module)
    return module


def timed(find, pairs, clear, rounds: int) -> tuple[float, list]:
    best, found = float("inf"), []
    for _ in range(rounds):
        clear()  # every text folded again, as in a build
        started = time.process_time()
        found = [find(quote, text) for quote, text in pairs]
        best = min(best, time.process_time() - started)
    return best, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--citations", type=int, default=30000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="a git revision whose build/quotes.py to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pairs = english_pairs(args.citations, Path(tmp) / "corpus")
    texts = len({text for _, text in pairs})
    clear = folding.searchable.cache_clear
    figures: dict[str, float] = {"quotes": len(pairs), "texts": texts}
    seconds, found = timed(quotes.find_quote, pairs, clear, args.rounds)
    assert all(found), "a synthetic quote not found"
    figures["english"] = seconds
    print(
        f"English: {len(pairs)} quotes in {texts} texts: {seconds:.3f} s CPU (best of {args.rounds})"
    )
    if args.against:
        old = old_quotes(args.against)
        before, found_before = timed(
            old.find_quote, pairs, old._searchable.cache_clear, args.rounds
        )
        assert found_before == found, "the two give different offsets"
        figures["english_then"] = before
        print(f"  at {args.against}: {before:.3f} s CPU; now/then = {seconds / before:.2f}")
    arabic = arabic_pairs(len(pairs), texts)
    seconds, found = timed(quotes.find_quote, arabic, clear, args.rounds)
    assert all(found), "an Arabic quote not found"
    figures["arabic"] = seconds
    print(f"Arabic: {len(arabic)} quotes in {texts} texts of 600 words: {seconds:.3f} s CPU")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
