-- Statements used by storage/writes.py. Each reads a batch registered as an Arrow table
-- (incoming_*), already deduplicated by key. Upserts update a row only when something in it
-- changed, so re-running a write with the same data changes nothing (not even updated_at).

-- name: upsert_feeds
INSERT INTO feeds (feed_name, url, country, language, enabled, run_id, first_seen_at, updated_at)
SELECT feed_name, url, country, language, enabled, $run_id, now(), now()
FROM incoming_feeds
ON CONFLICT (feed_name) DO UPDATE SET
    url = excluded.url,
    country = excluded.country,
    language = excluded.language,
    enabled = excluded.enabled,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at
WHERE (feeds.url, feeds.country, feeds.language, feeds.enabled)
    IS DISTINCT FROM (excluded.url, excluded.country, excluded.language, excluded.enabled);

-- name: save_feed_states
INSERT INTO feed_state (feed_name, etag, last_modified, consecutive_failures, next_poll_at,
                        last_success_at, run_id, updated_at)
SELECT feed_name, etag, last_modified, consecutive_failures, next_poll_at, last_success_at,
       $run_id, now()
FROM incoming_feed_states
ON CONFLICT (feed_name) DO UPDATE SET
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    consecutive_failures = excluded.consecutive_failures,
    next_poll_at = excluded.next_poll_at,
    last_success_at = excluded.last_success_at,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at
WHERE (feed_state.etag, feed_state.last_modified, feed_state.consecutive_failures,
       feed_state.next_poll_at, feed_state.last_success_at)
    IS DISTINCT FROM (excluded.etag, excluded.last_modified, excluded.consecutive_failures,
                      excluded.next_poll_at, excluded.last_success_at);

-- name: record_fetches
-- A fetch is a fact that happened once: recording it again is a no-op.
INSERT INTO fetches (kind, url, started_at, url_hash, feed_name, status, n_bytes, duration_ms,
                     outcome, reason, run_id)
SELECT kind, url, started_at, url_hash, feed_name, status, n_bytes, duration_ms, outcome,
       reason, $run_id
FROM incoming_fetches
ON CONFLICT DO NOTHING;

-- name: count_new_feed_items
SELECT count(*)
FROM incoming_feed_items AS i
ANTI JOIN feed_items AS f USING (feed_name, url_hash);

-- name: upsert_feed_items
-- A later poll refreshes what the feed says about the item and when we last saw it; the first
-- sighting (first_run_id, first_seen_at) never changes.
INSERT INTO feed_items (feed_name, url_hash, url, guid, title, published, published_utc_offset_minutes,
                        summary, authors, first_run_id, last_run_id, first_seen_at, last_seen_at)
SELECT feed_name, url_hash, url, guid, title, published, published_utc_offset_minutes, summary, authors,
       $run_id, $run_id, now(), now()
FROM incoming_feed_items
ON CONFLICT (feed_name, url_hash) DO UPDATE SET
    guid = excluded.guid,
    title = excluded.title,
    published = excluded.published,
    published_utc_offset_minutes = excluded.published_utc_offset_minutes,
    summary = excluded.summary,
    authors = excluded.authors,
    last_run_id = excluded.last_run_id,
    last_seen_at = excluded.last_seen_at
WHERE (feed_items.guid, feed_items.title, feed_items.published, feed_items.published_utc_offset_minutes,
       feed_items.summary, feed_items.authors, feed_items.last_run_id)
    IS DISTINCT FROM (excluded.guid, excluded.title, excluded.published,
                      excluded.published_utc_offset_minutes, excluded.summary, excluded.authors,
                      excluded.last_run_id);

-- name: upsert_articles
-- url, domain, source, feed_name (the feed that first brought the article) and first_seen_at
-- stay as first stored. A skipped attempt never overwrites an extracted article.
INSERT INTO articles (url_hash, url, domain, source, feed_name, title, authors, published,
                      language, site_name, country_hint, status, skip_reason, text, text_chars,
                      text_sha1, html_compressed, html_codec, html_bytes, extractor_version,
                      published_local_date, content_type, run_id, first_seen_at, updated_at)
SELECT url_hash, url, domain, source, feed_name, title, authors, published, language, site_name,
       country_hint, status, skip_reason, text, text_chars, text_sha1, html_compressed,
       html_codec, html_bytes, extractor_version, published_local_date, content_type, $run_id,
       now(), now()
