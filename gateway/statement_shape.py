"""A statement's shape for the audit log: what it asked, never a value a user typed.

The shape is made from tokens, not a parse tree, so it costs time linear in
the statement and cannot fail on deep nesting: it is written for every
attempt, including those the parser refuses. Literals become ``?`` (long
lists of them are counted, not repeated), comments are dropped, and a name
is kept only when it is a room table, a column, or a word of DuckDB's own
(function, keyword, type); every other name (an alias, a CTE, a quoted
label) becomes ``name_a``, ``name_b``… consistently, since it is free text too.
The placeholders hold no digit: a digit would make the audit log's free-text
guard (``audit.free_text``) run the personal-data recognizers over every shape.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import duckdb
import sqlglot
from sqlglot.tokens import Token, TokenType

_LITERALS = frozenset(t for t in TokenType if t.name == "NUMBER" or t.name.endswith("STRING"))
_NAMES = frozenset({TokenType.VAR, TokenType.IDENTIFIER})
_NO_SPACE_BEFORE = frozenset({",", ")", ".", "]", "::"})
_NO_SPACE_AFTER = frozenset({"(", ".", "[", "::"})
_LIST_SHOWN = 3  # a run of literals longer than this is counted, not repeated


def statement_shape(sql: str, known_names: Iterable[str] = ()) -> str:
    """The statement with literals, comments and user-made names replaced."""
    try:
        tokens = sqlglot.tokenize(sql, read="duckdb")
    except Exception:  # shaping never fails: an unreadable statement is described
        return f"<statement that could not be read as SQL, {len(sql)} characters>"
    # Looked up in both sets: a union would copy DuckDB's thousands of words every time.
    known = (_duckdb_words(), {name.lower() for name in known_names})
    made_up: dict[str, str] = {}
    words: list[str] = []
    for token in tokens:
        words.append(_shaped(token, known, made_up))
    return _joined(_counted_lists(words))


def _shaped(token: Token, known: tuple[frozenset[str], set[str]], made_up: dict[str, str]) -> str:
    if token.token_type in _LITERALS:
        return "?"
    if token.token_type in _NAMES:
        name = token.text
        if any(name.lower() in words for words in known):
            return f'"{name}"' if token.token_type == TokenType.IDENTIFIER else name
        return made_up.setdefault(name.lower(), f"name_{_letters(len(made_up))}")
    # Keywords as sqlglot writes them, whatever case they were typed in.
    return token.text.upper() if token.text.isascii() else token.text


def _letters(index: int) -> str:
    """0 → a, 25 → z, 26 → aa: a placeholder's suffix with no digit in it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _counted_lists(words: list[str]) -> list[str]:
    """``?, ?, ?, ?, ?`` → ``?, ?, ?, … (5 values)``: a 40,000-value IN list stays short."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] != "?":
            out.append(words[i])
            i += 1
            continue
        end, values = i, 0
        while end < len(words) and words[end] == "?":
            values += 1
            if words[end + 1 : end + 3] == [",", "?"]:
                end += 2
            else:
                end += 1
                break
        if values > _LIST_SHOWN:
            out += ["?", ",", "?", ",", "?", ",", f"… ({values} values)"]
        else:
            out += words[i:end]
        i = end
    return out


def _joined(words: list[str]) -> str:
    text, previous = "", ""
    for word in words:
        if text and word not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            text += " "
        text += word
        previous = word
    return text


@lru_cache(maxsize=1)
def _duckdb_words() -> frozenset[str]:
    """Function names, keywords and type names DuckDB knows: never a user's free text."""
    con = duckdb.connect(":memory:")
    try:
        rows = con.execute(
            "SELECT function_name FROM duckdb_functions() "
            "UNION SELECT keyword_name FROM duckdb_keywords() "
            "UNION SELECT type_name FROM duckdb_types()"
        ).fetchall()
    finally:
        con.close()
    return frozenset(str(name).lower() for (name,) in rows)
