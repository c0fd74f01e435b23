"""The half of staging one raw record batch that needs no lakehouse.

Open the sealed raw values, fill the channel's own columns, standardise and
check every column, fingerprint each row, tokenise the key and seal the staged
columns: all of it depends on the batch alone, so it can run in a worker
process (``quality.chunk_pool``) while the hub judges and writes the batch
before. Which rows stay (new, newer version, duplicate) is decided by
``quality.staging`` against the lakehouse; sealing every keyed row before that
judgement costs only the duplicates, which are few.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.contracts import ColumnSpec, DatasetContract
from catalog.district import District
from encryption.keystore import KeyStore
from encryption.tokens import hmac_sha256, tokenise_column
from metering.costs import CRYPTO, metered
from protection.fields import is_protected, open_raw_columns, protect_staged
from quality.batch_rows import BatchStandardiser
from quality.channel_rules import ChannelRules
from quality.standardise import arrow_type

ROW_FINGERPRINT_DOMAIN = "row_fingerprint"

# (source position, origin, field, reason) of one quarantined row
BadRow = tuple[str, str | None, str, str]


@dataclass
class PreparedChunk:
    """One raw batch, standardised and protected, waiting for its keys to be judged.

    ``keyed_at`` (raw row of each keyed row), ``incoming`` (its ``_ord``, key values,
    ``_source_pos`` and ``_row_hash``) and ``staged`` (its staged columns) are row for
    row; ``bad`` are the rows standardisation stopped, ``missing_at`` the raw rows
    without a complete key."""

    bad: list[BadRow]
    missing_at: set[int]
    keyed_at: np.ndarray
    incoming: pa.Table
    staged: pa.Table


@dataclass(frozen=True)
class StagingJob:
    """What preparing a raw batch's chunks needs: picklable, so a worker can rebuild it."""

    contract: DatasetContract
    district: District
    keystore: KeyStore
    today: dt.date
    rules: ChannelRules
    identity: list[str]
    keys: list[str]
    batch_id: str
    source: str
    full: bool = False  # the batch replaces its source's rows (a full sync)


class ChunkPreparer:
    """One staging run's compiled rules and fingerprint key, applied chunk by chunk."""

    def __init__(self, job: StagingJob) -> None:
        self.job = job
        contract = job.contract
        self.batches = BatchStandardiser(contract, job.district, job.today, job.rules)
        self.fingerprint_columns = [c.name for c in contract.columns]
        self.key_specs = [contract.column(k) for k in job.identity]
        self._fingerprint_mac = hmac_sha256(job.keystore.token_key(ROW_FINGERPRINT_DOMAIN))

    def prepare(self, raw: pa.RecordBatch) -> PreparedChunk:
        job = self.job
        contract, keystore = job.contract, job.keystore
        rows = raw.num_rows
        opened = open_raw_columns(raw, contract, keystore)
        plain = dict(opened)
        filled = self.fill(plain, rows)
        outcome = self.batches.batch(plain, rows)
        positions = raw.column("_source_pos")
        field, reason = outcome.field, outcome.reason
        if filled is not None:
            stopped = pc.is_valid(filled)
            parts = pc.split_pattern(filled, "\0")
            field = pc.if_else(stopped, pc.list_element(parts, 0), field)
            reason = pc.if_else(stopped, pc.list_element(parts, 1), reason)
        failed = np.asarray(pc.is_valid(reason))
        bad = _bad_rows(positions, raw.column("_origin"), field, reason, np.flatnonzero(failed))

        parsed = pa.array(np.flatnonzero(~failed))
        clean = {name: values.take(parsed) for name, values in outcome.clean.items()}
        said = {name: values.take(parsed) for name, values in outcome.fingerprint_texts.items()}
        tokens = _key_tokens(self.key_specs, clean, keystore)
        key_values: list[pa.Array] = []
        for spec in self.key_specs:
            values = tokens.get(spec.name, clean.get(spec.name))
            key_values.append(pa.nulls(len(parsed), pa.string()) if values is None else values)
        complete = np.ones(len(parsed), dtype=bool)
        for values in key_values:
            complete &= np.asarray(pc.is_valid(values))
        at = parsed.to_numpy()
        missing_at = {int(at[i]) for i in np.flatnonzero(~complete)}

        keyed = pa.array(np.flatnonzero(complete))
        keyed_at = at[keyed.to_numpy()]
        keyed_rows = pa.array(keyed_at)
        clean = {n: v.take(keyed) for n, v in clean.items()}
        hashes = self.fingerprints(clean, {n: v.take(keyed) for n, v in said.items()}, len(keyed))
        keyed_positions = positions.take(keyed_rows)
        incoming = pa.table(
            {
                "_ord": pa.array(np.arange(len(keyed), dtype=np.int64)),
                **{k: v.take(keyed) for k, v in zip(job.keys, key_values, strict=True)},
                "_source_pos": keyed_positions,
                "_row_hash": hashes,
            }
        )
        staged = self.staged_table(
            clean,
            {n: v.take(keyed) for n, v in tokens.items()},
            raw.take(keyed_rows),
            {n: v.take(keyed_rows) for n, v in opened.items()},
            keyed_positions,
            hashes,
        )
        return PreparedChunk(bad, missing_at, keyed_at, incoming, staged)

    def fill(self, plain: dict[str, pa.Array], rows: int) -> pa.Array | None:
        """The channel's own columns (constants, located communities, categories) set in
        ``plain``; per row the ``field\\0reason`` that stops it (None: no channel rules)."""
        rules = self.job.rules
        if not (rules.constants or rules.locate or rules.classify):
            return None
        reads = []
        if rules.locate is not None:
            reads.append(rules.locate[0].text)
        if rules.classify is not None:
            reads.append(rules.classify[1])
        lists: dict[str, list[str | None]] = {
            name: plain[name].to_pylist() for name in reads if name in plain
        }
        problems = rules.fill(lists, rows)
        for name, values in lists.items():
            if name not in reads:
                plain[name] = pa.array(values, pa.string())
        return pa.array([None if p is None else f"{p[0]}\0{p[1]}" for p in problems], pa.string())

    def fingerprints(
        self, clean: dict[str, pa.Array], said: dict[str, pa.Array], rows: int
    ) -> pa.Array:
        """Each row's keyed fingerprint over str() of its values, as JSON (the form rows
        were always fingerprinted in, so a repeat export is still recognised): the first
        128 bits of HMAC-SHA256 in hex."""
        pieces: list[pa.Array | str] = ["["]
        for index, name in enumerate(self.fingerprint_columns):
            if index:
                pieces.append(", ")
            pieces.extend(_json_text_pieces(said.get(name, clean.get(name))))
        pieces.append("]")
        # One join over every piece of every column, not a join per column.
        framed = pc.binary_join_element_wise(*pieces, "").cast(pa.binary())
        if not isinstance(framed, pa.Array):  # no column: every row the same text
            framed = pa.array([framed.as_py()] * rows, pa.binary())
        digests = b"".join(map(self._fingerprint_mac, framed.to_pylist()))
        return _hex_prefixes(digests, rows)

    def staged_table(
        self,
        clean: dict[str, pa.Array],
        tokens: dict[str, pa.Array],
        raw: pa.RecordBatch,
        opened: dict[str, pa.Array],
        positions: pa.Array,
        hashes: pa.Array,
    ) -> pa.Table:
        job = self.job
        contract = job.contract
        rows = len(positions)
        arrays: dict[str, pa.Array] = {}
        for spec in contract.columns:
            values = clean.get(spec.name, pa.nulls(rows, arrow_type(spec)))
            if is_protected(spec):
                canonical = (
                    values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
                )
                as_read = None
                if spec.name in opened:
                    as_read = (raw.column(spec.name), opened[spec.name])
                arrays.update(
                    protect_staged(
                        spec,
                        canonical,
                        contract.name,
                        job.keystore,
                        tokens=tokens.get(spec.name),
                        as_read=as_read,
                    )
                )
            else:
                arrays[spec.name] = values
        arrays["_batch_id"] = pa.array([job.batch_id] * rows, pa.string())
        arrays["_source_pos"] = positions
        arrays["_row_hash"] = hashes
        arrays["_source"] = pa.array([job.source] * rows, pa.string())
        return pa.table(arrays)


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DIGEST_BYTES = 32
_FINGERPRINT_BYTES = 16


