-- ingest_committed_calls (empty warehouse): same columns as ingest_committed_calls.sql, no rows.
select
    null::VARCHAR as request_id,
    null::VARCHAR as content_hash,
    null::VARCHAR as batch_id,
    null::VARCHAR as source_file,
    null::BIGINT as source_line
where false
