"""Standardise a whole column of a raw batch at once, with the same results as per value.

Each column runs a vectorised fast path for the values already in canonical form
(ISO dates, 18-character resident IDs with a good check character, plain digits),
and the per-value parser of :mod:`quality.standardise` for the rest, once per
distinct spelling. The fast path only ever settles values the parser would accept
unchanged, so every problem a row can have is still worded by the parser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.contracts import ColumnSpec
from identifiers import resident_id
from quality.channel_rules import ChannelRules
from quality.standardise import EARLIEST, Standardiser, ValueProblem, arrow_type

# Exactly the characters Python's str.strip() removes (str.isspace); a test keeps it so.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

_ISO_DATE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_ISO_DATETIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
)
_RESIDENT_ID = r"^[0-9]{17}[0-9X]$"
_PHONE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}[0-9]{7,8})$"
_HOUSEHOLD = r"^[0-9]{9}$"
_INTEGER = r"^-?[0-9]{1,18}$"
_ID_WEIGHTS = np.array(resident_id.WEIGHTS, dtype=np.int64)
_ID_CHECKS = np.frombuffer(resident_id.CHECK_CHARS.encode(), dtype=np.uint8)


@dataclass
class Column:
    """One standardised column: typed values (null when blank or bad), each row's
    problem (null when none) and which rows were blank."""

    values: pa.Array
    problems: pa.Array
    blank: pa.Array
    # str() of each value as the row fingerprint writes it, where the typed column cannot
    # say it (a date-time parsed with fractions of a second keeps them in its fingerprint)
    fingerprint_texts: pa.Array | None = None


def blank_mask(texts: pa.Array) -> pa.Array:
    """True where a value is missing or only whitespace (as ``not text.strip()``)."""
    empty = pc.equal(pc.utf8_trim(texts, PY_WHITESPACE), "")
    return pc.fill_null(empty, True)


def standardise_column(
    spec: ColumnSpec,
    texts: pa.Array | None,
    rows: int,
    std: Standardiser,
    rules: ChannelRules,
) -> Column:
    """The column's values for a batch; ``texts`` None when the batch lacks the column."""
    out_type = arrow_type(spec)
    if texts is None:
        return Column(pa.nulls(rows, out_type), pa.nulls(rows, pa.string()), _all(rows, True))
    texts = texts.cast(pa.string())
    blank = blank_mask(texts)
    todo = pc.if_else(blank, pa.scalar(None, pa.string()), texts)
    parse = std.for_column(spec)
    code_map = rules.codes.get(spec.name)
    vocabulary = rules.vocabularies.get(spec.name)
    fast = None
    if code_map is None and vocabulary is None:
        fast = _fast_path(spec, todo, std)
    if fast is not None:
        settled, fast_values = fast
        todo = pc.if_else(settled, pa.scalar(None, pa.string()), todo)

    def one(text: str) -> object:
        if code_map is not None:
            text = code_map.decode(text)
        value = parse(text)
        if vocabulary is not None:
            vocabulary.check(value)
        return value

    values, problems, said = by_distinct(todo, one, out_type, keep_text=kind_is_datetime(spec))
    if fast is not None:
        values = pc.if_else(settled, fast_values, values)
        if said is not None:
            said = pc.if_else(settled, pc.cast(fast_values, pa.string()), said)
    return Column(values, problems, blank, said)


def kind_is_datetime(spec: ColumnSpec) -> bool:
    return pa.types.is_timestamp(arrow_type(spec))


def by_distinct(
    texts: pa.Array, parse: Callable[[str], object], out_type: pa.DataType, keep_text: bool
) -> tuple[pa.Array, pa.Array, pa.Array | None]:
    """(values, problems, str() of the values if asked) of ``parse`` run once per distinct
    non-null text."""
    encoded = pc.dictionary_encode(texts)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    values: list[object] = []
    problems: list[str | None] = []
    for text in encoded.dictionary.to_pylist():
        try:
            values.append(parse(text))
            problems.append(None)
        except ValueProblem as problem:
            values.append(None)
            problems.append(str(problem))
    indices = encoded.indices
    said = None
    if keep_text:
        said = pa.array([None if v is None else str(v) for v in values], pa.string()).take(indices)
    return (
        pa.array(values, out_type).take(indices),
        pa.array(problems, pa.string()).take(indices),
        said,
    )


