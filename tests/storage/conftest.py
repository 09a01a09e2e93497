"""Fixtures for storage tests: a fresh database file per test, one holding the sample, and
(once per session) the demo corpus run through the real pipeline stages, with its analyst copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import open_db, publish_analyst_copy
from tests.storage.demo_db import build_demo_database
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


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo corpus ingested by the real stages (poll → fetch → extract → tag → store),
    incidents clustered, gazetteer loaded. Read-only for tests: copy it to modify it."""
    path = tmp_path_factory.mktemp("demo") / "newsevents.duckdb"
    build_demo_database(path)
    return path


@pytest.fixture(scope="session")
def demo_analyst_copy(demo_db: Path) -> Path:
    """The demo database as analysts get it: published, with the full-text index."""
    path = demo_db.parent / "newsevents-analyst.duckdb"
    publish_analyst_copy(demo_db, path)
    return path
