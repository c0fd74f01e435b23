from __future__ import annotations

import dataclasses

import pytest

from demo.sizes import DistrictSize


def test_demo_size_at_scale_one() -> None:
    assert DistrictSize.demo(1) == DistrictSize(20_000, 2_000, 6_000, 1_500, 2_000, 300)


def test_bench_size_at_scale_one() -> None:
    assert DistrictSize.bench(1) == DistrictSize(
        1_000_000, 100_000, 1_000_000, 50_000, 40_000, 5_000
    )


def test_scaled_sizes_round_and_never_drop_below_fifty() -> None:
    assert DistrictSize.demo(0.5) == DistrictSize(10_000, 1_000, 3_000, 750, 1_000, 150)
    assert DistrictSize.demo(0.001) == DistrictSize(50, 50, 50, 50, 50, 50)
    assert DistrictSize.bench(0.0123).residents == 12_300


def test_size_is_immutable() -> None:
    size = DistrictSize.demo(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        size.residents = 1  # type: ignore[misc]
