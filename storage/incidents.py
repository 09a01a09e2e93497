"""Incidents: which event mentions report the same event, and what the reports agree on.

Pure functions, data in and data out: ``storage.clustering`` reads the mentions and writes the
result. The rules (also explained to analysts in docs/analysts.md):

A mention joins an incident when it is compatible with *every* mention already in it (complete
linkage: no chains of "A is near B, B is near C"), and never joins an incident that already
holds a mention of the same article (the tagger already merged what one article says twice).
Two mentions are compatible when all four hold:

- **type**: the same sub-event type, or two of a group of types that outlets use for the same
  event (``SUB_EVENT_GROUPS``). The incident takes the ACLED-precedence winner among its
  mentions: a suicide bombing that another outlet calls "an explosion" is a suicide bombing.
- **place**: the same country, and either the same location (same name, admin1 not in
  conflict) or two located places within 25 km of each other; or one side known only to its
  admin1 and the other inside that admin1; or both known only to the country.
- **date**: the days each date stands for, widened by one day, overlap. A day date stands for
  that day, a week date for the seven days ending on it (the tagger's "this week", and an
  undated report coded to its publication day), a month date for its calendar month. A date
  known only to the year, or no date, matches nothing.
- **actors**: actor1 equal or either missing, and the same for actor2 (for Battles the pair
  may also be swapped). An "Unidentified ..." actor counts as missing, and state forces of the
  same country match whatever the outlet calls them.

Mentions are placed in arrival order (when their article was first stored, then its
publication time, then the position in the text), each against the incidents its
predecessors formed. A new report arrives after everything stored, so clustering new reports
run by run gives the same incidents as clustering everything at once. Among several
compatible incidents a mention joins the best: nearest place, more agreeing actors, nearest
date, then the oldest incident.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

# Bump when a rule below changes: stored incidents of another version are rebuilt.
CLUSTERER_VERSION = "incidents-1"

NEARBY_KM = 25.0
_NEARBY_DEGREES = NEARBY_KM / 111.0  # latitude degrees: farther apart than this is farther than 25 km
_CELL_DEGREES = 0.25  # grid that finds places within 25 km of each other (> _NEARBY_DEGREES)

# ACLED's precedence when one event fits several sub-event types (taggers/rules/taxonomy.toml,
# `precedence`; a test keeps the two equal): the higher number wins.
SUB_EVENT_PRECEDENCE: dict[str, int] = {
    "chemical_weapon": 25,
    "government_regains_territory": 24,
    "non_state_actor_overtakes_territory": 23,
    "suicide_bomb": 22,
    "armed_clash": 21,
    "remote_explosive_landmine_ied": 20,
    "air_drone_strike": 19,
    "shelling_artillery_missile_attack": 18,
    "grenade": 17,
    "violent_demonstration": 16,
    "mob_violence": 15,
    "excessive_force_against_protesters": 14,
    "sexual_violence": 13,
    "attack": 12,
    "abduction_forced_disappearance": 11,
    "protest_with_intervention": 10,
    "peaceful_protest": 9,
    "disrupted_weapons_use": 8,
    "looting_property_destruction": 7,
    "non_violent_transfer_of_territory": 6,
    "headquarters_or_base_established": 5,
    "arrests": 4,
    "change_to_group_activity": 3,
    "agreement": 2,
    "other": 1,
}

# Sub-event types (of one event type) that different outlets give the same event. Any other
# pair of different types is two events: an airstrike and a shelling in one town on one day
# are coded separately by ACLED too.
SUB_EVENT_GROUPS: tuple[frozenset[str], ...] = (
    # a clash and the territory it won or lost
    frozenset({"armed_clash", "government_regains_territory", "non_state_actor_overtakes_territory"}),
    # "an explosion" that turns out to be a suicide bomber, an IED or a thrown grenade
    frozenset({"suicide_bomb", "remote_explosive_landmine_ied", "grenade"}),
    # a protest that one outlet reports as peaceful and another as broken up
    frozenset({"peaceful_protest", "protest_with_intervention", "excessive_force_against_protesters"}),
    frozenset({"violent_demonstration", "mob_violence"}),
)
_GROUP_OF: dict[str, str] = {sub: min(group) for group in SUB_EVENT_GROUPS for sub in group}

_PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}
_BATTLES = "Battles"
_STATE_FORCES = "state_forces"
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Mention:
    """One report of an event: an ``events`` row with what clustering needs of its article."""

    event_id: str
    url_hash: str
    event_type: str
    sub_event_type: str
    event_date: date | None
    date_precision: str | None
    actor1: str | None
    actor1_type: str | None
    actor1_country: str | None
    actor2: str | None
    actor2_type: str | None
    actor2_country: str | None
    country: str | None
    admin1: str | None
    admin1_code: str | None
    admin2: str | None
    location: str | None
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    geonames_id: int | None
    fatalities: int | None
    fatalities_high: int | None
    injured: int | None
    hedged: bool
    confidence: float
    evidence: str
    source: str | None  # outlet (articles.source; a copy counts as its original's outlet)
    reported_at: datetime  # when its article was first stored
    published: datetime | None
    char_start: int

    @property
    def arrival(self) -> tuple:
        """Order in which reports reached us (ties: publication time, then position)."""
        return (self.reported_at, self.published is None, self.published or self.reported_at,
                self.url_hash, self.char_start, self.event_id)


MENTION_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Mention))


@dataclass(frozen=True)
class Incident:
    """An incident as stored: consensus fields and its members' event ids (arrival order)."""

    incident_id: str
    row: dict  # the columns of the `incidents` table except lineage (run_id, updated_at)
    member_ids: tuple[str, ...]


