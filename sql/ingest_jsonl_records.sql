-- ingest_jsonl_records: the records of a JSON Lines call log, fields as text (spec §1.1).
-- Grain: one row per non-blank line of `ingest_lines` (every line of the file, or the
-- duplicate-candidate lines only: see ingest.py).
-- Every field is extracted once with json_transform into a struct of VARCHAR: a JSON string
-- gives its value, a number its text (so `"timestamp": 1759643112345` gives '1759643112345'),
-- an object or array its JSON text. Type checks happen in stg_calls on that text.

with

lines as (
    select
        source_row,
        -- a UTF-8 byte order mark may start the file
        case when source_row = 1 and starts_with(line, chr(65279)) then line[2:] else line end as line
    from ingest_lines
),

parsed as (
    select
        source_row,
        line,
        case when (case when starts_with(line, '{') then true else starts_with(ltrim(line, ' ' || chr(9)), '{') end) then try(json_transform(line, '{
            "request_id": "VARCHAR", "timestamp": "VARCHAR", "owner_uin": "VARCHAR",
            "uin": "VARCHAR", "action": "VARCHAR", "region": "VARCHAR", "error_code": "VARCHAR",
            "images_total": "VARCHAR", "images_recognized": "VARCHAR", "tickets": "VARCHAR"
        }')) end as rec,
        -- the keys, to look for a field given twice (json_keys costs as much as the parse, but
        -- this adapter reads only the files DuckDB's JSON reader, which refuses such lines,
        -- did not vouch for, and the few lines ingest.py reads again: ingest_jsonl_fast_records.sql)
        case when rec is not null then json_keys(line) end as keys
    from lines
    -- blank lines are not records (the CSV reader gives an empty line as NULL)
    -- (the regex only for lines that start with whitespace: a line starting with `{` is not blank;
    -- a string test, not an IN list, which DuckDB plans as a join that loses the file order)
    where line is not null and line <> ''
        and (not contains(chr(9) || chr(10) || chr(12) || chr(13) || ' ', left(line, 1))
            or not regexp_full_match(line, '\s*'))
),

final as (
    select
        source_row,
        line as raw,
        rec is not null as readable,
        case when rec is null then 'not a JSON object' end as unreadable_detail,
        -- a field given twice (json_transform takes the first): the record is ambiguous
        list_filter(
            keys,
            lambda k, i: list_contains(['request_id', 'timestamp', 'owner_uin', 'uin', 'action',
                'region', 'error_code', 'images_total', 'images_recognized', 'tickets'], k)
                and list_position(keys, k) < i
        )[1] as repeated_field,
        rec.request_id as request_id,
        rec.timestamp as timestamp,
        rec.owner_uin as owner_uin,
        rec.uin as uin,
        rec.action as action,
        rec.region as region,
        rec.error_code as error_code,
        rec.images_total as images_total,
        rec.images_recognized as images_recognized,
        rec.tickets as tickets
    from parsed
)

select * from final
