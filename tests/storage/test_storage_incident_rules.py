"""The incident rules as pure functions (storage/incidents.py): compatibility, placement order,
consensus. The database side is tested in test_storage_incidents.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from storage.incidents import (
    SUB_EVENT_GROUPS,
    SUB_EVENT_PRECEDENCE,
    Mention,
    actor_agreement,
    cluster_mentions,
    consensus,
    date_gap,
    date_window,
    distance_km,
    pair_score,
    place_rank,
)
from taggers.taxonomy import load_taxonomy

DAY = date(2026, 11, 17)
T0 = datetime(2026, 11, 18, 6, 0, tzinfo=UTC)


def mention(event_id: str, **overrides) -> Mention:
    values = {
        "event_id": event_id,
        "url_hash": f"article-{event_id}",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "air_drone_strike",
        "event_date": DAY,
        "date_precision": "day",
        "actor1": "Iraqi air force",
        "actor1_type": "state_forces",
        "actor1_country": "IRQ",
        "actor2": "Islamic State",
        "actor2_type": "rebel_group",
        "actor2_country": None,
        "country": "IRQ",
        "admin1": "Salah al-Din",
        "admin1_code": "IQ-SD",
        "admin2": None,
        "location": "Tuz Khurmatu",
        "latitude": 34.8881,
        "longitude": 44.6326,
        "geo_precision": 1,
        "geonames_id": None,
        "fatalities": 4,
        "fatalities_high": None,
        "injured": None,
        "hedged": False,
        "confidence": 0.8,
        "evidence": f"Sentence of {event_id}.",
        "source": f"outlet-{event_id}",
        "reported_at": T0,
        "published": T0,
        "char_start": 0,
    }
    values.update(overrides)
    return Mention(**values)


def test_precedence_matches_the_taxonomy():
    taxonomy = load_taxonomy()
    assert SUB_EVENT_PRECEDENCE == {sub.id: sub.precedence for sub in taxonomy.sub_events.values()}
    for group in SUB_EVENT_GROUPS:
        assert len({taxonomy.sub_events[sub].event_type for sub in group}) == 1, group


def test_date_windows_follow_the_precision():
    assert date_window(mention("a")) == (DAY, DAY)
    assert date_window(mention("a", date_precision="week")) == (DAY - timedelta(days=6), DAY)
    assert date_window(mention("a", date_precision="month")) == (date(2026, 11, 1), date(2026, 11, 30))
    assert date_window(mention("a", date_precision="month", event_date=date(2026, 12, 1))) == (
        date(2026, 12, 1), date(2026, 12, 31))
    assert date_window(mention("a", date_precision="year")) is None
    assert date_window(mention("a", event_date=None)) is None


@pytest.mark.parametrize(
    ("other", "gap"),
    [
        ({"event_date": DAY}, 0),
        ({"event_date": DAY + timedelta(days=1)}, 1),  # a day either side
        ({"event_date": DAY - timedelta(days=1)}, 1),
        ({"event_date": DAY + timedelta(days=2)}, None),
        ({"event_date": DAY + timedelta(days=5), "date_precision": "week"}, 0),  # within its week
        ({"event_date": DAY + timedelta(days=7), "date_precision": "week"}, 1),  # the day after
        ({"event_date": DAY + timedelta(days=8), "date_precision": "week"}, None),
        ({"event_date": date(2026, 11, 1), "date_precision": "month"}, 0),
        ({"event_date": date(2026, 10, 1), "date_precision": "month"}, None),
        ({"event_date": date(2026, 1, 1), "date_precision": "year"}, None),
        ({"event_date": None}, None),
    ],
)
def test_date_compatibility(other, gap):
    assert date_gap(mention("a"), mention("b", **other)) == gap


def test_place_rank():
    here = mention("a")
    assert place_rank(here, mention("b")) == 3
    assert place_rank(here, mention("b", location="tuz  KHURMATU")) == 3  # case and spacing
    near = mention("b", location="Amirli", latitude=34.72, longitude=44.58)  # ~19 km away
    assert distance_km(34.8881, 44.6326, 34.72, 44.58) < 25
    assert place_rank(here, near) == 2
    far = mention("b", location="Tikrit", latitude=34.6158, longitude=43.6786)
    assert place_rank(here, far) is None
    region_only = mention("b", location=None, geo_precision=3, latitude=34.6, longitude=43.68)
    assert place_rank(here, region_only) == 1
    assert place_rank(region_only, region_only) == 1
    other_region = mention("b", location=None, admin1="Kirkuk", admin1_code="IQ-KI")
    assert place_rank(here, other_region) is None
    same_name_elsewhere = mention("b", admin1="Kirkuk", admin1_code="IQ-KI", latitude=35.5,
                                  longitude=44.4)
    assert place_rank(here, same_name_elsewhere) is None
    country_only = mention("b", location=None, admin1=None, admin1_code=None)
    assert place_rank(here, country_only) is None
    assert place_rank(country_only, country_only) == 0
    assert place_rank(here, mention("b", country="SYR")) is None


def test_actor_agreement():
    here = mention("a")
    assert actor_agreement(here, mention("b")) == 2
    assert actor_agreement(here, mention("b", actor1=None)) == 1
    assert actor_agreement(here, mention("b", actor2="Unidentified armed group")) == 1
    assert actor_agreement(here, mention("b", actor2="PKK")) is None
    renamed = mention("b", actor1="Iraqi security forces")  # same state, another name
    assert actor_agreement(here, renamed) == 2
    foreign = mention("b", actor1="Turkish air force", actor1_country="TUR")
    assert actor_agreement(here, foreign) is None
    clash = mention("a", event_type="Battles", sub_event_type="armed_clash")
    swapped = replace(clash, actor1=clash.actor2, actor1_type=clash.actor2_type,
                      actor1_country=None, actor2=clash.actor1, actor2_type=clash.actor1_type,
                      actor2_country=clash.actor1_country)
    assert actor_agreement(clash, swapped) == 2  # a clash has no attacker
    assert actor_agreement(here, replace(swapped, event_type=here.event_type)) is None


def test_pair_score_needs_compatible_types_and_another_article():
    ied = mention("a", sub_event_type="remote_explosive_landmine_ied")
    assert pair_score(ied, mention("b", sub_event_type="suicide_bomb")) is not None
    assert pair_score(ied, mention("b", sub_event_type="grenade")) is not None
    assert pair_score(mention("a"), mention("b", sub_event_type="shelling_artillery_missile_attack")) is None
    assert pair_score(mention("a"), mention("b", url_hash="article-a")) is None
    assert pair_score(mention("a"), mention("b")) == (3, 2, 0)


def test_three_reports_of_one_airstrike_make_one_incident():
    reports = [
        mention("a", fatalities=4, reported_at=T0),
        mention("b", fatalities=5, actor1=None, reported_at=T0 + timedelta(hours=2)),
        mention("c", fatalities=6, fatalities_high=8, location=None, geo_precision=3,
                reported_at=T0 + timedelta(hours=1)),
    ]
    ((stored_id, members),) = cluster_mentions(reversed(reports))
    assert stored_id is None
    assert [m.event_id for m in members] == ["a", "c", "b"]  # arrival order
    incident = consensus(members)
    row = incident.row
    assert incident.incident_id == "inc-a" and row["first_event_id"] == "a"
    assert (row["fatalities"], row["fatalities_high"]) == (4, 8)
    assert (row["n_mentions"], row["n_articles"], row["n_sources"]) == (3, 3, 3)
    assert row["sources"] == ["outlet-a", "outlet-b", "outlet-c"]
    assert (row["location"], row["geo_precision"]) == ("Tuz Khurmatu", 1)
    assert row["actor1"] == "Iraqi air force"
    assert (row["first_seen"], row["last_seen"]) == (T0, T0 + timedelta(hours=2))
    assert row["notes"] == "Sentence of a."


def test_complete_linkage_does_not_chain():
    # b is a day after a, c a day after b: c is two days from a, so it starts its own incident
    a = mention("a")
    b = mention("b", event_date=DAY + timedelta(days=1), reported_at=T0 + timedelta(hours=1))
    c = mention("c", event_date=DAY + timedelta(days=2), reported_at=T0 + timedelta(hours=2))
    groups = [[m.event_id for m in members] for _, members in cluster_mentions([a, b, c])]
    assert groups == [["a", "b"], ["c"]]


def test_a_vague_report_joins_the_best_match_and_ties_go_to_the_oldest_incident():
    baqubah = mention("a", sub_event_type="remote_explosive_landmine_ied", admin1="Diyala",
                      admin1_code="IQ-DI", location="Baqubah", latitude=33.75, longitude=44.64,
                      actor1=None, actor2=None)
    khanaqin = replace(baqubah, event_id="b", url_hash="article-b", location="Khanaqin",
                       latitude=34.35, longitude=45.39, reported_at=T0 + timedelta(hours=1))
    vague = replace(baqubah, event_id="c", url_hash="article-c", location=None, geo_precision=3,
                    reported_at=T0 + timedelta(hours=2))
    named = replace(vague, event_id="d", url_hash="article-d", actor2="Iraqi police",
                    reported_at=T0 + timedelta(hours=3))
    khanaqin_named = replace(khanaqin, actor2="Iraqi police")
    groups = {tuple(m.event_id for m in members)
              for _, members in cluster_mentions([baqubah, khanaqin_named, vague, named])}
    # c fits both equally: the older incident; d agrees on an actor with Khanaqin's report
    assert groups == {("a", "c"), ("b", "d")}


def test_pinned_incidents_keep_their_members_and_gain_new_ones():
    old = [mention("a"), mention("b", reported_at=T0 + timedelta(hours=1))]
    new = mention("c", reported_at=T0 + timedelta(days=1), fatalities=2)
    unrelated = {"inc-x": [mention("x", location="Tikrit", latitude=34.6, longitude=43.7)]}
    result = cluster_mentions([new], {"inc-a": old, **unrelated})
    assert [(stored, [m.event_id for m in members]) for stored, members in result] == [
        ("inc-a", ["a", "b", "c"])]
    assert consensus(result[0][1]).row["fatalities"] == 2


def test_consensus_prefers_precedence_day_dates_precise_places_and_majority_actors():
    ied = mention("a", sub_event_type="remote_explosive_landmine_ied", event_date=DAY,
                  date_precision="week", location=None, geo_precision=3, actor1="Islamic State",
                  actor1_type="rebel_group", actor1_country=None, hedged=True)
    suicide = replace(ied, event_id="b", url_hash="article-b", sub_event_type="suicide_bomb",
                      event_date=DAY - timedelta(days=1), date_precision="day",
                      location="Tuz Khurmatu", geo_precision=1, actor1="Unidentified suicide bomber",
                      reported_at=T0 + timedelta(hours=1), hedged=False)
    third = replace(ied, event_id="c", url_hash="article-c", reported_at=T0 + timedelta(hours=2))
    row = consensus([third, suicide, ied]).row
    assert row["sub_event_type"] == "suicide_bomb"  # ACLED precedence
    assert (row["event_date"], row["date_precision"]) == (DAY - timedelta(days=1), "day")
    assert (row["location"], row["geo_precision"]) == ("Tuz Khurmatu", 1)
    assert row["actor1"] == "Islamic State"  # two reports against one
    assert row["hedged"] is False  # one report states it plainly
    assert row["incident_id"] == "inc-a"


def test_copies_add_mentions_not_sources():
    original = mention("a", source="wire.example")
    copy = mention("b", source="wire.example", reported_at=T0 + timedelta(minutes=5))
    row = consensus([original, copy]).row
    assert (row["n_mentions"], row["n_articles"], row["n_sources"]) == (2, 2, 1)


def test_undated_and_year_only_reports_stay_alone():
    reports = [mention("a", event_date=None), mention("b", date_precision="year"), mention("c")]
    assert len(cluster_mentions(reports)) == 3
