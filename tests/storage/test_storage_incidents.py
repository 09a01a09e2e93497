"""Incidents in the database: constructed multi-source reports stored run by run, clustered by
``cluster_incidents``, read back through ``v_incidents`` and ``v_mentions``."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import timedelta

import pytest

from core.records import Article, Event
from storage import (
    REBUILD_ALL,
    cluster_incidents,
    open_db,
    recent_incidents,
    replace_events,
    transaction,
    upsert_articles,
)
from storage.incidents import date_window
from storage.sqlfiles import query
from tests.storage.storage_samples import (
    PUBLISHED,
    TUZ_GEONAMES_ID,
    make_article,
    make_event,
    snapshot,
)
from tests.storage.test_storage_incident_rules import mention

STRIKE_DAY = PUBLISHED.date() - timedelta(days=1)
IED = {
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "remote_explosive_landmine_ied",
    "admin1": "Diyala",
    "admin1_code": "IQ-DI",
    "actor1": None,
    "actor1_type": None,
    "actor2": "Iraqi army",
}
BAQUBAH = {"location": "Baqubah", "latitude": 33.7466, "longitude": 44.6437}
KHANAQIN = {"location": "Khanaqin", "latitude": 34.3483, "longitude": 45.3889}
KIRKUK = {"admin1": "Kirkuk", "admin1_code": "IQ-KI", "location": "Kirkuk", "latitude": 35.4681,
          "longitude": 44.3922}

Report = tuple[Article, list[Event]]


def report(outlet: str, slug: str, *, hours: float = 0, **event) -> Report:
    """An article at https://<outlet>/<slug> published ``hours`` after PUBLISHED, with one
    event (default: the airstrike near Tuz Khurmatu of storage_samples.make_event)."""
    article = make_article(f"https://{outlet}/{slug}", "wire",
                           published=PUBLISHED + timedelta(hours=hours))
    return article, [make_event(f"{article.url_hash[:12]}-1", doc_id=article.url_hash, **event)]


def store(conn, run_id: str, *reports: Report) -> dict[str, int]:
    """What the ingest flow does with a run's articles: store them, their events, cluster."""
    with transaction(conn):
        upsert_articles(conn, run_id, [article for article, _ in reports])
        replace_events(conn, run_id, {article.url_hash: events for article, events in reports})
        return cluster_incidents(conn, run_id)


def retag(conn, run_id: str, article: Article, events: list[Event]) -> dict[str, int]:
    with transaction(conn):
        replace_events(conn, run_id, {article.url_hash: events})
        return cluster_incidents(conn, run_id)


def incidents(conn) -> list[dict]:
    return sorted(recent_incidents(conn, limit=1000), key=lambda i: i["first_seen"])


def members(conn) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for incident_id, event_id in conn.execute(
        "SELECT incident_id, event_id FROM incident_mentions"
    ).fetchall():
        groups.setdefault(incident_id, set()).add(event_id)
    return groups


def event_id(reported: Report) -> str:
    return reported[1][0].event_id


def replace_event(reported: Report, **changes) -> Event:
    return replace(reported[1][0], **changes)


def assert_consistent(conn) -> None:
    """Every current, asserted mention is in exactly one incident whose counts match."""
    orphans = conn.execute(
        "SELECT count(*) FROM v_mentions WHERE NOT historical AND NOT negated "
        "AND incident_id IS NULL"
    ).fetchone()[0]
    stray = conn.execute(
        "SELECT count(*) FROM incident_mentions AS m LEFT JOIN events AS e USING (event_id) "
        "WHERE e.event_id IS NULL OR e.historical OR e.negated"
    ).fetchone()[0]
    mismatched = conn.execute(
        "SELECT count(*) FROM incidents AS i LEFT JOIN (SELECT incident_id, count(*) AS n "
        "FROM incident_mentions GROUP BY ALL) AS m USING (incident_id) "
        "WHERE m.n IS DISTINCT FROM i.n_mentions OR i.n_sources > i.n_articles "
        "OR i.n_articles > i.n_mentions OR i.fatalities > i.fatalities_high"
    ).fetchone()[0]
    assert (orphans, stray, mismatched) == (0, 0, 0)


def content(conn) -> list[tuple]:
    """Incidents without the lineage that says when they were written."""
    return conn.execute(
        "SELECT * EXCLUDE (run_id, updated_at) FROM incidents ORDER BY incident_id"
    ).fetchall()