# ---------------------------------------------------------------------------- compatibility
# The rules compare each mention with many others: what they compare (folded names, the date
# window as day numbers, coordinates) is worked out once per mention, in a Report.
@dataclass(frozen=True, slots=True)
class Report:
    """A mention with the values the rules compare, computed once."""

    mention: Mention
    window: tuple[int, int] | None  # first and last day (ordinals) its date stands for
    group: str
    location: str | None
    admin1_code: str | None
    admin1: str | None
    latitude: float | None
    longitude: float | None
    actor1: tuple[str | None, str | None]  # (folded name or None, state-forces country or None)
    actor2: tuple[str | None, str | None]
    battle: bool

    @classmethod
    def of(cls, mention: Mention) -> Report:
        window = date_window(mention)
        located = mention.latitude is not None and mention.longitude is not None
        return cls(
            mention=mention,
            window=(window[0].toordinal(), window[1].toordinal()) if window else None,
            group=sub_event_group(mention.sub_event_type),
            location=_fold(mention.location),
            admin1_code=mention.admin1_code or None,
            admin1=_fold(mention.admin1),
            latitude=mention.latitude if located else None,
            longitude=mention.longitude if located else None,
            actor1=_actor(mention.actor1, mention.actor1_type, mention.actor1_country),
            actor2=_actor(mention.actor2, mention.actor2_type, mention.actor2_country),
            battle=mention.event_type == _BATTLES,
        )


def date_window(mention: Mention) -> tuple[date, date] | None:
    """The days a mention's date stands for; None when too vague to match anything."""
    day, precision = mention.event_date, mention.date_precision
    if day is None or precision == "year":
        return None
    if precision == "week":
        return day - timedelta(days=6), day
    if precision == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)
    return day, day  # "day", or a date without a precision


def sub_event_group(sub_event_type: str) -> str:
    """Key shared by compatible sub-event types."""
    return _GROUP_OF.get(sub_event_type, sub_event_type)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _fold(text: str | None) -> str | None:
    return " ".join(text.casefold().split()) if text else None


def _actor(name: str | None, actor_type: str | None, country: str | None) -> tuple[str | None, str | None]:
    key = _fold(name)
    if key is None or key.startswith("unidentified"):
        return None, None  # an unidentified actor is no actor to compare
    return key, country if actor_type == _STATE_FORCES and country else None


