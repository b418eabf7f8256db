-- ingest_committed_calls: the dedup keys of every call already committed to the warehouse.
-- Grain: one row per committed call. The file list (from the commit log) is the session
-- variable `ingest_committed_files`; ingest.py uses ingest_committed_calls_empty.sql when the
-- warehouse has no calls yet (read_parquet needs at least one file). content_hash
-- (macro_content_hash.sql) is worked out only for the rows a query keeps.
select
    request_id,
    content_hash(
        ts_utc, owner_uin, uin, action, region, error_code, images_total, images_recognized, tickets
    ) as content_hash,
    batch_id, source_file, source_line
from read_parquet(getvariable('ingest_committed_files'), hive_partitioning = false)
