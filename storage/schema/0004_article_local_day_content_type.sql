-- Schema v4: what re-tagging and re-extraction need to reproduce the ingest run exactly.
-- published_local_date: the publisher's calendar day of `published` (core.records.Article);
--   relative dates in the text ("on Wednesday") count from it, so `retag` must read it rather
--   than the UTC day of `published`, which differs for stories published near midnight.
-- content_type: the Content-Type header the page came with; `reextract` hands it back to the
--   extractor, so a page whose only charset declaration was the header decodes as it did.
-- Both NULL for articles stored before this version (retag then falls back to the UTC day;
-- reextract to the <meta> charset or detection), until they are stored again.
ALTER TABLE articles ADD COLUMN IF NOT EXISTS published_local_date DATE;

ALTER TABLE articles ADD COLUMN IF NOT EXISTS content_type VARCHAR;