def _date_gap(a: Report, b: Report) -> int | None:
    if a.window is None or b.window is None:
        return None
    gap = max(b.window[0] - a.window[1], a.window[0] - b.window[1], 0)
    return gap if gap <= 1 else None


def _same_admin1(a: Report, b: Report) -> bool | None:
    """True/False when both name an admin1, None when either does not."""
    if a.admin1_code and b.admin1_code:
        return a.admin1_code == b.admin1_code
    if a.admin1 and b.admin1:
        return a.admin1 == b.admin1
    return None


def _place_rank(a: Report, b: Report) -> int | None:
    if a.mention.country != b.mention.country:
        return None
    same_admin1 = _same_admin1(a, b)
    if a.location and b.location:
        if a.location == b.location and same_admin1 is not False:
            return 3
        if a.latitude is None or b.latitude is None or abs(a.latitude - b.latitude) > _NEARBY_DEGREES:
            return None  # (a degree of latitude is 111 km: no need for the haversine)
        near = distance_km(a.latitude, a.longitude, b.latitude, b.longitude) <= NEARBY_KM
        return 2 if near else None
    if a.admin1 or b.admin1 or a.admin1_code or b.admin1_code:
        # one side known only to its admin1 (or both): it must be the same admin1
        return 1 if same_admin1 else None
    return 0 if not (a.location or b.location) else None


