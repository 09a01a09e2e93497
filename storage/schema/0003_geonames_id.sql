-- Schema v3: the GeoNames id of an event's place (core.records.Event.geonames_id), on each
-- mention and on the incident that takes its place from one of them, so analysts can join to
-- GeoNames (or to gazetteer.geonames_id) without matching names.
-- Same rules as 0001: no secondary indexes, no foreign keys. Column meanings: docs/analysts.md.
--
-- Nullable: curated places without a GeoNames match have none, and mentions stored before this
-- version get one only when re-tagged. The column is part of a mention's clustering input, so
-- every stored fingerprint (incident_mentions) changes: the first clustering after this
-- migration places every mention once more, to the same incidents.
-- IF NOT EXISTS: a database that already has the column (added by hand) migrates, not fails.
ALTER TABLE events ADD COLUMN IF NOT EXISTS geonames_id BIGINT;

ALTER TABLE incidents ADD COLUMN IF NOT EXISTS geonames_id BIGINT;