def _all(rows: int, value: bool) -> pa.Array:
    return pa.array(np.full(rows, value))


def _matches(texts: pa.Array, pattern: str) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(texts, pattern), False)


def _fast_path(
    spec: ColumnSpec, texts: pa.Array, std: Standardiser
) -> tuple[pa.Array, pa.Array] | None:
    """(settled, values) for the values in canonical form, or None: no fast path."""
    kind = spec.type
    if kind == "free_text":
        return pc.is_valid(texts), texts
    if kind == "text":
        return pc.is_valid(texts), pc.utf8_trim(texts, PY_WHITESPACE)
    if kind == "phone":
        # "0086…" would lose its prefix in the parser: never settled here.
        ok = pc.and_(_matches(texts, _PHONE), pc.invert(pc.starts_with(texts, "0086")))
        return pc.fill_null(ok, False), texts
    if kind == "household_no":
        return _matches(texts, _HOUSEHOLD), texts
    if kind == "resident_id":
        ok = resident_id_valid(texts, std.today)
        return ok, texts
    if kind == "integer":
        ok = _matches(texts, _INTEGER)
        digits = pc.if_else(ok, texts, pa.scalar(None, pa.string()))
        return ok, digits.cast(pa.int64())
    if std.clock is not None or kind not in ("date", "datetime"):
        return None
    if kind == "date":
        shaped = _matches(texts, _ISO_DATE)
        parsed = pc.strptime(
            pc.if_else(shaped, texts, pa.scalar(None, pa.string())),
            format="%Y-%m-%d",
            unit="s",
            error_is_null=True,
        ).cast(pa.date32())
        low, high = EARLIEST, dt.date(std.today.year + 10, 12, 31)
    else:
        shaped = _matches(texts, _ISO_DATETIME)
        parsed = pc.strptime(
            pc.if_else(shaped, texts, pa.scalar(None, pa.string())),
            format="%Y-%m-%d %H:%M:%S",
            unit="s",
            error_is_null=True,
        )
        low = dt.datetime.combine(EARLIEST, dt.time())
        high = dt.datetime(std.today.year + 10, 12, 31, 23, 59, 59)
    in_range = pc.and_(
        pc.greater_equal(parsed, pa.scalar(low, parsed.type)),
        pc.less_equal(parsed, pa.scalar(high, parsed.type)),
    )
    # strptime rolls 2023-02-30 over into March: only a date that reads back as written counts
    real = pc.equal(pc.cast(parsed, pa.string()), texts)
    return pc.fill_null(pc.and_(in_range, real), False), parsed


def resident_id_valid(texts: pa.Array, today: dt.date) -> pa.Array:
    """True for canonical 18-character IDs that ``resident_id.parse`` accepts unchanged:
    the shape, a province, a real birth date from 1880 to ``today``, the check character."""
    shaped = _matches(texts, _RESIDENT_ID)
    rows = len(texts)
    ok = np.zeros(rows, dtype=bool)
    where = np.flatnonzero(np.asarray(shaped))
    if not len(where):
        return pa.array(ok)
    candidates = pc.take(texts, pa.array(where))
    raw = np.frombuffer(
        pc.cast(candidates, pa.binary()).cast(pa.binary(18)).buffers()[1], dtype=np.uint8
    )
    chars = raw[: len(where) * 18].reshape(-1, 18)
    digits = chars[:, :17].astype(np.int64) - ord("0")
    check = _ID_CHECKS[(digits @ _ID_WEIGHTS) % 11]
    province = pc.is_in(
        pc.utf8_slice_codeunits(candidates, 0, 2),
        value_set=pa.array(sorted(resident_id.PROVINCE_CODES)),
    )
    written = pc.utf8_slice_codeunits(candidates, 6, 14)
    birth = pc.strptime(written, format="%Y%m%d", unit="s", error_is_null=True).cast(pa.date32())
    born_ok = pc.and_(
        pc.and_(
            pc.greater_equal(birth, pa.scalar(dt.date(1880, 1, 1), pa.date32())),
            pc.less_equal(birth, pa.scalar(today, pa.date32())),
        ),
        pc.equal(pc.strftime(birth, format="%Y%m%d"), written),  # no 0230 rolled into March
    )
    good = np.asarray(pc.fill_null(pc.and_(province, born_ok), False)) & (check == chars[:, 17])
    ok[where] = good
    return pa.array(ok)
