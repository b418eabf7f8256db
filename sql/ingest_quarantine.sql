-- ingest_quarantine: the quarantined records of the file being ingested (warehouse `quarantine`).
-- Grain: one row per quarantined record, in source-line order.
select
    getvariable('ingest_batch_id') as batch_id,
    getvariable('ingest_source_file') as source_file,
    source_line,
    reason,
    detail,
    raw
from ingest_stg
where reason is not null
order by source_line
