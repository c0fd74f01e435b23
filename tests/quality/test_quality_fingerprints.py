"""Row fingerprints keep the form rows were always fingerprinted in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path

import pyarrow as pa
import pytest
from staging_fixtures import TODAY, staging_hub

from quality.channel_rules import ChannelRules
from quality.chunk_prepare import ROW_FINGERPRINT_DOMAIN, ChunkPreparer, StagingJob


def test_a_fingerprint_is_hmac_sha256_of_the_rows_values_as_a_json_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with staging_hub(tmp_path / "home", monkeypatch) as hub:
        contract = hub.catalog.datasets["cases"]
        job = StagingJob(
            contract,
            hub.catalog.district,
            hub.keystore,
            TODAY,
            ChannelRules("t"),
            list(contract.key),
            list(contract.key),
            "batch",
            "source",
        )
        preparer = ChunkPreparer(job)
        names = preparer.fingerprint_columns
        rows: list[dict[str, str | None]] = [
            {names[0]: 'C"1', names[1]: "东湖\\路", names[2]: None},
            {names[0]: "C2", names[1]: "换行\n", names[2]: "x"},
        ]
        clean = {name: pa.array([row.get(name) for row in rows], pa.string()) for name in names[:3]}
        clean[names[3]] = pa.array([dt.date(2023, 5, 1), None], pa.date32())
        got = preparer.fingerprints(clean, {}, len(rows)).to_pylist()

        key = hub.keystore.token_key(ROW_FINGERPRINT_DOMAIN)
        expected = []
        for index in range(len(rows)):
            values = [clean[n][index].as_py() if n in clean else None for n in names]
            text = json.dumps([str(v) for v in values], ensure_ascii=False)
            expected.append(hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32])
        assert got == expected
        assert got[0] != got[1]
