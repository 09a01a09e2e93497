-- The analyst contract. Dropped and re-created on every migrate (storage/migrate.py), so a view
-- always matches the tables under it. Every view here must be named v_* (migrate drops the v_*
-- views before re-creating them). Documented column by column in docs/analysts.md.

-- Every event mention with the article it was found in: background, negated and duplicate
-- mentions included (their flags say which). `source` is the outlet the mention counts for (a
-- copy of another article counts for its original's outlet); `incident_id` the incident it was
-- clustered into (null for background and negated mentions).
CREATE VIEW v_mentions AS
SELECT
    e.event_id,
    e.url_hash,
    e.event_type,
    e.sub_event_type,
    e.cameo_code,
    e.quad_class,
    e.event_date,
    e.date_precision,
    e.date_text,
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
    e.historical,
    e.negated,
    e.hedged,
    e.evidence,
    e.char_start,
    e.char_end,
    e.confidence,
    e.rule_id,
    e.tagger_version,
    e.run_id,
    e.stored_at,
    a.url,
    a.title,
    a.published,
    a.feed_name,
    a.domain,
    coalesce(original.source, a.source) AS source,
    a.language,
    a.duplicate_of,
    m.incident_id
FROM events AS e
LEFT JOIN articles AS a USING (url_hash)
LEFT JOIN articles AS original ON original.url_hash = a.duplicate_of
LEFT JOIN incident_mentions AS m ON m.event_id = e.event_id;

-- The events an analyst counts by default: current (not background history), asserted (not
-- negated), and from an article that is not a copy of another stored article.
CREATE VIEW v_events AS
SELECT * EXCLUDE (duplicate_of)
FROM v_mentions
WHERE NOT historical
  AND NOT negated
  AND duplicate_of IS NULL;

-- One row per pipeline run with its counts.
CREATE VIEW v_runs AS
SELECT
    run_id,
    flow_name,
    status,
    started_at,
    finished_at,
    date_diff('millisecond', started_at, finished_at) / 1000.0 AS duration_s,
    feeds_polled,
    feeds_failed,
    items_seen,
    items_new,
    articles_fetched,
    articles_extracted,
    articles_skipped,
    events_found,
    skips_by_reason,
    per_feed,
    parameters
FROM runs;

-- One row per registered feed: is it alive, failing, or quiet?
CREATE VIEW v_feed_health AS
WITH polls AS (
    SELECT
        feed_name,
        max(started_at) AS last_poll_at,
        arg_max(outcome, started_at) AS last_poll_outcome,
        arg_max(reason, started_at) AS last_poll_reason,
        max(started_at) FILTER (WHERE outcome IN ('ok', 'not_modified', 'bozo')) AS last_ok_poll_at,
        count(*) AS polls_total,
        count(*) FILTER (WHERE outcome = 'error') AS polls_failed
    FROM fetches
    WHERE kind = 'feed' AND outcome <> 'skipped'
    GROUP BY feed_name
),
items AS (
    SELECT
        feed_name,
        count(*) AS items_total,
        count(*) FILTER (WHERE first_seen_at >= now() - INTERVAL 24 HOUR) AS items_last_24h,
        max(first_seen_at) AS last_new_item_at
    FROM feed_items
    GROUP BY feed_name
)
SELECT
    f.feed_name,
    f.url,
    f.country,
    f.language,
    f.enabled,
    p.last_poll_at,
    p.last_poll_outcome,
    p.last_poll_reason,
    greatest(s.last_success_at, p.last_ok_poll_at) AS last_success_at,
    coalesce(s.consecutive_failures, 0) AS consecutive_failures,
    s.next_poll_at,
    coalesce(p.polls_total, 0) AS polls_total,
    coalesce(p.polls_failed, 0) AS polls_failed,
    coalesce(i.items_last_24h, 0) AS items_last_24h,
    coalesce(i.items_total, 0) AS items_total,
    i.last_new_item_at,
    CASE
        WHEN NOT f.enabled THEN 'disabled'
        WHEN p.last_poll_at IS NULL THEN 'never_polled'
        WHEN coalesce(s.consecutive_failures, 0) > 0 OR p.last_poll_outcome = 'error' THEN 'failing'
        WHEN coalesce(i.items_last_24h, 0) = 0 THEN 'quiet'
        ELSE 'ok'
    END AS health
FROM feeds AS f
LEFT JOIN feed_state AS s USING (feed_name)
LEFT JOIN polls AS p USING (feed_name)
LEFT JOIN items AS i USING (feed_name);

-- One row per incident (mentions clustered across articles and outlets), ACLED column names
-- where ACLED has one. Consensus rules: storage/incidents.py and docs/analysts.md.
CREATE VIEW v_incidents AS
SELECT
    incident_id,
    event_date,
    year(event_date)::INTEGER AS year,
    -- ACLED: 1 the day is known, 2 the week, 3 the month (a year-only date is coded 3 too)
    CASE date_precision WHEN 'day' THEN 1 WHEN 'week' THEN 2 WHEN 'month' THEN 3 WHEN 'year' THEN 3
    END AS time_precision,
    date_precision,
    CASE
        WHEN event_type IN ('Battles', 'Explosions/Remote violence', 'Violence against civilians')
            THEN 'Political violence'
        WHEN event_type IN ('Protests', 'Riots') THEN 'Demonstrations'
        ELSE 'Strategic developments'
    END AS disorder_type,
    event_type,
    sub_event_type,
    actor1,
    actor1_type,
    actor1_country,
    actor2,
    actor2_type,
    actor2_country,
    CASE WHEN actor2_type = 'civilians' THEN 'Civilian targeting' END AS civilian_targeting,
    country,
    admin1,
    admin1_code,
    admin2,
    location,
    latitude,
    longitude,
    geo_precision,
    geonames_id,
    array_to_string(sources, '; ') AS source,
    notes,
    fatalities,
    fatalities_high,
    injured,
    hedged,
    confidence,
    n_mentions,
    n_articles,
    n_sources,
    first_seen,
    last_seen,
    first_event_id,
    clusterer_version,
    run_id,
    updated_at
FROM incidents;

-- Incidents per day, first-level subdivision and event type: the series analysts chart.
CREATE VIEW v_daily_by_admin1 AS
SELECT
    event_date,
    country,
    admin1,
    admin1_code,
    event_type,
    count(*) AS incidents,
    count(*) FILTER (WHERE date_precision = 'day') AS incidents_exact_date,
    coalesce(sum(fatalities), 0)::BIGINT AS fatalities,
    coalesce(sum(coalesce(fatalities_high, fatalities)), 0)::BIGINT AS fatalities_high,
    sum(n_mentions)::BIGINT AS mentions
FROM incidents
WHERE event_date IS NOT NULL
GROUP BY ALL;
