"""The crypto stage: both sides run on the same column and give the same results (never timings)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from bench import crypto
from bench.crypto import DOMAINS, OPERATIONS, CryptoMismatchError, crypto_throughput, stage_name
from bench.meter import Stage
from bench.report import BenchReport, print_report, write_chart
from bench.run import plan, run_bench
from encryption.normalisers import normaliser_for

VALUES = 300


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return crypto_throughput(VALUES, seed=3, repeats=1)


def test_every_operation_runs_on_both_sides_for_each_column(stages) -> None:
    seen = {(s.dataset, s.name) for s in stages}
    assert seen == {
        (domain, stage_name(operation, ours))
        for domain in DOMAINS
        for operation in OPERATIONS
        for ours in (True, False)
    }
    for stage in stages:
        assert stage.group == "crypto"
        assert stage.rows == VALUES
        assert stage.seconds > 0 and stage.extra["values_per_second"] > 0


def test_both_sides_are_checked_to_give_the_same_results(stages) -> None:
    notes = {(s.dataset, s.name): s.note for s in stages}
    for domain in DOMAINS:
        assert "opens to the input through both sides" in notes[(domain, "seal (seal_column)")]
        assert notes[(domain, "open (per-row loop)")] == "gives back the input"
        assert "tokens identical" in notes[(domain, "tokenise (tokenise_column)")]
    ours = [s for s in stages if "per-row" not in s.name]
    assert all(s.extra["ratio_to_per_row"] > 0 for s in ours)


def test_the_synthetic_column_is_valid_with_some_dirt_and_nulls() -> None:
    for domain in DOMAINS:
        values = crypto.synthetic_column(domain, 2_000, seed=5).to_pylist()
        present = [v for v in values if v is not None]
        assert 0 < values.count(None) < 100
        canonical = [normaliser_for(domain)(v) for v in present]
        assert sum(c != v for c, v in zip(canonical, present, strict=True)) > 0  # some dirt
        assert len(set(canonical)) > 0.95 * len(canonical)  # mostly distinct people


def test_per_row_baselines_match_the_library_on_one_column(tmp_path: Path) -> None:
    from encryption.keystore import KeyStore
    from encryption.master_key import FileMasterKey, create_key_file
    from encryption.tokens import tokenise_column

    create_key_file(tmp_path / "master.key")
    keystore = KeyStore(tmp_path / "keystore.json", FileMasterKey(tmp_path / "master.key"))
    values = pa.array(["11010519491231002X", None, "１１０１０５１９４９１２３１００２ｘ"])
    version, key = keystore.current_token_key("resident_id")
    ours = tokenise_column(values, domain="resident_id", keystore=keystore)
    baseline = crypto.per_row_tokenise(values, domain="resident_id", key=key, version=version)
    assert baseline.to_pylist() == ours.to_pylist()
    assert baseline[0].as_py() == baseline[2].as_py() and baseline[1].as_py() is None


def test_a_baseline_doing_different_work_stops_the_stage(monkeypatch) -> None:
    real = crypto.per_row_tokenise

    def another_key_version(values: pa.Array, **kwargs) -> pa.Array:
        return real(values, **{**kwargs, "version": kwargs["version"] + 1})

    monkeypatch.setattr(crypto, "per_row_tokenise", another_key_version)
    with pytest.raises(CryptoMismatchError, match="different tokens"):
        crypto_throughput(20, repeats=1)


def test_crypto_is_reported_as_ratios_targets_table_and_chart(
    stages, tmp_path: Path, capsys
) -> None:
    report = BenchReport(0.1, 7, {}, list(stages))
    table = report.crypto()
    assert set(table) == set(DOMAINS)
    for operations in table.values():
        assert set(operations) == set(OPERATIONS)
        for entry in operations.values():
            assert entry["ratio"] == pytest.approx(
                entry["shuzhi_values_per_second"] / entry["per_row_values_per_second"], abs=0.006
            )
    targets = [t for t in report.targets() if "per-row loop" in str(t["target"])]
    assert len(targets) == len(OPERATIONS)
    print_report(report)
    printed = capsys.readouterr().out
    assert "whole column vs per-row loop" in printed and "Governed / floor" not in printed
    write_chart(report, tmp_path / "bench.png")
    assert (tmp_path / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report.write_json(tmp_path / "bench.json")
    written = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert written["crypto"]["phone"]["tokenise"]["ratio"] > 0


def test_crypto_alone_needs_no_district(tmp_path: Path) -> None:
    assert plan(["crypto"]) == ({"crypto"}, {"crypto"})
    lines: list[str] = []
    report = run_bench(
        tmp_path, scale=0.1, seed=7, asked=["crypto"], say=lines.append, crypto_values=40
    )
    assert {s.group for s in report.stages} == {"crypto"}
    assert len(report.stages) == 2 * len(OPERATIONS) * len(DOMAINS)
    assert not (tmp_path / "home").exists()  # nothing generated, no lakehouse opened
