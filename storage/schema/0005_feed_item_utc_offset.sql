-- Schema v5: the UTC offset a feed wrote with an item's time ("Wed, 22 Nov 2023 23:30:00 +0300"),
-- in minutes east of UTC. `published` (TIMESTAMPTZ) keeps the instant but not the offset, and the
-- offset gives the publisher's calendar day that relative dates in the story count from: `reextract`
-- hands the feed time back with it, so it finds the same day ingest did.
-- NULL for a feed time without an offset and for items stored before this version.
ALTER TABLE feed_items ADD COLUMN IF NOT EXISTS published_utc_offset_minutes SMALLINT;