def _hex_prefixes(digests: bytes, rows: int) -> pa.Array:
    """The first 16 bytes of each 32-byte digest as 32 hex digits, without a Python call
    per row."""
    head = np.frombuffer(digests, dtype=np.uint8).reshape(rows, _DIGEST_BYTES)
    head = head[:, :_FINGERPRINT_BYTES]
    text = np.empty((rows, 2 * _FINGERPRINT_BYTES), dtype=np.uint8)
    text[:, 0::2] = _HEX_DIGITS[head >> 4]
    text[:, 1::2] = _HEX_DIGITS[head & 0x0F]
    width = 2 * _FINGERPRINT_BYTES
    offsets = np.arange(0, (rows + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(text.tobytes())]
    )


_NEEDS_JSON_ESCAPE = r'[\x00-\x1f"\\]'


def _json_text_pieces(values: pa.Array | None) -> list[pa.Array | str]:
    """json.dumps(str(value), ensure_ascii=False) of every value (None → "None"), as
    pieces to join: the quotes apart unless a value needs escaping."""
    if values is None:
        return ['"None"']
    if not pa.types.is_string(values.type):
        # Numbers, dates and times print without a character JSON escapes.
        return ['"', pc.fill_null(pc.cast(values, pa.string()), "None"), '"']
    odd = pc.fill_null(pc.match_substring_regex(values, _NEEDS_JSON_ESCAPE), False)
    if not pc.any(odd).as_py():
        return ['"', pc.fill_null(values, "None"), '"']
    quoted = pc.binary_join_element_wise('"', values, '"', "")
    escaped = [
        None if t is None else json.dumps(t, ensure_ascii=False)
        for t in pc.if_else(odd, values, pa.scalar(None, pa.string())).to_pylist()
    ]
    return [pc.fill_null(pc.if_else(odd, pa.array(escaped, pa.string()), quoted), '"None"')]


def _bad_rows(
    positions: pa.Array, origins: pa.Array, field: pa.Array, reason: pa.Array, rows: np.ndarray
) -> list[BadRow]:
    take = pa.array(rows, pa.int64())
    return list(
        zip(
            positions.take(take).to_pylist(),
            origins.take(take).to_pylist(),
            field.take(take).to_pylist(),
            reason.take(take).to_pylist(),
            strict=True,
        )
    )


def _key_tokens(
    key_specs: list[ColumnSpec], clean: dict[str, pa.Array], keystore: KeyStore
) -> dict[str, pa.Array]:
    """Join tokens of the key's protected identifiers, made once: the staged ``_token``
    column reuses them."""
    tokens = {}
    for spec in key_specs:
        if spec.protection != "token+seal":
            continue
        assert spec.token_domain
        values = clean[spec.name]
        text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
        with metered(CRYPTO, len(text) - text.null_count):
            tokens[spec.name] = tokenise_column(text, domain=spec.token_domain, keystore=keystore)
    return tokens