@pytest.fixture
def airstrike() -> list[Report]:
    """One airstrike, three outlets, three death tolls."""
    return [
        report("wire.example", "strike", fatalities=4),
        report("local.example", "strike", hours=1, fatalities=5, actor1=None),
        report("tv.example", "strike", hours=2, fatalities=6, fatalities_high=8, location=None,
               geo_precision=3, latitude=34.6, longitude=43.68),
    ]


def test_the_same_airstrike_from_three_outlets_is_one_incident(db_path, airstrike):
    with open_db(db_path) as conn:
        counts = store(conn, "run-1", *airstrike)
        (incident,) = incidents(conn)
        assert_consistent(conn)
    assert counts["mentions_placed"] == 3 and counts["incidents_written"] == 1
    assert incident["incident_id"] == f"inc-{event_id(airstrike[0])}"  # the first report's id
    assert (incident["fatalities"], incident["fatalities_high"]) == (4, 8)  # ACLED: the lowest
    assert (incident["n_mentions"], incident["n_articles"], incident["n_sources"]) == (3, 3, 3)
    assert incident["source"] == "local.example; tv.example; wire.example"
    assert (incident["location"], incident["geo_precision"]) == ("Tuz Khurmatu", 1)
    assert (incident["event_date"], incident["time_precision"]) == (STRIKE_DAY, 1)
    assert (incident["actor1"], incident["actor2"]) == ("Iraqi Air Force", "Islamic State")
    assert incident["sub_event_type"] == "air_drone_strike"
    assert incident["disorder_type"] == "Political violence"


def test_geonames_id_is_stored_with_the_event_and_the_incident_takes_it_with_its_place(db_path):
    # the first report knows only the province (an admin1 has no GeoNames id in the gazetteer),
    # the second names the town: the incident's place, and so its id, comes from the second
    region_only = report("wire.example", "strike", location=None, geo_precision=3, latitude=34.6158,
                         longitude=43.6786, geonames_id=None)
    in_town = report("tv.example", "strike", hours=1, geonames_id=TUZ_GEONAMES_ID)
    with open_db(db_path) as conn:
        store(conn, "run-1", region_only, in_town)
        stored = dict(conn.execute("SELECT event_id, geonames_id FROM events").fetchall())
        assert stored == {event_id(region_only): None, event_id(in_town): TUZ_GEONAMES_ID}
        assert dict(conn.execute("SELECT event_id, geonames_id FROM v_mentions").fetchall()) == stored
        (incident,) = incidents(conn)
        assert incident["incident_id"] == f"inc-{event_id(region_only)}"
        assert (incident["location"], incident["geo_precision"], incident["geonames_id"]) == (
            "Tuz Khurmatu", 1, TUZ_GEONAMES_ID)
        assert conn.execute("SELECT geonames_id FROM incidents").fetchall() == [(TUZ_GEONAMES_ID,)]

        before = snapshot(conn)
        assert store(conn, "run-2", region_only, in_town)["mentions_changed"] == 0
        assert snapshot(conn) == before  # stored again as it was: nothing written

        # a re-tag that changes only the id (a newer gazetteer) reaches the event and the
        # incident; beyond INTEGER, as the columns are BIGINT all the way
        new_id = 2**31 + TUZ_GEONAMES_ID
        counts = retag(conn, "run-3", in_town[0], [replace_event(in_town, geonames_id=new_id)])
        assert counts["incidents_written"] == 1
        (incident,) = incidents(conn)
        assert (incident["geonames_id"], incident["run_id"]) == (new_id, "run-3")
        assert conn.execute("SELECT geonames_id FROM events WHERE event_id = ?",
                            [event_id(in_town)]).fetchone() == (new_id,)
        assert_consistent(conn)


def test_two_ied_attacks_on_one_day_in_one_governorate_are_two_incidents(db_path):
    baqubah = [report("wire.example", "ied-baqubah", fatalities=2, **IED, **BAQUBAH),
               report("local.example", "ied-baqubah", hours=1, fatalities=3, **IED, **BAQUBAH)]
    khanaqin = report("local.example", "ied-khanaqin", hours=2, fatalities=1, **IED, **KHANAQIN)
    with open_db(db_path) as conn:
        store(conn, "run-1", *baqubah, khanaqin)
        by_place = {i["location"]: i for i in incidents(conn)}
        assert_consistent(conn)
        daily = conn.execute(
            "SELECT incidents, fatalities, mentions FROM v_daily_by_admin1 WHERE admin1 = 'Diyala'"
        ).fetchall()
    assert set(by_place) == {"Baqubah", "Khanaqin"}
    assert (by_place["Baqubah"]["n_sources"], by_place["Baqubah"]["fatalities"]) == (2, 2)
    assert (by_place["Khanaqin"]["n_sources"], by_place["Khanaqin"]["fatalities"]) == (1, 1)
    assert daily == [(2, 3, 3)]


