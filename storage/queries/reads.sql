-- Statements used by storage/reads.py.

-- name: feed_states
SELECT feed_name, etag, last_modified, consecutive_failures, next_poll_at, last_success_at
FROM feed_state
ORDER BY feed_name;

-- name: known_article_urls
-- Stored articles among the candidates; a skip whose reason is listed counts as not stored
-- (so the flow fetches it again).
SELECT c.url
FROM candidate_urls AS c
JOIN articles AS a USING (url_hash)
WHERE NOT (a.status = 'skipped' AND list_contains($retry_skip_reasons, a.skip_reason));

-- name: recent_events
SELECT *
FROM v_events
ORDER BY event_date DESC NULLS LAST, published DESC NULLS LAST, event_id
LIMIT $limit;

-- name: recent_mentions
SELECT *
FROM v_mentions
ORDER BY event_date DESC NULLS LAST, published DESC NULLS LAST, event_id
LIMIT $limit;

-- name: recent_incidents
SELECT *
FROM v_incidents
ORDER BY event_date DESC NULLS LAST, last_seen DESC, incident_id
LIMIT $limit;

-- name: base_tables
SELECT table_name
FROM information_schema.tables
WHERE table_schema = 'main' AND table_type = 'BASE TABLE'
ORDER BY table_name;

-- name: count_rows
SELECT count(*) FROM {table};

-- name: articles_for_retag
-- One page of extracted articles after a url_hash (keyset pagination: every page is its own
-- short query, so the caller may write between pages on the same connection).
SELECT url_hash, url, title, text, published, published_local_date, language, feed_name, country_hint
FROM articles AS a
WHERE a.status = 'extracted'
  AND a.url_hash > $after
  AND ($since IS NULL OR coalesce(a.published, a.first_seen_at) >= $since::DATE)
  AND ($source IS NULL
       OR a.feed_name = $source
       OR EXISTS (SELECT 1 FROM feed_items AS f
                  WHERE f.url_hash = a.url_hash AND f.feed_name = $source))
ORDER BY a.url_hash
LIMIT $page_size;

-- name: articles_for_reextract
-- One page of articles with their raw HTML, the time their page was fetched and what their feed
-- said about them (the feed that first brought the article), after a url_hash.
SELECT a.url_hash, a.url, a.feed_name, a.country_hint, a.status, a.text_sha1, a.title,
       a.published, a.published_local_date, a.language, a.extractor_version, a.html_compressed,
       a.html_codec, a.content_type,
       coalesce((SELECT max(f.started_at) FROM fetches AS f
                 WHERE f.kind = 'article' AND f.url_hash = a.url_hash AND f.outcome = 'ok'),
                a.first_seen_at) AS fetched_at,
       i.title AS feed_title, i.published AS feed_published,
       i.published_utc_offset_minutes AS feed_published_offset_minutes, i.authors AS feed_authors
FROM articles AS a
LEFT JOIN feed_items AS i ON i.url_hash = a.url_hash AND i.feed_name = a.feed_name
WHERE a.html_compressed IS NOT NULL
  AND a.url_hash > $after
  AND ($since IS NULL OR coalesce(a.published, a.first_seen_at) >= $since::DATE)
  AND ($source IS NULL
       OR a.feed_name = $source
       OR EXISTS (SELECT 1 FROM feed_items AS f
                  WHERE f.url_hash = a.url_hash AND f.feed_name = $source))
ORDER BY a.url_hash
LIMIT $page_size;

-- name: near_duplicate_candidates
-- Canonical fingerprinted articles in a publication window (or named), oldest first.
SELECT url_hash, simhash
FROM articles
WHERE status = 'extracted'
  AND simhash IS NOT NULL
  AND duplicate_of IS NULL
  AND (coalesce(published, first_seen_at) BETWEEN $start AND $end
       OR list_contains($include, url_hash))
ORDER BY first_seen_at, url_hash;

-- name: latest_runs
SELECT *
FROM v_runs
ORDER BY started_at DESC, run_id DESC
LIMIT $limit;

-- name: article_html
SELECT html_compressed, html_codec
FROM articles
WHERE url_hash = $url_hash;
