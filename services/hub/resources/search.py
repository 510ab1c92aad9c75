"""Full-text search in the database's own engine, agreeing on both databases.

PostgreSQL: ``knowledge_resource_texts.search_vector``, a generated ``tsvector`` (title weight A,
summary B, body C) built with the text's language configuration (``norwegian`` for nb and nn),
with a GIN index; queries are ``plainto_tsquery`` in the same configuration, ranked by
``ts_rank_cd``.

SQLite: FTS5 has no Norwegian stemmer, so the repository stems with the Snowball stemmer of the
text's language (the very algorithm PostgreSQL's snowball dictionaries use) and stores the stems
in ``knowledge_resource_fts``; a query is stemmed the same way, every word must occur, ranked by
``bm25`` with the same weights' order. "klimabudsjettet" and "klimabudsjett" both become
"klimabudsjett" on either database.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import snowballstemmer

# Language code → (PostgreSQL text search configuration, Snowball algorithm).
LANGUAGES: dict[str, tuple[str, str]] = {
    "nb": ("norwegian", "norwegian"),
    "nn": ("norwegian", "norwegian"),
    "en": ("english", "english"),
    "sv": ("swedish", "swedish"),
    "da": ("danish", "danish"),
}

WEIGHTS = (8.0, 4.0, 1.0)  # title, summary, body
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=8)
def _stemmer(algorithm: str) -> Any:
    return snowballstemmer.stemmer(algorithm)


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def stems(text: str, language: str) -> list[str]:
    return list(_stemmer(LANGUAGES[language][1]).stemWords(words(text)))


def stemmed(text: str, language: str) -> str:
    return " ".join(stems(text, language))


def fts5_query(text: str, language: str) -> str | None:
    """Every stem as a quoted FTS5 string (implicitly AND-ed): user input is never FTS syntax."""
    terms = stems(text, language)
    if not terms:
        return None
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def configurations() -> dict[str, list[str]]:
    """PostgreSQL configuration → the languages indexed with it."""
    groups: dict[str, list[str]] = {}
    for language, (config, _) in LANGUAGES.items():
        groups.setdefault(config, []).append(language)
    return groups


def generated_tsvector_sql() -> str:
    """The expression of the generated column (immutable: literal configurations only)."""
    cases = " ".join(
        f"WHEN '{language}' THEN '{config}'::regconfig"
        for language, (config, _) in LANGUAGES.items()
    )
    config = f"(CASE language {cases} ELSE 'simple'::regconfig END)"
    return (
        f"setweight(to_tsvector({config}, coalesce(title, '')), 'A') || "
        f"setweight(to_tsvector({config}, coalesce(summary, '')), 'B') || "
        f"setweight(to_tsvector({config}, coalesce(body, '')), 'C')"
    )
