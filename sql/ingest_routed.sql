-- ingest_routed: the records of the file being ingested, each routed to the warehouse file it
-- belongs in (see ingest_main.sql, which drops the duplicates). Grain: one row per record, in
-- source-line order; `source_row` identifies the record.
-- `part` is
--   * the billing month (YYYY-MM) of an accepted call: the other columns are those of
--     ingest_calls.sql, and the partition becomes calls/billing_month=<part>/<batch>.parquet;
--   * 'quarantine' for a quarantined record: one pass writes one schema, so its reason, detail and
--     raw line travel in the action, region and request_id columns;
--     ingest_quarantine_main.sql gives them back their names.
-- The stg_calls view over every record of the file is `ingest_all`.
select
    stg.source_row,
    case when stg.reason is null then stg.billing_month else 'quarantine' end as part,
    case when stg.reason is null then stg.request_id else stg.raw end as request_id,
    stg.ts_utc,
    stg.owner_uin,
    stg.uin,
    case when stg.reason is null then stg.action else stg.reason end as action,
    case when stg.reason is null then stg.region else stg.detail end as region,
    case when stg.reason is null then stg.site end as site,  -- NULL: quarantined (R3: every
    -- accepted call has a site)
    stg.error_code,
    stg.images_total,
    stg.images_recognized,
    stg.tickets,
    getvariable('ingest_source_file') as source_file,
    stg.source_line,
    getvariable('ingest_batch_id') as batch_id
from ingest_all as stg
