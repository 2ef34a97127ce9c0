"""Which way a text runs, from its language tag (BCP 47): pages set ``dir``
on every text in a right-to-left language (Arabic, Persian, Urdu, Hebrew ...)
so it reads, wraps and is highlighted as its readers expect."""

from __future__ import annotations

import json
from typing import Any

# Languages written right to left unless the tag names another script.
RTL_LANGUAGES = frozenset(
    {
        "ar",  # Arabic
        "arc",  # Aramaic
        "azb",  # South Azerbaijani
        "ckb",  # Central Kurdish (Sorani)
        "dv",  # Dhivehi
        "fa",  # Persian
        "glk",  # Gilaki
        "he",  # Hebrew
        "iw",  # Hebrew (old code)
        "ks",  # Kashmiri
        "lrc",  # Northern Luri
        "mzn",  # Mazanderani
        "pnb",  # Western Punjabi
        "prs",  # Dari
        "ps",  # Pashto
        "sd",  # Sindhi
        "syr",  # Syriac
        "ug",  # Uyghur
        "ur",  # Urdu
        "yi",  # Yiddish
    }
)
# Script subtags of right-to-left scripts (ku-Arab, az-Arab ...).
RTL_SCRIPTS = frozenset(
    {"Adlm", "Arab", "Aran", "Hebr", "Mand", "Nkoo", "Rohg", "Samr", "Syrc", "Thaa"}
)


def direction(language: str | None) -> str:
    """``rtl`` or ``ltr`` for a language tag; ``ltr`` when there is none."""
    if not isinstance(language, str) or not language:
        return "ltr"
    parts = language.replace("_", "-").split("-")
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            return "rtl" if part.title() in RTL_SCRIPTS else "ltr"
    return "rtl" if parts[0].lower() in RTL_LANGUAGES else "ltr"


def names_in_languages(stored: str | None) -> list[dict[str, str]]:
    """A ``names`` column (a JSON list of {name, language}) as a list, each
    name with the direction of its language; empty for anything else."""
    try:
        names: Any = json.loads(stored or "[]")
    except ValueError:
        return []
    if not isinstance(names, list):
        return []
    return [
        {"name": n["name"], "language": n["language"], "direction": direction(n["language"])}
        for n in names
        if isinstance(n, dict)
        and isinstance(n.get("name"), str)
        and isinstance(n.get("language"), str)
    ]