@pytest.mark.parametrize("days_later", [0, 1])
def test_a_follow_up_report_a_day_later_joins_the_incident(db_path, airstrike, days_later):
    # the next day an outlet reports a higher toll, dating the strike to the same day or
    # (sloppily) to the day after
    follow_up = report("wire.example", "strike-toll-rises", hours=24, fatalities=9,
                       event_date=STRIKE_DAY + timedelta(days=days_later))
    with open_db(db_path) as conn:
        store(conn, "run-1", *airstrike)
        (before,) = incidents(conn)
        counts = store(conn, "run-2", follow_up)
        (after,) = incidents(conn)
        assert_consistent(conn)
    assert counts["mentions_placed"] == 1 and counts["incidents_written"] == 1
    assert after["incident_id"] == before["incident_id"]
    assert (after["n_mentions"], after["n_articles"], after["n_sources"]) == (4, 4, 3)
    assert (after["fatalities"], after["fatalities_high"]) == (4, 9)
    assert after["first_seen"] == before["first_seen"]
    assert after["last_seen"] > before["last_seen"]
    assert after["run_id"] == "run-2" and after["event_date"] == STRIKE_DAY


def test_clustering_again_changes_nothing(db_path, airstrike):
    with open_db(db_path) as conn:
        store(conn, "run-1", *airstrike)
        store(conn, "run-2", report("wire.example", "ied", **IED, **BAQUBAH))
        before = snapshot(conn)
        assert set(cluster_incidents(conn, "run-3").values()) == {0}
        assert store(conn, "run-4", *airstrike)["mentions_changed"] == 0  # re-stored as they were
        assert snapshot(conn) == before


def test_a_retag_re_forms_the_incidents_it_touches(db_path, airstrike):
    wire, local, tv = airstrike
    bystander = report("local.example", "ied", **IED, **BAQUBAH)
    with open_db(db_path) as conn:
        store(conn, "run-1", *airstrike, bystander)
        untouched = conn.execute(
            "SELECT * FROM incidents WHERE location = 'Baqubah'").fetchall()

        # re-tagged: tv's strike was in Kirkuk after all, a separate incident
        retag(conn, "run-2", tv[0], [replace_event(tv, **KIRKUK)])
        by_place = {i["location"]: i for i in incidents(conn)}
        assert (by_place["Tuz Khurmatu"]["n_sources"], by_place["Tuz Khurmatu"]["fatalities_high"]) == (2, 5)
        assert by_place["Kirkuk"]["n_sources"] == 1

        # re-tagged: local's report denies the strike; it leaves the incident
        retag(conn, "run-3", local[0], [replace_event(local, negated=True)])
        strike = next(i for i in incidents(conn) if i["location"] == "Tuz Khurmatu")
        assert (strike["n_mentions"], strike["incident_id"]) == (1, f"inc-{event_id(wire)}")

        # re-tagged: wire's article no longer has the event; the incident goes with it
        retag(conn, "run-4", wire[0], [])
        assert {i["location"] for i in incidents(conn)} == {"Kirkuk", "Baqubah"}
        assert conn.execute(
            "SELECT * FROM incidents WHERE location = 'Baqubah'").fetchall() == untouched
        assert_consistent(conn)


def test_losing_the_first_report_moves_the_id_to_the_next(db_path, airstrike):
    wire, local, _ = airstrike
    with open_db(db_path) as conn:
        store(conn, "run-1", *airstrike)
        retag(conn, "run-2", wire[0], [])
        (incident,) = incidents(conn)
        assert incident["incident_id"] == f"inc-{event_id(local)}"
        assert (incident["n_mentions"], incident["fatalities"]) == (2, 5)
        assert set(members(conn)) == {incident["incident_id"]}