def _slot_agreement(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> int | None:
    """1 when both name the same actor, 0 when either is missing, None when they differ."""
    if a[0] is None or b[0] is None:
        return 0
    if a[0] == b[0] or (a[1] is not None and a[1] == b[1]):
        return 1  # state forces of one country: "Iraqi army", "Iraqi security forces"
    return None


def _actor_agreement(a: Report, b: Report) -> int | None:
    first, second = _slot_agreement(a.actor1, b.actor1), _slot_agreement(a.actor2, b.actor2)
    straight = None if first is None or second is None else first + second
    if a.battle and b.battle:  # a clash has no attacker: either order
        first, second = _slot_agreement(a.actor1, b.actor2), _slot_agreement(a.actor2, b.actor1)
        swapped = None if first is None or second is None else first + second
        if straight is None or (swapped is not None and swapped > straight):
            return swapped
    return straight


def _pair_score(a: Report, b: Report) -> tuple[int, int, int] | None:
    if a.group != b.group or a.mention.url_hash == b.mention.url_hash:
        return None
    gap = _date_gap(a, b)
    if gap is None:
        return None
    place = _place_rank(a, b)
    if place is None:
        return None
    actors = _actor_agreement(a, b)
    if actors is None:
        return None
    return place, actors, -gap


def date_gap(a: Mention, b: Mention) -> int | None:
    """Days between two mentions' date windows (0 when they overlap); None when incompatible."""
    return _date_gap(Report.of(a), Report.of(b))


def place_rank(a: Mention, b: Mention) -> int | None:
    """How well two places agree: 3 same location, 2 within 25 km, 1 same admin1 (one side
    known only to it), 0 both known only to the country; None when they cannot be one place."""
    return _place_rank(Report.of(a), Report.of(b))


def actor_agreement(a: Mention, b: Mention) -> int | None:
    """Number of actor slots both name alike (0-2); None when an actor conflicts."""
    return _actor_agreement(Report.of(a), Report.of(b))


def pair_score(a: Mention, b: Mention) -> tuple[int, int, int] | None:
    """How well two mentions fit one incident (higher is better), None when they cannot."""
    return _pair_score(Report.of(a), Report.of(b))


# ---------------------------------------------------------------------------- clustering
@dataclass
class _Cluster:
    members: list[Report]
    stored_id: str | None = None  # the incident it was loaded as (pinned), None if new
    grew: bool = False
    order: int = 0  # creation order: the oldest incident wins ties


def _place_keys(report: Report, *, around: bool) -> list[tuple]:
    """Keys under which two compatible places meet: the same location name, the same admin1
    (by code and by name), a grid cell of the coordinates (``around``: the cells within 25 km
    too), or "no place below the country"."""
    keys: list[tuple] = []
    if report.location:
        keys.append(("location", report.location))
    if report.admin1_code:
        keys.append(("admin1_code", report.admin1_code))
    if report.admin1:
        keys.append(("admin1", report.admin1))
    if report.location and report.latitude is not None:
        row, column = math.floor(report.latitude / _CELL_DEGREES), math.floor(report.longitude / _CELL_DEGREES)
        if not around:
            keys.append(("cell", row, column))
        else:
            shrink = max(math.cos(math.radians(report.latitude)), 0.05)  # a degree of longitude
            reach = math.ceil(_NEARBY_DEGREES * 1.1 / (_CELL_DEGREES * shrink))
            keys += [("cell", row + i, column + j) for i in (-1, 0, 1) for j in range(-reach, reach + 1)]
    if not keys:
        keys.append(("country only",))
    return keys


def _index_keys(anchor: Report) -> list[tuple]:
    """Buckets a cluster is found under: its anchor's group, country, window ± 1 day and place
    keys. Every compatible mention is compatible with the anchor, so the buckets a mention
    looks in (``_lookup_keys``) hold every incident it could join."""
    if anchor.window is None:
        return []
    first, last = anchor.window
    places = _place_keys(anchor, around=False)
    return [(anchor.group, anchor.mention.country, day, place)
            for day in range(first - 1, last + 2) for place in places]


def _lookup_keys(report: Report) -> list[tuple]:
    if report.window is None:
        return []
    first, last = report.window
    places = _place_keys(report, around=True)
    return [(report.group, report.mention.country, day, place)
            for day in range(first, last + 1) for place in places]


def cluster_mentions(
    unplaced: Iterable[Mention], pinned: Mapping[str, Sequence[Mention]] | None = None
) -> list[tuple[str | None, list[Mention]]]:
    """Place each of ``unplaced`` (in arrival order) into one of the ``pinned`` incidents
    (stored incidents that stay as they are, by id), into an incident formed by an earlier
    unplaced mention, or into a new incident.

    Returns the incidents that were formed or grew, as (stored id or None, members in arrival
    order). Pinned incidents that gained nothing are not returned.
    """
    clusters: list[_Cluster] = []
    index: dict[tuple, list[_Cluster]] = {}

    def register(cluster: _Cluster) -> None:
        cluster.order = len(clusters)
        clusters.append(cluster)
        for key in _index_keys(cluster.members[0]):
            index.setdefault(key, []).append(cluster)

    pinned = pinned or {}
    for stored_id, members in sorted(pinned.items(), key=lambda item: min(m.arrival for m in item[1])):
        reports = sorted((Report.of(m) for m in members), key=lambda r: r.mention.arrival)
        register(_Cluster(reports, stored_id))

    for mention in sorted(unplaced, key=lambda m: m.arrival):
        report = Report.of(mention)
        best: tuple | None = None
        chosen: _Cluster | None = None
        candidates = {id(c): c for key in _lookup_keys(report) for c in index.get(key, ())}
        for cluster in sorted(candidates.values(), key=lambda c: c.order):
            score = _cluster_score(report, cluster.members)
            if score is not None and (best is None or score > best):
                best, chosen = score, cluster
        if chosen is None:
            register(_Cluster([report], grew=True))
        else:
            chosen.members.append(report)
            chosen.members.sort(key=lambda r: r.mention.arrival)
            chosen.grew = True
    return [(c.stored_id, [r.mention for r in c.members]) for c in clusters if c.grew]


def _cluster_score(report: Report, members: Sequence[Report]) -> tuple | None:
    best = None
    for member in members:
        score = _pair_score(report, member)
        if score is None:
            return None  # complete linkage: one conflicting report is enough
        if best is None or score > best:
            best = score
    return best


# ---------------------------------------------------------------------------- consensus
def incident_id_for(anchor: Mention) -> str:
    """Stable id: the earliest report's event id. New reports arrive later, so it holds."""
    return f"inc-{anchor.event_id}"


def consensus(members: Sequence[Mention]) -> Incident:
    """What the reports of one incident agree on (ACLED's conventions where it has one)."""
    ordered = sorted(members, key=lambda m: m.arrival)
    anchor = ordered[0]
    position = {m.event_id: n for n, m in enumerate(ordered)}
    kind = max(ordered, key=lambda m: (SUB_EVENT_PRECEDENCE.get(m.sub_event_type, 0), -position[m.event_id]))
    dated = [m for m in ordered if m.event_date is not None]
    when = min(dated, key=lambda m: (_PRECISION_RANK.get(m.date_precision or "day", 0), m.event_date,
                                     position[m.event_id]), default=None)
    where = min(ordered, key=lambda m: (m.geo_precision if m.geo_precision is not None else 9,
                                        m.location is None, m.latitude is None, position[m.event_id]))
    actor1 = _majority(ordered, "actor1")
    actor2 = _majority(ordered, "actor2")
    fatalities = [m.fatalities for m in ordered if m.fatalities is not None]
    highs = [m.fatalities_high if m.fatalities_high is not None else m.fatalities for m in ordered]
    highs = [h for h in highs if h is not None]
    injured = [m.injured for m in ordered if m.injured is not None]
    sources = sorted({m.source for m in ordered if m.source})
    row = {
        "incident_id": incident_id_for(anchor),
        "first_event_id": anchor.event_id,
        "event_type": kind.event_type,
        "sub_event_type": kind.sub_event_type,
        "event_date": when.event_date if when else None,
        "date_precision": when.date_precision if when else None,
        "actor1": actor1.actor1 if actor1 else None,
        "actor1_type": actor1.actor1_type if actor1 else None,
        "actor1_country": actor1.actor1_country if actor1 else None,
        "actor2": actor2.actor2 if actor2 else None,
        "actor2_type": actor2.actor2_type if actor2 else None,
        "actor2_country": actor2.actor2_country if actor2 else None,
        "country": where.country,
        "admin1": where.admin1,
        "admin1_code": where.admin1_code,
        "admin2": where.admin2,
        "location": where.location,
        "latitude": where.latitude,
        "longitude": where.longitude,
        "geo_precision": where.geo_precision,
        "geonames_id": where.geonames_id,
        # ACLED codes the lowest reported figure; the highest is kept beside it
        "fatalities": min(fatalities) if fatalities else None,
        "fatalities_high": max(highs) if highs else None,
        "injured": min(injured) if injured else None,
        "hedged": all(m.hedged for m in ordered),
        "confidence": max(m.confidence for m in ordered),
        "notes": anchor.evidence,
        "sources": sources,
        "n_mentions": len(ordered),
        "n_articles": len({m.url_hash for m in ordered}),
        "n_sources": len(sources),
        "first_seen": min(m.reported_at for m in ordered),
        "last_seen": max(m.reported_at for m in ordered),
        "clusterer_version": CLUSTERER_VERSION,
    }
    return Incident(row["incident_id"], row, tuple(m.event_id for m in ordered))


def _majority(ordered: Sequence[Mention], slot: str) -> Mention | None:
    """The report whose ``slot`` actor most reports name (a named actor before an
    "Unidentified ..." one, then the earliest report); None when no report names one."""
    named = [m for m in ordered if getattr(m, slot)]
    if not named:
        return None
    counts = Counter(_fold(getattr(m, slot)) for m in named)
    position = {m.event_id: n for n, m in enumerate(ordered)}
    return min(named, key=lambda m: (-counts[_fold(getattr(m, slot))],
                                     _actor(getattr(m, slot), None, None)[0] is None, position[m.event_id]))
