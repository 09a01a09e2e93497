"""Another process holding the file: DatabaseLocked with the path, for writers and readers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.errors import DatabaseLocked, TransientError
from storage import open_db, table_counts

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Opens the database through the same API, says so, and holds it until stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from storage import open_db

    with open_db(Path(sys.argv[1])) as conn:
        print("holding", flush=True)
        sys.stdin.read()
    """
)


@contextmanager
def held_by_another_process(db_path: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db_path)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = holder.stdout.readline()
        assert line.strip() == "holding", holder.stderr.read()
        yield
    finally:
        holder.stdin.close()  # lets the holder leave its `with` block and exit
        holder.wait(timeout=30)
        holder.stdout.close()
        holder.stderr.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_database_locked_when_another_process_holds_the_file(populated_db, read_only):
    with held_by_another_process(populated_db):
        with pytest.raises(DatabaseLocked) as caught:
            with open_db(populated_db, read_only=read_only):
                pass
    assert str(populated_db) in str(caught.value)
    assert isinstance(caught.value, TransientError)  # the flows may retry
    with open_db(populated_db, read_only=read_only) as conn:  # free again once released
        assert table_counts(conn)["runs"] == 1
