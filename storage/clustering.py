"""Incident clustering against the database: read the mentions that changed, place them with
``storage.incidents`` (pure), write incidents and memberships back. Statements live in
``queries/incidents.sql``.

Incremental by default: only mentions that are new, changed (their clustering input differs
from when they were placed) or gone are placed again, together with the other members of the
incidents they were in; every other incident stays as it is and may gain members. Re-running
with nothing changed writes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import duckdb
import pyarrow as pa

from storage.batches import arrow_table, dedupe_by_key, registered, transaction
from storage.incidents import (
    CLUSTERER_VERSION,
    MENTION_COLUMNS,
    SUB_EVENT_PRECEDENCE,
    Incident,
    Mention,
    cluster_mentions,
    consensus,
    date_window,
    sub_event_group,
)
from storage.sqlfiles import query

logger = logging.getLogger(__name__)

# Before any mention: `since=REBUILD_ALL` clusters every mention from scratch.
REBUILD_ALL = date(1, 1, 1)

_UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")
_CHANGES = pa.schema(
    [("event_id", pa.string()), ("stored_incident_id", pa.string()), ("gone", pa.bool_())]
)
_PLACES = pa.schema(
    [("country", pa.string()), ("sub_event_group", pa.string()), ("first_day", pa.date32()),
     ("last_day", pa.date32())]
)
_GROUPS = pa.schema([("sub_event_type", pa.string()), ("sub_event_group", pa.string())])
_DROPPED = pa.schema([("incident_id", pa.string())])
_MEMBERSHIPS = pa.schema(
    [("event_id", pa.string()), ("incident_id", pa.string()), ("fingerprint", pa.uint64())]
)
_INCIDENTS = pa.schema(
    [
        ("incident_id", pa.string()),
        ("first_event_id", pa.string()),
        ("event_type", pa.string()),
        ("sub_event_type", pa.string()),
        ("event_date", pa.date32()),
        ("date_precision", pa.string()),
        ("actor1", pa.string()),
        ("actor1_type", pa.string()),
        ("actor1_country", pa.string()),
        ("actor2", pa.string()),
        ("actor2_type", pa.string()),
        ("actor2_country", pa.string()),
        ("country", pa.string()),
        ("admin1", pa.string()),
        ("admin1_code", pa.string()),
        ("admin2", pa.string()),
        ("location", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("geo_precision", pa.int32()),
        ("geonames_id", pa.int64()),
        ("fatalities", pa.int32()),
        ("fatalities_high", pa.int32()),
        ("injured", pa.int32()),
        ("hedged", pa.bool_()),
        ("confidence", pa.float64()),
        ("notes", pa.large_string()),
        ("sources", pa.list_(pa.string())),
        ("n_mentions", pa.int32()),
        ("n_articles", pa.int32()),
        ("n_sources", pa.int32()),
        ("first_seen", _UTC_TIMESTAMP),
        ("last_seen", _UTC_TIMESTAMP),
        ("clusterer_version", pa.string()),
    ]
)


def cluster_incidents(
    conn: duckdb.DuckDBPyConnection, run_id: str, since: date | None = None
) -> dict[str, int]:
    """Bring ``incidents`` and ``incident_mentions`` up to date with ``events``; return counts.

    Call it after every write of events (ingest and retag), in the same transaction if the
    caller has one open. ``since`` also re-clusters from scratch every mention dated on or after
    that day (e.g. to repair by hand; ``REBUILD_ALL`` for everything); incidents built by other
    rules (``CLUSTERER_VERSION``) are rebuilt automatically.
    """
    counts = dict.fromkeys(
        ("mentions_changed", "mentions_placed", "mentions_removed", "incidents_written",
         "incidents_removed"), 0)
    with transaction(conn):
        (stale,) = conn.execute(
            query("incidents", "stale_incident_count"), {"clusterer_version": CLUSTERER_VERSION}
        ).fetchone()
        if stale:
            logger.info("%d incidents from other clustering rules: rebuilding all", stale)
            since = REBUILD_ALL
        changes = conn.execute(_statement("mention_changes"), {"since": since}).fetchall()
        if not changes:
            return counts
        change_rows = [{"event_id": e, "stored_incident_id": i, "gone": g} for e, i, g in changes]
        with registered(conn, "incident_changes", arrow_table(_CHANGES, change_rows)):
            unplaced, fingerprints = _read_mentions(conn.execute(_statement("mentions_to_place")))
            with (
                registered(conn, "places_to_match", arrow_table(_PLACES, _places_to_match(unplaced))),
                registered(conn, "sub_event_groups", arrow_table(_GROUPS, _sub_event_groups())),
            ):
                pinned, pinned_fingerprints = _read_pinned(conn.execute(_statement("pinned_members")))
            fingerprints.update(pinned_fingerprints)

            grown = cluster_mentions(unplaced, pinned)
            incidents = [consensus(members) for _, members in grown]
            kept = {incident.incident_id for incident in incidents}
            before = {row["stored_incident_id"] for row in change_rows} | {
                stored_id for stored_id, _ in grown
            }
            dropped = sorted(i for i in before - kept if i is not None)
            _write(conn, run_id, incidents, dropped, fingerprints)
        counts.update(
            mentions_changed=len(changes),
            mentions_placed=len(unplaced),
            mentions_removed=sum(1 for row in change_rows if row["gone"]),
            incidents_written=len(incidents),
            incidents_removed=len(dropped),
        )
    logger.info("incidents: %s", counts)
    return counts


def _places_to_match(unplaced: list[Mention]) -> list[dict]:
    """Country, sub-event group and date window of each mention to place: what a stored
    incident must share with one of them to be worth loading."""
    places = []
    for mention in unplaced:
        window = date_window(mention)
        if window is not None:
            places.append({"country": mention.country,
                           "sub_event_group": sub_event_group(mention.sub_event_type),
                           "first_day": window[0], "last_day": window[1]})
    return dedupe_by_key(places, lambda p: tuple(p.values()))


def _sub_event_groups() -> list[dict]:
    return [{"sub_event_type": sub, "sub_event_group": sub_event_group(sub)}
            for sub in SUB_EVENT_PRECEDENCE]


def _statement(name: str) -> str:
    return query("incidents", name).format(candidates=query("incidents", "candidate_mentions"))


def _rows(result: duckdb.DuckDBPyConnection, batch: int = 10_000) -> Iterator[dict]:
    # In batches: a rebuild reads every mention, and a million rows fetched at once cost twice
    # the memory of the Mention records made from them.
    columns = [d[0] for d in result.description]
    while rows := result.fetchmany(batch):
        for row in rows:
            yield dict(zip(columns, row, strict=True))


def _read_mentions(result: duckdb.DuckDBPyConnection) -> tuple[list[Mention], dict[str, int]]:
    mentions, fingerprints = [], {}
    for values in _rows(result):
        mention = Mention(**{name: values[name] for name in MENTION_COLUMNS})
        mentions.append(mention)
        fingerprints[mention.event_id] = values["fingerprint"]
    return mentions, fingerprints


def _read_pinned(
    result: duckdb.DuckDBPyConnection,
) -> tuple[dict[str, list[Mention]], dict[str, int]]:
    incidents: dict[str, list[Mention]] = defaultdict(list)
    fingerprints = {}
    for values in _rows(result):
        mention = Mention(**{name: values[name] for name in MENTION_COLUMNS})
        incidents[values["stored_incident_id"]].append(mention)
        fingerprints[mention.event_id] = values["fingerprint"]
    return dict(incidents), fingerprints


def _write(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    incidents: list[Incident],
    dropped: list[str],
    fingerprints: dict[str, int],
) -> None:
    memberships = [
        {"event_id": event_id, "incident_id": incident.incident_id,
         "fingerprint": fingerprints[event_id]}
        for incident in incidents
        for event_id in incident.member_ids
    ]
    conn.execute(query("incidents", "delete_gone_memberships"))
    with registered(conn, "dropped_incidents",
                    arrow_table(_DROPPED, [{"incident_id": i} for i in dropped])):
        conn.execute(query("incidents", "delete_dropped_incidents"))
    if not incidents:
        return
    with (
        registered(conn, "incoming_incidents",
                   arrow_table(_INCIDENTS, [incident.row for incident in incidents])),
        registered(conn, "incoming_incident_mentions", arrow_table(_MEMBERSHIPS, memberships)),
    ):
        conn.execute(query("incidents", "upsert_incidents"), {"run_id": run_id})
        conn.execute(query("incidents", "upsert_incident_mentions"), {"run_id": run_id})