FROM incoming_articles
ON CONFLICT (url_hash) DO UPDATE SET
    title = excluded.title,
    authors = excluded.authors,
    published = excluded.published,
    language = excluded.language,
    site_name = excluded.site_name,
    country_hint = excluded.country_hint,
    status = excluded.status,
    skip_reason = excluded.skip_reason,
    text = excluded.text,
    text_chars = excluded.text_chars,
    text_sha1 = excluded.text_sha1,
    html_compressed = excluded.html_compressed,
    html_codec = excluded.html_codec,
    html_bytes = excluded.html_bytes,
    extractor_version = excluded.extractor_version,
    published_local_date = excluded.published_local_date,
    content_type = excluded.content_type,
    run_id = excluded.run_id,
    updated_at = excluded.updated_at
WHERE (articles.status = 'skipped' OR excluded.status = 'extracted')
  AND (articles.title, articles.authors, articles.published, articles.language,
       articles.site_name, articles.country_hint, articles.status, articles.skip_reason,
       articles.text_sha1, articles.text_chars, articles.html_compressed,
       articles.extractor_version, articles.published_local_date, articles.content_type)
    IS DISTINCT FROM (excluded.title, excluded.authors, excluded.published, excluded.language,
                      excluded.site_name, excluded.country_hint, excluded.status,
                      excluded.skip_reason, excluded.text_sha1, excluded.text_chars,
                      excluded.html_compressed, excluded.extractor_version,
                      excluded.published_local_date, excluded.content_type);

-- name: link_exact_duplicates
-- Articles with the same extracted text (syndicated wire copy under two URLs) point at the one
-- stored first. Only sets links, never clears them: near-duplicate links may come from elsewhere.
UPDATE articles AS a
SET duplicate_of = c.canonical
FROM (
    SELECT
        url_hash,
        first_value(url_hash) OVER (PARTITION BY text_sha1 ORDER BY first_seen_at, url_hash)
            AS canonical
    FROM articles
    WHERE text_sha1 IN (SELECT text_sha1 FROM incoming_articles WHERE text_sha1 IS NOT NULL)
) AS c
WHERE a.url_hash = c.url_hash
  AND c.canonical <> a.url_hash
  AND a.duplicate_of IS DISTINCT FROM c.canonical;

-- name: save_near_duplicates
-- Fingerprints and near-duplicate links: a link is set or kept, never cleared.
UPDATE articles AS a
SET simhash = i.simhash,
    duplicate_of = coalesce(i.duplicate_of, a.duplicate_of)
FROM incoming_near_duplicates AS i
WHERE a.url_hash = i.url_hash
  AND (a.simhash, a.duplicate_of)
      IS DISTINCT FROM (i.simhash, coalesce(i.duplicate_of, a.duplicate_of));

-- name: event_id_conflicts
-- Event ids must be unique across articles: ids in this batch already stored for an article
-- outside the batch.
SELECT i.event_id, i.url_hash AS incoming_url_hash, e.url_hash AS stored_url_hash
FROM incoming_events AS i
JOIN events AS e USING (event_id)
WHERE e.url_hash <> i.url_hash
  AND e.url_hash NOT IN (SELECT url_hash FROM incoming_event_articles)
ORDER BY i.event_id
LIMIT 5;

-- name: prune_events
-- The articles in the batch keep only the events the tagger produced this time.
DELETE FROM events AS e
WHERE e.url_hash IN (SELECT url_hash FROM incoming_event_articles)
  AND NOT EXISTS (
      SELECT 1 FROM incoming_events AS i
      WHERE i.event_id = e.event_id AND i.url_hash = e.url_hash
  );

-- name: upsert_events
-- An unchanged event keeps its run_id and stored_at: re-tagging with the same rules is a no-op.
INSERT INTO events (event_id, url_hash, doc_id, event_type, sub_event_type, cameo_code,
                    quad_class, actor1, actor1_type, actor1_country, actor2, actor2_type,
                    actor2_country, country, admin1, admin1_code, admin2, location, latitude,
                    longitude, geo_precision, geonames_id, event_date, date_precision, date_text,
                    fatalities, fatalities_high, injured, historical, negated, hedged, evidence,
                    char_start, char_end, confidence, rule_id, tagger_version, run_id, stored_at)
SELECT event_id, url_hash, doc_id, event_type, sub_event_type, cameo_code, quad_class, actor1,
       actor1_type, actor1_country, actor2, actor2_type, actor2_country, country, admin1,
       admin1_code, admin2, location, latitude, longitude, geo_precision, geonames_id,
       event_date, date_precision, date_text, fatalities, fatalities_high, injured, historical,
       negated, hedged, evidence, char_start, char_end, confidence, rule_id, tagger_version,
       $run_id, now()
