-- Schema v1: feeds, their polls and state, feed items, articles, events, runs.
-- Natural keys are PRIMARY KEYs; no secondary indexes (they block ALTER TABLE in later
-- migrations) and no foreign keys (they make upserts and deletes order-dependent).
-- Timestamps are TIMESTAMPTZ (UTC); every row names the run that wrote it.
-- Column meanings for analysts: docs/analysts.md.

CREATE TABLE feeds (
    feed_name       VARCHAR PRIMARY KEY,
    url             VARCHAR NOT NULL,
    country         VARCHAR,
    language        VARCHAR,
    enabled         BOOLEAN NOT NULL,
    run_id          VARCHAR,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE feed_state (
    feed_name             VARCHAR PRIMARY KEY,
    etag                  VARCHAR,
    last_modified         VARCHAR,
    consecutive_failures  INTEGER NOT NULL,
    next_poll_at          TIMESTAMPTZ,
    last_success_at       TIMESTAMPTZ,
    run_id                VARCHAR,
    updated_at            TIMESTAMPTZ NOT NULL
);

CREATE TABLE fetches (
    kind         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    url_hash     VARCHAR NOT NULL,
    feed_name    VARCHAR,
    status       INTEGER,
    n_bytes      BIGINT NOT NULL,
    duration_ms  DOUBLE NOT NULL,
    outcome      VARCHAR NOT NULL,
    reason       VARCHAR,
    run_id       VARCHAR NOT NULL,
    PRIMARY KEY (kind, url, started_at)
);

CREATE TABLE feed_items (
    feed_name      VARCHAR NOT NULL,
    url_hash       VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    guid           VARCHAR,
    title          VARCHAR,
    published      TIMESTAMPTZ,
    summary        VARCHAR,
    authors        VARCHAR[] NOT NULL,
    first_run_id   VARCHAR NOT NULL,
    last_run_id    VARCHAR NOT NULL,
    first_seen_at  TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (feed_name, url_hash)
);

CREATE TABLE articles (
    url_hash           VARCHAR PRIMARY KEY,
    url                VARCHAR NOT NULL,
    domain             VARCHAR,
    feed_name          VARCHAR NOT NULL,
    title              VARCHAR,
    authors            VARCHAR[] NOT NULL,
    published          TIMESTAMPTZ,
    language           VARCHAR,
    site_name          VARCHAR,
    country_hint       VARCHAR,
    status             VARCHAR NOT NULL,      -- extracted | skipped
    skip_reason        VARCHAR,
    text               VARCHAR NOT NULL,
    text_chars         INTEGER NOT NULL,
    text_sha1          VARCHAR,
    simhash            UBIGINT,
    duplicate_of       VARCHAR,
    html_compressed    BLOB,
    html_codec         VARCHAR,
    html_bytes         INTEGER NOT NULL,
    extractor_version  VARCHAR NOT NULL,
    run_id             VARCHAR NOT NULL,
    first_seen_at      TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

-- One row per event mention found in an article; columns follow core.records.Event.
CREATE TABLE events (
    event_id         VARCHAR PRIMARY KEY,
    url_hash         VARCHAR NOT NULL,
    doc_id           VARCHAR,
    event_type       VARCHAR NOT NULL,
    sub_event_type   VARCHAR NOT NULL,
    cameo_code       VARCHAR,
    quad_class       INTEGER,
    actor1           VARCHAR,
    actor1_type      VARCHAR,
    actor1_country   VARCHAR,
    actor2           VARCHAR,
    actor2_type      VARCHAR,
    actor2_country   VARCHAR,
    country          VARCHAR,
    admin1           VARCHAR,
    admin1_code      VARCHAR,
    admin2           VARCHAR,
    location         VARCHAR,
    latitude         DOUBLE,
    longitude        DOUBLE,
    geo_precision    INTEGER,
    event_date       DATE,
    date_precision   VARCHAR,
    date_text        VARCHAR,
    fatalities       INTEGER,
    fatalities_high  INTEGER,
    injured          INTEGER,
    historical       BOOLEAN NOT NULL,
    negated          BOOLEAN NOT NULL,
    hedged           BOOLEAN NOT NULL,
    evidence         VARCHAR NOT NULL,
    char_start       INTEGER NOT NULL,
    char_end         INTEGER NOT NULL,
    confidence       DOUBLE NOT NULL,
    rule_id          VARCHAR NOT NULL,
    tagger_version   VARCHAR NOT NULL,
    run_id           VARCHAR NOT NULL,
    stored_at        TIMESTAMPTZ NOT NULL
);

CREATE TABLE runs (
    run_id              VARCHAR PRIMARY KEY,
    flow_name           VARCHAR,
    status              VARCHAR NOT NULL,
    started_at          TIMESTAMPTZ NOT NULL,
    finished_at         TIMESTAMPTZ,
    parameters          JSON,
    feeds_polled        INTEGER NOT NULL DEFAULT 0,
    feeds_failed        INTEGER NOT NULL DEFAULT 0,
    items_seen          INTEGER NOT NULL DEFAULT 0,
    items_new           INTEGER NOT NULL DEFAULT 0,
    articles_fetched    INTEGER NOT NULL DEFAULT 0,
    articles_extracted  INTEGER NOT NULL DEFAULT 0,
    articles_skipped    INTEGER NOT NULL DEFAULT 0,
    events_found        INTEGER NOT NULL DEFAULT 0,
    skips_by_reason     JSON,
    per_feed            JSON,
    updated_at          TIMESTAMPTZ NOT NULL
);
