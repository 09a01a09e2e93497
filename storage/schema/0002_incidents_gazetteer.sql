-- Schema v2: incidents (event mentions clustered across articles and outlets), which mention
-- belongs to which incident, the gazetteer as a table to join on, and the outlet of each article.
-- Same rules as 0001: natural keys, no secondary indexes, no foreign keys, lineage on every row.
-- Column meanings for analysts: docs/analysts.md. Clustering rules: storage/incidents.py.

-- The outlet an article counts as when incidents count their sources: the host without "www."
-- (articles.domain), or the feed name when the host is an IP address or localhost (a test or
-- demo server says nothing about the outlet). Filled on insert by storage/writes.py.
ALTER TABLE articles ADD COLUMN source VARCHAR;

UPDATE articles
SET source = CASE
    WHEN domain IS NULL
      OR domain = 'localhost'
      OR regexp_full_match(domain, '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+')
      OR contains(domain, ':')
    THEN feed_name
    ELSE domain
END;

-- One row per incident: what several reports say about one event, with consensus fields.
-- Rewritten by storage.clustering.cluster_incidents whenever one of its mentions changes.
CREATE TABLE incidents (
    incident_id         VARCHAR PRIMARY KEY,   -- 'inc-' || first_event_id
    first_event_id      VARCHAR NOT NULL,      -- the earliest report (arrival order)
    event_type          VARCHAR NOT NULL,
    sub_event_type      VARCHAR NOT NULL,
    event_date          DATE,
    date_precision      VARCHAR,
    actor1              VARCHAR,
    actor1_type         VARCHAR,
    actor1_country      VARCHAR,
    actor2              VARCHAR,
    actor2_type         VARCHAR,
    actor2_country      VARCHAR,
    country             VARCHAR,
    admin1              VARCHAR,
    admin1_code         VARCHAR,
    admin2              VARCHAR,
    location            VARCHAR,
    latitude            DOUBLE,
    longitude           DOUBLE,
    geo_precision       INTEGER,
    fatalities          INTEGER,
    fatalities_high     INTEGER,
    injured             INTEGER,
    hedged              BOOLEAN NOT NULL,
    confidence          DOUBLE NOT NULL,
    notes               VARCHAR NOT NULL,
    sources             VARCHAR[] NOT NULL,
    n_mentions          INTEGER NOT NULL,
    n_articles          INTEGER NOT NULL,
    n_sources           INTEGER NOT NULL,
    first_seen          TIMESTAMPTZ NOT NULL,
    last_seen           TIMESTAMPTZ NOT NULL,
    clusterer_version   VARCHAR NOT NULL,
    run_id              VARCHAR NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

-- Which incident each clustered mention belongs to. `fingerprint` is DuckDB's hash() of the
-- mention's clustering input when it was placed: a re-tag that changes it makes the mention (and
-- its incident) be clustered again. (Should a DuckDB upgrade change hash(), every mention is
-- clustered again once, to the same incidents.)
CREATE TABLE incident_mentions (
    event_id      VARCHAR PRIMARY KEY,
    incident_id   VARCHAR NOT NULL,
    fingerprint   UBIGINT NOT NULL,
    run_id        VARCHAR NOT NULL,
    assigned_at   TIMESTAMPTZ NOT NULL
);

-- The tagger's gazetteer (countries, admin1 regions, curated places), loaded by
-- storage.gazetteer.load_gazetteer_table so analysts can join names to coordinates.
CREATE TABLE gazetteer (
    place_id            VARCHAR PRIMARY KEY,   -- sha1 of country|kind|admin1|admin2|name, 16 hex
    name                VARCHAR NOT NULL,
    kind                VARCHAR NOT NULL,
    country             VARCHAR NOT NULL,
    admin1              VARCHAR,
    admin1_code         VARCHAR,
    admin2              VARCHAR,
    latitude            DOUBLE,
    longitude           DOUBLE,
    geonames_id         BIGINT,
    population          BIGINT,
    place_source        VARCHAR,               -- curated | geonames | import
    gazetteer_version   VARCHAR,
    run_id              VARCHAR,
    updated_at          TIMESTAMPTZ NOT NULL
);
