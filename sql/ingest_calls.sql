-- ingest_calls: the accepted calls of the file being ingested, for one billing month.
-- Grain: one row per accepted call (valid and not a duplicate), in source-line order; the columns
-- of the warehouse `calls` table except billing_month, which is the hive partition of the file.
-- The month is the session variable `ingest_month`.
select
    stg.request_id,
    stg.ts_utc,
    stg.owner_uin,
    stg.uin,
    stg.action,
    stg.region,
    stg.site,
    stg.error_code,
    stg.images_total,
    stg.images_recognized,
    stg.tickets,
    getvariable('ingest_source_file') as source_file,
    stg.source_line,
    getvariable('ingest_batch_id') as batch_id
from ingest_stg as stg
where stg.reason is null
    and stg.billing_month = getvariable('ingest_month')
    and stg.source_row not in (select source_row from ingest_dups)
order by stg.source_line  -- deterministic files: the parallel staging pass does not keep line order
