-- Statements used by storage/clustering.py (incident clustering; the rules: storage/incidents.py).
-- `{candidates}` is replaced by the candidate_mentions statement below.

-- name: candidate_mentions
-- The reports that take part in incidents: event mentions that are current (not background
-- history) and asserted (not negated), with what clustering needs of their article. Columns in
-- the order of storage.incidents.Mention. A copy of another article (duplicate_of) is a mention
-- from its original's outlet: it adds to n_mentions, never to n_sources.
SELECT
    e.event_id,
    e.url_hash,
    e.event_type,
    e.sub_event_type,
    e.event_date,
    e.date_precision,
    e.actor1,
    e.actor1_type,
    e.actor1_country,
    e.actor2,
    e.actor2_type,
    e.actor2_country,
    e.country,
    e.admin1,
    e.admin1_code,
    e.admin2,
    e.location,
    e.latitude,
    e.longitude,
    e.geo_precision,
    e.geonames_id,
    e.fatalities,
    e.fatalities_high,
    e.injured,
    e.hedged,
    e.confidence,
    e.evidence,
    coalesce(original.source, a.source) AS source,
    a.first_seen_at AS reported_at,
    a.published,
    e.char_start
FROM events AS e
JOIN articles AS a ON a.url_hash = e.url_hash
LEFT JOIN articles AS original ON original.url_hash = a.duplicate_of
WHERE NOT e.historical
  AND NOT e.negated;

-- name: stale_incident_count
-- Incidents built by other clustering rules: all are rebuilt.
SELECT count(*)
FROM incidents
WHERE clusterer_version <> $clusterer_version;

-- name: mention_changes
-- Mentions to cluster again: new ones, ones whose clustering input changed since they were
-- placed (hash of the candidate row), ones that are no longer candidates (`gone`: deleted,
-- re-tagged as negated or historical), and with $since every candidate dated on or after it.
WITH candidates AS ({candidates}),
current AS (
    SELECT c.event_id,
           coalesce(c.event_date, c.reported_at::DATE) AS day,
           hash(c) AS fingerprint
    FROM candidates AS c
)
SELECT coalesce(c.event_id, m.event_id) AS event_id,
       m.incident_id AS stored_incident_id,
       c.event_id IS NULL AS gone
FROM current AS c
FULL JOIN incident_mentions AS m ON m.event_id = c.event_id
WHERE c.fingerprint IS DISTINCT FROM m.fingerprint
   OR c.day >= $since
ORDER BY 1;

-- name: mentions_to_place
-- Candidates to place from scratch: the changed ones (incident_changes, registered by the
-- caller) and every member of an incident a changed mention belonged to.
WITH candidates AS ({candidates})
SELECT c.*, hash(c) AS fingerprint
FROM candidates AS c
LEFT JOIN incident_mentions AS m ON m.event_id = c.event_id
WHERE c.event_id IN (SELECT event_id FROM incident_changes WHERE NOT gone)
   OR m.incident_id IN (SELECT stored_incident_id FROM incident_changes);

-- name: pinned_members
-- Every member of the stored incidents that a mention to place might join and that stay as
-- they are: incidents with a member of the same country and sub-event group whose date window
-- overlaps, give or take a day, the window of a mention to place (places_to_match, registered
-- by the caller with sub_event_groups). The windows are those of storage.incidents.date_window
-- (a test keeps the two equal); undated and year-only members match nothing.
WITH candidates AS ({candidates}),
affected AS (
    SELECT DISTINCT stored_incident_id AS incident_id
    FROM incident_changes
    WHERE stored_incident_id IS NOT NULL
),
placed AS (
    SELECT c.*, m.fingerprint, m.incident_id AS stored_incident_id
    FROM candidates AS c
    JOIN incident_mentions AS m ON m.event_id = c.event_id
    WHERE NOT EXISTS (SELECT 1 FROM affected AS x WHERE x.incident_id = m.incident_id)
),
windows AS (
    SELECT p.stored_incident_id,
           p.country,
           coalesce(g.sub_event_group, p.sub_event_type) AS sub_event_group,
           CASE p.date_precision
               WHEN 'week' THEN p.event_date - 6
               WHEN 'month' THEN date_trunc('month', p.event_date)::DATE
               ELSE p.event_date
           END AS first_day,
           CASE p.date_precision
               WHEN 'month' THEN last_day(p.event_date)
               ELSE p.event_date
           END AS last_day
    FROM placed AS p
    LEFT JOIN sub_event_groups AS g ON g.sub_event_type = p.sub_event_type
    WHERE p.event_date IS NOT NULL
      AND p.date_precision IS DISTINCT FROM 'year'
),
reachable AS (
    SELECT DISTINCT w.stored_incident_id
    FROM windows AS w
    JOIN places_to_match AS t
      ON w.country IS NOT DISTINCT FROM t.country
     AND w.sub_event_group = t.sub_event_group
     AND w.first_day <= t.last_day + 1
     AND t.first_day <= w.last_day + 1
)
SELECT *
FROM placed
WHERE stored_incident_id IN (SELECT stored_incident_id FROM reachable);

