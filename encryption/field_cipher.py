"""AES-GCM encryption of whole Arrow string columns, value by value.

Each value is sealed with a fresh random 96-bit nonce under the data key of its
(dataset, column). Layout of a sealed value::

    1 byte format | 4 bytes key version (big-endian) | 12 bytes nonce | ciphertext + 16-byte tag

The associated data binds the format, key version, dataset and column, so a
value copied into another column or dataset fails to open instead of
decrypting there. Nulls stay null.

Because the key version is in clear in the header, rotation can find the
values still under an old key (:func:`key_versions`) and re-encrypt only those
(:func:`reseal_column`).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from encryption.keystore import DestroyedKeyError, KeyStore, UnknownKeyVersionError

FORMAT_V1 = 1
_HEADER = struct.Struct(">BI")  # format byte, key version
HEADER_BYTES = _HEADER.size
NONCE_BYTES = 12
TAG_BYTES = 16
OVERHEAD_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES
_NONCE_END = HEADER_BYTES + NONCE_BYTES


class _SealedRowError(ValueError):
    """A sealed value that cannot be opened, named by its row and column, never its value."""

    def __init__(self, row: int, dataset: str, column: str, reason: str) -> None:
        super().__init__(f"row {row} of {dataset}.{column}: {reason}")
        self.row = row
        self._args = (row, dataset, column, reason)

    def __reduce__(self) -> tuple[type, tuple[int, str, str, str]]:
        # Raised in a staging worker process, it is rebuilt in the hub's from these.
        return type(self), self._args


class TamperedValueError(_SealedRowError):
    """A sealed value failed authentication; names the row, never the value."""


class ShreddedValueError(_SealedRowError):
    """A value was sealed under a key that has since been destroyed: it no longer exists."""


def seal_column(
    values: pa.Array | pa.ChunkedArray, *, dataset: str, column: str, keystore: KeyStore
) -> pa.Array:
    """Encrypt a string column with the current data key of (dataset, column) → binary column."""
    plain = _as_binary(values, text=True, column=column)
    version, key = keystore.data_key(dataset, column)
    header = _HEADER.pack(FORMAT_V1, version)
    aad = _associated_data(header, dataset, column)
    encrypt = AESGCM(key).encrypt
    rows = plain.to_pylist()
    # One call to the system's random source for every nonce of the column.
    randomness = os.urandom(NONCE_BYTES * len(rows))
    nonces = [randomness[i : i + NONCE_BYTES] for i in range(0, len(randomness), NONCE_BYTES)]
    sealed = [
        None if value is None else header + nonce + encrypt(nonce, value, aad)
        for value, nonce in zip(rows, nonces, strict=True)
    ]
    return pa.array(sealed, type=pa.binary())


def open_column(
    sealed: pa.Array | pa.ChunkedArray,
    *,
    dataset: str,
    column: str,
    keystore: KeyStore,
    shredded: Literal["raise", "null"] = "raise",
) -> pa.Array:
    """Decrypt a binary column sealed by :func:`seal_column` → string column.

    Raises :class:`TamperedValueError` naming the first row that fails to open,
    and :class:`ShreddedValueError` for a value whose key was destroyed, unless
    ``shredded="null"``: a shredded value then reads as null, as it no longer exists.
    """
    blobs = _as_binary(sealed, text=False, column=column)
    rows = blobs.to_pylist()
    headers = _distinct_headers(blobs)
    openers, destroyed = _openers_for(headers, dataset, column, keystore)
    if destroyed and shredded == "null":
        rows = [None if v is not None and v[:HEADER_BYTES] in destroyed else v for v in rows]
        blobs = pa.array(rows, type=pa.binary())
        headers = [h for h in headers if h not in destroyed]
    elif destroyed:
        first = next(
            i for i, v in enumerate(rows) if v is not None and v[:HEADER_BYTES] in destroyed
        )
        raise ShreddedValueError(first, dataset, column, destroyed[rows[first][:HEADER_BYTES]])
    plain: list[bytes | None] | None = None
    if len(headers) == 1 and headers[0] in openers and _all_long_enough(blobs):
        # Fast path: every row carries the same valid header (the usual case).
        decrypt, aad = openers[headers[0]]
        try:
            plain = [
                None
                if value is None
                else decrypt(value[HEADER_BYTES:_NONCE_END], value[_NONCE_END:], aad)
                for value in rows
            ]
        except InvalidTag:
            plain = None  # the careful loop below finds and names the row
    if plain is None:
        plain = _open_rows(rows, openers, dataset, column)
    return pa.array(plain, type=pa.binary()).cast(pa.string())


# A key version's decrypt function and the associated data that goes with it.
_Opener = tuple[Callable[[bytes, bytes, bytes], bytes], bytes]


def _open_rows(
    rows: list[bytes | None], openers: dict[bytes, _Opener], dataset: str, column: str
) -> list[bytes | None]:
    """Row by row, so a failure can name its row."""
    plain: list[bytes | None] = []
    for index, value in enumerate(rows):
        if value is None:
            plain.append(None)
            continue
        if len(value) < OVERHEAD_BYTES:
            raise TamperedValueError(index, dataset, column, "too short to be a sealed value")
        opener = openers.get(value[:HEADER_BYTES])
        if opener is None:
            raise TamperedValueError(index, dataset, column, _unknown_header_reason(value))
        decrypt, aad = opener
        try:
            plain.append(decrypt(value[HEADER_BYTES:_NONCE_END], value[_NONCE_END:], aad))
        except InvalidTag:
            raise TamperedValueError(
                index, dataset, column, "failed authentication (altered, or sealed elsewhere)"
            ) from None
    return plain


def _distinct_headers(blobs: pa.Array) -> list[bytes]:
    return list(pc.unique(pc.binary_slice(blobs.drop_null(), 0, HEADER_BYTES)).to_pylist())


def _openers_for(
    headers: list[bytes], dataset: str, column: str, keystore: KeyStore
) -> tuple[dict[bytes, _Opener], dict[bytes, str]]:
    """An opener per valid header, and the headers whose key was destroyed (→ why).

    Invalid headers are reported by the first row that carries them.
    """
    openers: dict[bytes, _Opener] = {}
    destroyed: dict[bytes, str] = {}
    for header in headers:
        if len(header) != HEADER_BYTES:
            continue
        format_byte, version = _HEADER.unpack(header)
        if format_byte != FORMAT_V1:
            continue
        try:
            key = keystore.data_key_at(dataset, column, version)
        except DestroyedKeyError as gone:
            destroyed[header] = str(gone)
            continue
        except UnknownKeyVersionError:
            continue  # reported against the first row that needs it
        openers[header] = (AESGCM(key).decrypt, _associated_data(header, dataset, column))
    return openers, destroyed


def key_versions(sealed: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The key version each sealed value was made with (int64; null for null or malformed)."""
    array = sealed.combine_chunks() if isinstance(sealed, pa.ChunkedArray) else sealed
    blobs = array.cast(pa.binary())
    well_formed = pc.and_(
        pc.greater_equal(pc.binary_length(blobs), OVERHEAD_BYTES),
        pc.equal(pc.binary_slice(blobs, 0, 1), pa.scalar(bytes([FORMAT_V1]), pa.binary())),
    )
    digits = pc.binary_slice(blobs, 1, HEADER_BYTES)
    # Four big-endian bytes → integer, vectorised through a fixed-width view.
    fixed = pc.if_else(well_formed, digits, pa.scalar(b"\0\0\0\0", pa.binary())).cast(pa.binary(4))
    values = np.frombuffer(
        fixed.buffers()[1], dtype=">u4", count=len(fixed), offset=fixed.offset * 4
    )
    return pa.array(values.astype(np.int64), mask=~np.asarray(well_formed.fill_null(False)))


