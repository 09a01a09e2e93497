-- Statements used by storage/maintenance.py.

-- name: drop_raw_html
-- The raw HTML is what makes the file grow; text, metadata and events stay. html_bytes keeps
-- the size that was fetched, html_compressed NULL says the page itself is gone.
UPDATE articles
SET html_compressed = NULL,
    html_codec = NULL
WHERE html_compressed IS NOT NULL
  AND first_seen_at < $first_stored_before;

-- name: export_view
-- {view} and {path} are filled in by the caller (an analyst view name, a temporary file).
COPY (SELECT * FROM {view}) TO {path} (FORMAT parquet, COMPRESSION zstd);
