"""Crypto throughput: our whole-column sealing, opening and tokenising next to per-row loops.

Each operation runs on the same synthetic column (resident IDs, then mobile
numbers) twice: through :mod:`encryption` (``seal_column``, ``open_column``,
``tokenise_column``) and through the obvious per-row Python code someone would
write with the same primitives (``AESGCM.encrypt`` per value, ``hmac.new`` and
``base64.b32encode`` per value). Both sides use the same keys, header and
associated data, so their outputs are interchangeable: each side's sealed
column must open, through the other side, to the input, and the token columns
must be identical. A side that does different work fails the stage instead of
being timed. No district is needed: the keys live in a temporary key store.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import random
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bench.meter import Stage, measure
from encryption.field_cipher import (
    _HEADER,
    FORMAT_V1,
    HEADER_BYTES,
    NONCE_BYTES,
    _associated_data,
    open_column,
    seal_column,
)
from encryption.keystore import KEYSTORE_FILE, KeyStore
from encryption.master_key import MASTER_KEY_FILE, FileMasterKey, create_key_file
from encryption.normalisers import normaliser_for
from encryption.tokens import DIGEST_BYTES, tokenise_column
from identifiers import resident_id

GROUP = "crypto"
OPERATIONS = ("seal", "open", "tokenise")
OURS = {"seal": "seal_column", "open": "open_column", "tokenise": "tokenise_column"}
BASELINE = "per-row loop"
# The synthetic columns, named after their identifier domain (the Stage's dataset field).
DOMAINS = ("resident_id", "phone")
BENCH_DATASET = "bench"
REPEATS = 5  # each side, taking turns; the median counts
# Shares of the column spelled as departments spell them (normalised before
# tokenising, as in the demo's dirt) and of nulls.
DIRTY_SHARE = 0.02
NULL_SHARE = 0.01
_REGIONS = ("440305", "440304", "440306", "110105", "310115", "510107", "420106", "350203")
_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789X"}


class CryptoMismatchError(AssertionError):
    """Our column and the per-row baseline disagree: the timings would compare different work."""


def stage_name(operation: str, ours: bool) -> str:
    """``seal (seal_column)`` for ours, ``seal (per-row loop)`` for the baseline."""
    return f"{operation} ({OURS[operation] if ours else BASELINE})"


def split_name(name: str) -> tuple[str, bool]:
    """(operation, ours?) of a crypto stage name made by :func:`stage_name`."""
    operation, _, side = name.partition(" (")
    return operation, side.rstrip(")") != BASELINE


def synthetic_column(domain: str, count: int, *, seed: int) -> pa.Array:
    """``count`` resident IDs (GB 11643, valid check characters) or mobile numbers.

    Mostly canonical, as after standardisation; a few spelled with full-width
    digits, blanks, a lower-case x or a +86 prefix, and a few nulls.
    """
    rng = random.Random(f"{seed}:{domain}")
    values: list[str | None] = []
    for _ in range(count):
        if rng.random() < NULL_SHARE:
            values.append(None)
            continue
        if domain == "resident_id":
            born = _random_birth(rng)
            value = resident_id.make(rng.choice(_REGIONS), born, rng.randrange(1000))
        else:
            value = "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"
        if rng.random() < DIRTY_SHARE:
            value = _misspell(rng, value, domain)
        values.append(value)
    return pa.array(values, type=pa.string())


def crypto_throughput(count: int, *, seed: int = 7, repeats: int = REPEATS) -> list[Stage]:
    """Seal, open and tokenise ``count`` values per domain, ours next to the per-row loop."""
    stages: list[Stage] = []
    with tempfile.TemporaryDirectory(prefix="shuzhi-bench-keys-") as folder:
        keys = Path(folder)
        create_key_file(keys / MASTER_KEY_FILE)
        keystore = KeyStore(keys / KEYSTORE_FILE, FileMasterKey(keys / MASTER_KEY_FILE))
        for domain in DOMAINS:
            values = synthetic_column(domain, count, seed=seed)
            stages += _domain_stages(values, domain, keystore, repeats)
    return stages


@dataclass
class _Side:
    """One way of doing one operation, and what it produced on its last run."""

    stage: Stage
    run: Callable[[pa.Array], pa.Array]
    result: pa.Array | None = None

    @property
    def output(self) -> pa.Array:
        assert self.result is not None, f"{self.stage.name} has not run"
        return self.result


def _domain_stages(values: pa.Array, domain: str, keystore: KeyStore, repeats: int) -> list[Stage]:
    column = domain  # one data key per synthetic column
    # Keys are made (and unwrapped) before timing, as a running pipeline holds them.
    version, key = keystore.data_key(BENCH_DATASET, column)
    token_version, token_key = keystore.current_token_key(domain)
    # The baseline writes the cipher's own header and associated data, so that
    # either side's ciphertext opens through the other: the same format, the same work.
    header = _HEADER.pack(FORMAT_V1, version)
    aad = _associated_data(header, BENCH_DATASET, column)

    def seal_ours(column_in: pa.Array) -> pa.Array:
        return seal_column(column_in, dataset=BENCH_DATASET, column=column, keystore=keystore)

    def open_ours(column_in: pa.Array) -> pa.Array:
        return open_column(column_in, dataset=BENCH_DATASET, column=column, keystore=keystore)

    seal = _compare(
        domain,
        "seal",
        seal_ours,
        lambda column_in: per_row_seal(column_in, key=key, header=header, aad=aad),
        values,
        repeats,
    )
    ours_sealed, base_sealed = seal[0].output, seal[1].output
    opened = _compare(
        domain,
        "open",
        open_ours,
        lambda column_in: per_row_open(column_in, key=key, aad=aad),
        ours_sealed,
        repeats,
    )
    for side in opened:
        _require(
            side.output.equals(values), f"{domain}: {side.stage.name} gives a different column"
        )
    _require(
        open_ours(base_sealed).equals(values),
        f"{domain}: the per-row loop's ciphertext does not open through open_column",
    )
    for side in seal:
        side.stage.note = "opens to the input through both sides"
    for side in opened:
        side.stage.note = "gives back the input"

    tokens = _compare(
        domain,
        "tokenise",
        lambda column_in: tokenise_column(column_in, domain=domain, keystore=keystore),
        lambda column_in: per_row_tokenise(
            column_in, domain=domain, key=token_key, version=token_version
        ),
        values,
        repeats,
    )
    _require(
        tokens[0].output.equals(tokens[1].output),
        f"{domain}: tokenise_column and the per-row loop give different tokens",
    )
    for side in tokens:
        side.stage.note = "tokens identical on both sides"

    stages = []
    for ours, baseline in (seal, opened, tokens):
        base = baseline.stage.rows_per_second
        ratio = ours.stage.rows_per_second / base if base else 0.0
        ours.stage.extra["ratio_to_per_row"] = ratio
        ours.stage.note += f"; {ratio:.2f}× the per-row loop"
        stages += [ours.stage, baseline.stage]
    return stages


def _compare(
    domain: str,
    operation: str,
    ours: Callable[[pa.Array], pa.Array],
    per_row: Callable[[pa.Array], pa.Array],
    column_in: pa.Array,
    repeats: int,
) -> tuple[_Side, _Side]:
    """Median time of ``repeats`` runs of each side on the same column, after a small warm-up.

    The sides take turns (and swap who goes first each round), so a busy
    machine slows both alike instead of whichever happened to run then.
    """
    sides = (
        _Side(Stage(stage_name(operation, True), GROUP, domain), ours),
        _Side(Stage(stage_name(operation, False), GROUP, domain), per_row),
    )
    times: dict[int, list[float]] = {0: [], 1: []}
    for side in sides:
        side.run(column_in.slice(0, 64))
    for round_ in range(repeats):
        for index in (0, 1) if round_ % 2 == 0 else (1, 0):
            side = sides[index]
            one = Stage(side.stage.name, GROUP, domain)
            with measure(one):
                side.result = side.run(column_in)
            times[index].append(one.seconds)
            side.stage.peak_rss_mb = max(side.stage.peak_rss_mb, one.peak_rss_mb)
    for index, side in enumerate(sides):
        side.stage.seconds = statistics.median(times[index])
        side.stage.rows = len(column_in)
        side.stage.extra["values_per_second"] = side.stage.rows_per_second
        side.stage.extra["repeats"] = repeats
    return sides


def per_row_seal(values: pa.Array, *, key: bytes, header: bytes, aad: bytes) -> pa.Array:
    """The obvious code: a fresh nonce and one ``encrypt`` per value, into a list.

    The cipher object is made once, not per value: a fair baseline, not a slow one."""
    aead = AESGCM(key)
    sealed: list[bytes | None] = []
    for value in values.to_pylist():
        if value is None:
            sealed.append(None)
            continue
        nonce = os.urandom(NONCE_BYTES)
        sealed.append(header + nonce + aead.encrypt(nonce, value.encode("utf-8"), aad))
    return pa.array(sealed, type=pa.binary())


def per_row_open(sealed: pa.Array, *, key: bytes, aad: bytes) -> pa.Array:
    """The obvious code: split each value into nonce and ciphertext, one ``decrypt`` each."""
    aead = AESGCM(key)
    nonce_end = HEADER_BYTES + NONCE_BYTES
    plain: list[str | None] = []
    for value in sealed.to_pylist():
        if value is None:
            plain.append(None)
            continue
        plain.append(
            aead.decrypt(value[HEADER_BYTES:nonce_end], value[nonce_end:], aad).decode("utf-8")
        )
    return pa.array(plain, type=pa.string())


def per_row_tokenise(values: pa.Array, *, domain: str, key: bytes, version: int) -> pa.Array:
    """The obvious code: normalise, ``hmac.new`` and ``base64.b32encode`` per value,
    formatted as :mod:`encryption.tokens` formats tokens (``t<version>_`` + 26 lower-case)."""
    canonicalise = normaliser_for(domain)
    prefix = f"t{version}_"
    tokens: list[str | None] = []
    for value in values.to_pylist():
        if value is None:
            tokens.append(None)
            continue
        digest = hmac.new(key, canonicalise(value).encode("utf-8"), hashlib.sha256).digest()
        body = base64.b32encode(digest[:DIGEST_BYTES]).decode("ascii").rstrip("=").lower()
        tokens.append(prefix + body)
    return pa.array(tokens, type=pa.string())


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise CryptoMismatchError(f"crypto benchmark: {problem}")


def _random_birth(rng: random.Random) -> dt.date:
    return dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65))


def _misspell(rng: random.Random, value: str, domain: str) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return value.translate(_FULLWIDTH)
    if domain == "resident_id":
        return value[:6] + " " + value[6:14] + " " + value[14:] if kind == 1 else value.lower()
    return f"+86 {value}" if kind == 1 else f"{value[:3]}-{value[3:7]}-{value[7:]}"
