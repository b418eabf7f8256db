-- ingest_jsonl_keys: the request_id of each line of a JSON Lines call log, read cheaply.
-- Grain: one row per line that has a request_id. The value is the one ingest_jsonl_records.sql
-- gives and stg_calls.sql keeps (same byte-order-mark handling, same `{` test, same
-- json_transform to VARCHAR, one field instead of ten, blank text is absent), so two lines that
-- stg_calls gives the same request_id have the same key here. Blank lines have no key.

with

lines as (
    select
        source_row,
        case when source_row = 1 and starts_with(line, chr(65279)) then line[2:] else line end as line
    from ingest_raw_lines
),

parsed as (
    select
        source_row,
        case when (case when starts_with(line, '{') then true else starts_with(ltrim(line, ' ' || chr(9)), '{') end)
            then try(json_transform(line, '{"request_id": "VARCHAR"}')) end as rec
    from lines
),

final as (
    select source_row, absent_if_blank(rec.request_id) as request_id
    from parsed
)

select * from final
where request_id is not null
