-- ingest_quarantine_main: the quarantined records of the file being ingested (warehouse
-- `quarantine`), from the 'quarantine' partition that ingest_main.sql wrote (file named by the
-- session variable `ingest_quarantine_part`), columns back under their names.
-- Grain: one row per quarantined record, in source-line order.
select
    batch_id,
    source_file,
    source_line,
    action as reason,
    region as detail,
    request_id as raw
from read_parquet(getvariable('ingest_quarantine_part'))
order by source_line