-- name: date_windows
-- For the test that keeps pinned_members' windows equal to storage.incidents.date_window.
SELECT CASE $date_precision
           WHEN 'week' THEN $event_date::DATE - 6
           WHEN 'month' THEN date_trunc('month', $event_date::DATE)::DATE
           ELSE $event_date::DATE
       END AS first_day,
       CASE $date_precision
           WHEN 'month' THEN last_day($event_date::DATE)
           ELSE $event_date::DATE
       END AS last_day;

-- name: delete_gone_memberships
DELETE FROM incident_mentions
WHERE event_id IN (SELECT event_id FROM incident_changes WHERE gone);

-- name: delete_dropped_incidents
DELETE FROM incidents
WHERE incident_id IN (SELECT incident_id FROM dropped_incidents);

-- name: upsert_incident_mentions
-- A membership that did not change keeps its run_id and assigned_at.
INSERT INTO incident_mentions (event_id, incident_id, fingerprint, run_id, assigned_at)
SELECT event_id, incident_id, fingerprint, $run_id, now()
FROM incoming_incident_mentions
ON CONFLICT (event_id) DO UPDATE SET
    incident_id = excluded.incident_id,
    fingerprint = excluded.fingerprint,
    run_id = excluded.run_id,
    assigned_at = excluded.assigned_at
WHERE (incident_mentions.incident_id, incident_mentions.fingerprint)
    IS DISTINCT FROM (excluded.incident_id, excluded.fingerprint);

-- name: upsert_incidents
-- An incident whose consensus did not change keeps its run_id and updated_at.
INSERT INTO incidents (incident_id, first_event_id, event_type, sub_event_type, event_date,
                       date_precision, actor1, actor1_type, actor1_country, actor2, actor2_type,
                       actor2_country, country, admin1, admin1_code, admin2, location, latitude,
                       longitude, geo_precision, geonames_id, fatalities, fatalities_high,
                       injured, hedged, confidence, notes, sources, n_mentions, n_articles,
                       n_sources, first_seen, last_seen, clusterer_version, run_id, updated_at)
SELECT incident_id, first_event_id, event_type, sub_event_type, event_date, date_precision,
       actor1, actor1_type, actor1_country, actor2, actor2_type, actor2_country, country, admin1,
       admin1_code, admin2, location, latitude, longitude, geo_precision, geonames_id,
       fatalities, fatalities_high, injured, hedged, confidence, notes, sources, n_mentions,
       n_articles, n_sources, first_seen, last_seen, clusterer_version, $run_id, now()
FROM incoming_incidents
ON CONFLICT (incident_id) DO UPDATE SET
    first_event_id = excluded.first_event_id,
    event_type = excluded.event_type,
    sub_event_type = excluded.sub_event_type,
    event_date = excluded.event_date,
    date_precision = excluded.date_precision,
    actor1 = excluded.actor1,
    actor1_type = excluded.actor1_type,
    actor1_country = excluded.actor1_country,
    actor2 = excluded.actor2,
    actor2_type = excluded.actor2_type,
    actor2_country = excluded.actor2_country,
    country = excluded.country,
    admin1 = excluded.admin1,
    admin1_code = excluded.admin1_code,
    admin2 = excluded.admin2,
    location = excluded.location,
    latitude = excluded.latitude,
    longitude = excluded.longitude,
    geo_precision = excluded.geo_precision,
    geonames_id = excluded.geonames_id,
    fatalities = excluded.fatalities,
    fatalities_high = excluded.fatalities_high,
    injured = excluded.injured,
    hedged = excluded.hedged,
    confidence = excluded.confidence,
    notes = excluded.notes,
    sources = excluded.sources,
    n_mentions = excluded.n_mentions,
    n_articles = excluded.n_articles,
    n_sources = excluded.n_sources,
    first_seen = excluded.first_seen,
    last_seen = excluded.last_seen,
    clusterer_version = excluded.clusterer_version,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at
WHERE (incidents.first_event_id, incidents.event_type, incidents.sub_event_type,
       incidents.event_date, incidents.date_precision, incidents.actor1, incidents.actor1_type,
       incidents.actor1_country, incidents.actor2, incidents.actor2_type,
       incidents.actor2_country, incidents.country, incidents.admin1, incidents.admin1_code,
       incidents.admin2, incidents.location, incidents.latitude, incidents.longitude,
       incidents.geo_precision, incidents.geonames_id, incidents.fatalities,
       incidents.fatalities_high, incidents.injured, incidents.hedged, incidents.confidence,
       incidents.notes, incidents.sources, incidents.n_mentions, incidents.n_articles,
       incidents.n_sources, incidents.first_seen, incidents.last_seen,
       incidents.clusterer_version)
    IS DISTINCT FROM
      (excluded.first_event_id, excluded.event_type, excluded.sub_event_type,
       excluded.event_date, excluded.date_precision, excluded.actor1, excluded.actor1_type,
       excluded.actor1_country, excluded.actor2, excluded.actor2_type, excluded.actor2_country,
       excluded.country, excluded.admin1, excluded.admin1_code, excluded.admin2,
       excluded.location, excluded.latitude, excluded.longitude, excluded.geo_precision,
       excluded.geonames_id, excluded.fatalities, excluded.fatalities_high, excluded.injured,
       excluded.hedged, excluded.confidence, excluded.notes, excluded.sources,
       excluded.n_mentions, excluded.n_articles, excluded.n_sources, excluded.first_seen,
       excluded.last_seen, excluded.clusterer_version);