def test_a_copy_of_an_article_adds_a_mention_but_not_a_source(db_path):
    original = report("wire.example", "strike")
    copy_article = make_article("https://mirror.example/copied-strike", "local",
                                text=original[0].text, published=PUBLISHED + timedelta(hours=1))
    copy_event = make_event(f"{copy_article.url_hash[:12]}-1", doc_id=copy_article.url_hash)
    with open_db(db_path) as conn:
        store(conn, "run-1", original)
        store(conn, "run-2", (copy_article, [copy_event]))
        (incident,) = incidents(conn)
        sources = dict(conn.execute("SELECT url, source FROM v_mentions").fetchall())
    assert (incident["n_mentions"], incident["n_articles"], incident["n_sources"]) == (2, 2, 1)
    assert incident["source"] == "wire.example"
    assert sources[copy_article.url] == "wire.example"  # counted for the outlet it copies


def test_sub_event_types_merge_by_group_and_take_the_precedence_winner(db_path):
    explosion = report("wire.example", "blast", **IED, **BAQUBAH)
    suicide = report("local.example", "bomber", hours=1, **{**IED, "sub_event_type": "suicide_bomb"},
                     **BAQUBAH)
    shelling = report("tv.example", "shells", hours=2,
                      **{**IED, "sub_event_type": "shelling_artillery_missile_attack"}, **BAQUBAH)
    with open_db(db_path) as conn:
        store(conn, "run-1", explosion, suicide, shelling)
        kinds = sorted((i["sub_event_type"], i["n_mentions"]) for i in incidents(conn))
    assert kinds == [("shelling_artillery_missile_attack", 1), ("suicide_bomb", 2)]


def test_background_and_negated_mentions_are_not_incidents(populated_db):
    with open_db(populated_db) as conn:
        cluster_incidents(conn, "run-2")
        rows = conn.execute(
            "SELECT historical, negated, incident_id IS NOT NULL FROM v_mentions ORDER BY ALL"
        ).fetchall()
        assert_consistent(conn)
    assert rows == [(False, False, True), (False, False, True), (True, False, False)]


def test_rebuilding_from_scratch_gives_the_incremental_result(db_path, airstrike):
    with open_db(db_path) as conn:
        store(conn, "run-1", *airstrike[:2], report("local.example", "ied", **IED, **BAQUBAH))
        store(conn, "run-2", airstrike[2], report("wire.example", "ied", hours=3, **IED, **BAQUBAH))
        store(conn, "run-3", report("tv.example", "later", hours=30, fatalities=2))
        incremental, memberships = content(conn), members(conn)
        counts = cluster_incidents(conn, "rebuild", since=REBUILD_ALL)
        assert counts["mentions_placed"] == 6
        assert content(conn) == incremental and members(conn) == memberships
        # nothing changed, so nothing was rewritten (lineage kept)
        assert conn.execute("SELECT count(*) FROM incidents WHERE run_id = 'rebuild'").fetchone() == (0,)


def test_incidents_of_older_rules_are_rebuilt(db_path, airstrike):
    with open_db(db_path) as conn:
        store(conn, "run-1", *airstrike)
        expected = content(conn)
        conn.execute("UPDATE incidents SET clusterer_version = 'incidents-0', fatalities = 99")
        counts = cluster_incidents(conn, "run-2")
        assert counts["mentions_placed"] == 3
        assert content(conn) == expected


def test_demo_corpus_incidents(demo_db, tmp_path):
    # The demo corpus was written with stories several outlets report.
    db = shutil.copy(demo_db, tmp_path / "demo.duckdb")
    with open_db(db) as conn:
        assert_consistent(conn)
        shared = conn.execute("SELECT count(*) FROM v_incidents WHERE n_sources >= 2").fetchone()[0]
        assert shared >= 1
        before = snapshot(conn)
        assert set(cluster_incidents(conn, "again").values()) == {0}
        assert snapshot(conn) == before
        incremental = content(conn)
        cluster_incidents(conn, "rebuild", since=REBUILD_ALL)
        assert content(conn) == incremental


@pytest.mark.parametrize("precision", ["day", "week", "month", None])
def test_sql_date_windows_match_the_rules(db_path, precision):
    # pinned_members preselects incidents by date window in SQL: it must not miss any the
    # Python rules (storage.incidents.date_window) would match
    with open_db(db_path) as conn:
        for day in (STRIKE_DAY, STRIKE_DAY.replace(month=2, day=28), STRIKE_DAY.replace(month=12, day=31)):
            sql = conn.execute(query("incidents", "date_windows"),
                               {"date_precision": precision, "event_date": day}).fetchone()
            assert sql == date_window(mention("a", event_date=day, date_precision=precision)), day
