"""Fixtures for storage tests: a fresh database file per test, and one holding the sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import open_db
from tests.storage.storage_samples import Sample, sample_records, store_sample


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "newsevents.duckdb"


@pytest.fixture
def sample() -> Sample:
    return sample_records()


@pytest.fixture
def populated_db(db_path: Path, sample: Sample) -> Path:
    with open_db(db_path) as conn:
        store_sample(conn, sample)
    return db_path
