-- ingest_csv_records: the records of a CSV call log with a header line, fields as text (spec §1.1).
-- Grain: one row per non-blank line after the header.
-- Each physical line is one record: fields are split on commas; a field may be quoted with "
-- (commas and doubled quotes inside), but a record cannot span lines. Columns are found by
-- header name (trimmed, case-insensitive, any order; unknown columns are ignored). A line whose
-- quoting is broken or whose field count differs from the header's is unreadable.
-- Fields are trimmed; `null` (any case) is an absent value. `tickets` is `;`-separated in CSV
-- (brackets around the list, as pandas writes a list, are allowed); it is rewritten as a JSON
-- list text like the JSONL adapter's.
-- A first line that names none of the call fields is not a header but a record (a file written
-- without a header, or a first line whose quoting is broken): it is unreadable, so that it is
-- quarantined, not lost, and the records after it miss their fields. A header that lacks some
-- required columns is a header: its records miss those fields.

with

lines as (
    select
        source_row,
        case when source_row = 1 and starts_with(line, chr(65279)) then line[2:] else line end as line
    from ingest_lines
    -- blank lines are not records (the CSV reader gives an empty line as NULL)
    where line is not null and not regexp_full_match(line, '\s*')
),

split as (
    select
        source_row,
        line,
        case
            when not contains(line, '"') then string_split(line, ',')
            when regexp_full_match(line, '("(?:[^"]|"")*"|[^,"]*)(,("(?:[^"]|"")*"|[^,"]*))*')
                then list_transform(
                    regexp_extract_all(',' || line, ',("(?:[^"]|"")*"|[^,"]*)', 1),
                    lambda f: case when starts_with(f, '"') then replace(f[2:-2], '""', '"') else f end
                )
        end as fields
    from lines
),

header as (
    select
        source_row as header_row,
        list_transform(fields, lambda f: lower(trim(f))) as names
    from split
    order by source_row
    limit 1
),

positions as (
    select
        header_row,
        len(names) as n_columns,
        list_position(names, 'request_id') as p_request_id,
        list_position(names, 'timestamp') as p_timestamp,
        list_position(names, 'owner_uin') as p_owner_uin,
        list_position(names, 'uin') as p_uin,
        list_position(names, 'action') as p_action,
        list_position(names, 'region') as p_region,
        list_position(names, 'error_code') as p_error_code,
        list_position(names, 'images_total') as p_images_total,
        list_position(names, 'images_recognized') as p_images_recognized,
        list_position(names, 'tickets') as p_tickets,
        coalesce(list_has_any(names, ['request_id', 'timestamp', 'owner_uin', 'uin', 'action', 'region',
            'error_code', 'images_total', 'images_recognized', 'tickets']), false) as is_header
    from header
),

records as (
    select
        split.*,
        positions.*,
        coalesce(split.source_row > positions.header_row
            and split.fields is not null and len(split.fields) = positions.n_columns, false) as readable,
        -- fields trimmed; the text `null` (any case) is an absent value, as JSON's null
        list_transform(split.fields, lambda f: case when lower(trim(f)) = 'null' then '' else trim(f) end) as cells
    from split
    cross join positions
    where split.source_row > positions.header_row or not positions.is_header
),

final as (
    select
        source_row,
        line as raw,
        readable,
        case
            when source_row = header_row and fields is null then 'broken CSV quoting, in the first line: no header'
            when source_row = header_row
                then 'no header: the first line names none of the call fields (request_id, timestamp, owner_uin, action, region, …)'
            when fields is null then 'broken CSV quoting'
            when n_columns is null then 'no header: the first line is unreadable'
            when not readable then printf('%d fields, the header has %d', len(fields), n_columns)
        end as unreadable_detail,
        NULL::VARCHAR as repeated_field,  -- (JSON only)
        case when readable then cells[p_request_id] end as request_id,
        case when readable then cells[p_timestamp] end as timestamp,
        case when readable then cells[p_owner_uin] end as owner_uin,
        case when readable then cells[p_uin] end as uin,
        case when readable then cells[p_action] end as action,
        case when readable then cells[p_region] end as region,
        case when readable then cells[p_error_code] end as error_code,
        case when readable then cells[p_images_total] end as images_total,
        case when readable then cells[p_images_recognized] end as images_recognized,
        case when readable and cells[p_tickets] <> ''
            then '[' || replace(regexp_replace(cells[p_tickets], '^\[(.*)\]$', '\1'), ';', ',') || ']' end as tickets
    from records
)

select * from final