FROM incoming_events
ON CONFLICT (event_id) DO UPDATE SET
    url_hash = excluded.url_hash,
    doc_id = excluded.doc_id,
    event_type = excluded.event_type,
    sub_event_type = excluded.sub_event_type,
    cameo_code = excluded.cameo_code,
    quad_class = excluded.quad_class,
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
    event_date = excluded.event_date,
    date_precision = excluded.date_precision,
    date_text = excluded.date_text,
    fatalities = excluded.fatalities,
    fatalities_high = excluded.fatalities_high,
    injured = excluded.injured,
    historical = excluded.historical,
    negated = excluded.negated,
    hedged = excluded.hedged,
    evidence = excluded.evidence,
    char_start = excluded.char_start,
    char_end = excluded.char_end,
    confidence = excluded.confidence,
    rule_id = excluded.rule_id,
    tagger_version = excluded.tagger_version,
    run_id = excluded.run_id,
    stored_at = excluded.stored_at
WHERE (events.url_hash, events.doc_id, events.event_type, events.sub_event_type,
       events.cameo_code, events.quad_class, events.actor1, events.actor1_type,
       events.actor1_country, events.actor2, events.actor2_type, events.actor2_country,
       events.country, events.admin1, events.admin1_code, events.admin2, events.location,
       events.latitude, events.longitude, events.geo_precision, events.geonames_id,
       events.event_date, events.date_precision, events.date_text, events.fatalities,
       events.fatalities_high, events.injured, events.historical, events.negated,
       events.hedged, events.evidence, events.char_start, events.char_end, events.confidence,
       events.rule_id, events.tagger_version)
    IS DISTINCT FROM
      (excluded.url_hash, excluded.doc_id, excluded.event_type, excluded.sub_event_type,
       excluded.cameo_code, excluded.quad_class, excluded.actor1, excluded.actor1_type,
       excluded.actor1_country, excluded.actor2, excluded.actor2_type, excluded.actor2_country,
       excluded.country, excluded.admin1, excluded.admin1_code, excluded.admin2,
       excluded.location, excluded.latitude, excluded.longitude, excluded.geo_precision,
       excluded.geonames_id, excluded.event_date, excluded.date_precision, excluded.date_text,
       excluded.fatalities, excluded.fatalities_high, excluded.injured, excluded.historical,
       excluded.negated, excluded.hedged, excluded.evidence, excluded.char_start,
       excluded.char_end, excluded.confidence, excluded.rule_id, excluded.tagger_version);

-- name: start_run
-- Starting a run that is already recorded (a retried flow) keeps the first record.
INSERT INTO runs (run_id, flow_name, status, started_at, parameters, updated_at)
VALUES ($run_id, $flow_name, 'running', $started_at, $parameters, now())
ON CONFLICT (run_id) DO NOTHING;

-- name: finish_run
INSERT INTO runs (run_id, flow_name, status, started_at, finished_at, parameters, feeds_polled,
                  feeds_failed, items_seen, items_new, articles_fetched, articles_extracted,
                  articles_skipped, events_found, skips_by_reason, per_feed, updated_at)
VALUES ($run_id, NULL, $status, $started_at, $finished_at, NULL, $feeds_polled, $feeds_failed,
        $items_seen, $items_new, $articles_fetched, $articles_extracted, $articles_skipped,
        $events_found, $skips_by_reason, $per_feed, now())
ON CONFLICT (run_id) DO UPDATE SET
    status = excluded.status,
    finished_at = excluded.finished_at,
    feeds_polled = excluded.feeds_polled,
    feeds_failed = excluded.feeds_failed,
    items_seen = excluded.items_seen,
    items_new = excluded.items_new,
    articles_fetched = excluded.articles_fetched,
    articles_extracted = excluded.articles_extracted,
    articles_skipped = excluded.articles_skipped,
    events_found = excluded.events_found,
    skips_by_reason = excluded.skips_by_reason,
    per_feed = excluded.per_feed,
    updated_at = excluded.updated_at
WHERE (runs.status, runs.finished_at, runs.feeds_polled, runs.feeds_failed, runs.items_seen,
       runs.items_new, runs.articles_fetched, runs.articles_extracted, runs.articles_skipped,
       runs.events_found, runs.skips_by_reason::VARCHAR, runs.per_feed::VARCHAR)
    IS DISTINCT FROM
      (excluded.status, excluded.finished_at, excluded.feeds_polled, excluded.feeds_failed,
       excluded.items_seen, excluded.items_new, excluded.articles_fetched,
       excluded.articles_extracted, excluded.articles_skipped, excluded.events_found,
       excluded.skips_by_reason::VARCHAR, excluded.per_feed::VARCHAR);