def reseal_column(
    sealed: pa.Array | pa.ChunkedArray, *, dataset: str, column: str, keystore: KeyStore
) -> pa.Array:
    """Re-encrypt the values not under the current key version; others are kept as they are.

    Used by key rotation: running it twice changes nothing the second time.
    """
    array = sealed.combine_chunks() if isinstance(sealed, pa.ChunkedArray) else sealed
    blobs = array.cast(pa.binary())
    current, _ = keystore.data_key(dataset, column)
    # Malformed values count as stale, so opening them fails loudly instead of keeping them.
    stale = pc.and_(
        pc.is_valid(blobs), pc.fill_null(pc.not_equal(key_versions(blobs), current), True)
    )
    if not pc.any(stale).as_py():
        return blobs
    positions = np.flatnonzero(np.asarray(stale))
    try:
        clear = open_column(blobs.filter(stale), dataset=dataset, column=column, keystore=keystore)
    except (TamperedValueError, ShreddedValueError) as error:
        # Name the row of the whole column, not of the stale subset.
        raise type(error)(
            int(positions[error.row]), dataset, column, str(error).split(": ", 1)[1]
        ) from None
    moved = seal_column(clear, dataset=dataset, column=column, keystore=keystore)
    # Scatter the re-sealed values back into their rows.
    merged = blobs.to_pylist()
    for position, value in zip(positions, moved.to_pylist(), strict=True):
        merged[position] = value
    return pa.array(merged, type=pa.binary())


def _unknown_header_reason(value: bytes) -> str:
    format_byte, version = _HEADER.unpack(value[:HEADER_BYTES])
    if format_byte != FORMAT_V1:
        return f"unknown format byte {format_byte}"
    return f"sealed under key version {version}, which the key store does not hold"


def _all_long_enough(blobs: pa.Array) -> bool:
    lengths = pc.binary_length(blobs)
    shortest = pc.min(lengths).as_py()
    return shortest is None or shortest >= OVERHEAD_BYTES


def _associated_data(header: bytes, dataset: str, column: str) -> bytes:
    """Header + length-prefixed names: no two (dataset, column) pairs share associated data."""
    parts = [b"shuzhi-field", header]
    for name in (dataset, column):
        encoded = name.encode("utf-8")
        parts.append(len(encoded).to_bytes(4, "big") + encoded)
    return b"".join(parts)


def _as_binary(values: pa.Array | pa.ChunkedArray, *, text: bool, column: str) -> pa.Array:
    """One contiguous binary array (strings are reinterpreted as their UTF-8 bytes)."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    kind = array.type
    if pa.types.is_null(kind):
        return pa.nulls(len(array), type=pa.binary())
    is_text = (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or (pa.types.is_string_view(kind))
    )
    is_bytes = (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or (pa.types.is_binary_view(kind))
    )
    if text and not is_text:
        raise TypeError(f"column {column} must be a string column to seal, not {kind}")
    if not text and not is_bytes:
        raise TypeError(f"column {column} must be a binary column to open, not {kind}")
    return array.cast(pa.binary())
