-- stg_calls: the call-log records of one input file, typed and validated (spec §1.1).
-- Grain: one row per record (non-blank line) of the file being ingested.
-- `reason` is NULL for a record that may be accepted, else the quarantine reason, with a human
-- `detail`; the first failing check wins, in the order of the CASE below. Deduplication is not
-- done here (see ingest_duplicates.sql). `raw` is kept only for quarantined records.
--
-- Imports: `ingest_records` (the file's records as text, from ingest_jsonl_records.sql or
-- ingest_csv_records.sql) and the reference lookups of ingest_dims.sql, as session variables
-- (MAPs and lists: lookups are scalar functions, so this model has no join and keeps the order
-- of the file).
-- Timestamps (R1): ISO-8601 (seconds optional) with `Z` or an offset; without an offset,
-- Asia/Shanghai local time (UTC+8, no DST since 1991, so a fixed 8 hours); or epoch milliseconds
-- (digits). Stored as naive UTC; billing_month is the Asia/Shanghai calendar month.

with

records as (
    select * from ingest_records
),

-- empty or blank text means absent (macro_ingest_values.sql); other values are taken as logged
cleaned as (
    select
        source_row,
        raw,
        readable,
        unreadable_detail,
        repeated_field,
        absent_if_blank(request_id) as request_id,
        absent_if_blank(timestamp) as ts_text,
        absent_if_blank(owner_uin) as owner_uin,
        absent_if_blank(uin) as uin,
        absent_if_blank(action) as action,
        absent_if_blank(region) as region,
        absent_if_blank(error_code) as error_code,
        absent_if_blank(images_total) as images_total_text,
        absent_if_blank(images_recognized) as images_recognized_text,
        absent_if_blank(tickets) as tickets_text
    from records
),

typed as (
    select
        cleaned.*,
        case
            -- (`.0` after the digits: a float column's whole number)
            when regexp_full_match(ts_text, '[0-9]{1,15}(\.0+)?')
                then epoch_ms(ts_text::BIGINT)
            -- (RFC 3339: the T and the Z may be lower case; the cast wants them upper case. ISO
            -- 8601 allows a comma before the fraction; the cast wants a point)
            when regexp_full_match(ts_text,
                '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)')
                -- the session time zone is UTC (db.connect), so this is the UTC wall time
                then try_cast(replace(upper(ts_text), ',', '.') as TIMESTAMPTZ)::TIMESTAMP
            when regexp_full_match(ts_text,
                '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?')
                then try_cast(replace(upper(ts_text), ',', '.') as TIMESTAMP) - INTERVAL 8 HOUR  -- R1: Asia/Shanghai
        end as ts_utc,
        -- a whole number; `3.0` is how a float column (one with gaps, in pandas) writes 3
        regexp_full_match(images_total_text, '[0-9]{1,9}(\.0+)?') as images_total_ok,
        regexp_full_match(images_recognized_text, '[0-9]{1,9}(\.0+)?') as images_recognized_ok,
        -- a list of integers; a Type written as a string of digits ("3", or '3' as pandas writes
        -- a list of strings in CSV) is that integer
        regexp_full_match(tickets_text,
            '\[\s*((-?[0-9]{1,9}|"-?[0-9]{1,9}"|''-?[0-9]{1,9}'')\s*(,\s*(-?[0-9]{1,9}|"-?[0-9]{1,9}"|''-?[0-9]{1,9}'')\s*)*)?\]')
            as tickets_ok,
        not_an_id(request_id) or not_an_id(owner_uin) or not_an_id(uin) or not_an_id(error_code)
            as not_an_id
    from cleaned
),

checked as (
    select
        typed.*,
        case when images_total_ok then images_total_text::INTEGER end as images_total,
        case when images_recognized_ok then images_recognized_text::INTEGER end as images_recognized,
        case when tickets_ok then regexp_replace(tickets_text, '["'']', '', 'g')::INTEGER[] end as tickets,
        getvariable('ingest_action_per_ticket')[action] as action_per_ticket,
        -- a key is known from its first version on (ingest_dims.sql); the CASE looks that up
        -- only for calls before `ingest_keys_from`
        ts_utc >= getvariable('ingest_keys_from') as keys_in_force,
        case
            when keys_in_force then action_per_ticket is not null
            else coalesce(getvariable('ingest_action_since')[action] <= ts_utc, false)
        end as action_known,
        coalesce(action_per_ticket, false) as per_ticket,
        case
            when keys_in_force then getvariable('ingest_region_site')[region]  -- R3
            when getvariable('ingest_region_since')[region] <= ts_utc then getvariable('ingest_region_site')[region]
        end as site,
        -- a MAP lookup: a list_contains on a constant list is planned as a join (no file order)
        coalesce(getvariable('ingest_error_code_set')[error_code], false) as error_code_listed
    from typed
),

validated as (
    select
        checked.*,
        case
            when not readable then 'unreadable'
            when repeated_field is not null then 'bad_value'
            when request_id is null then 'missing_field'
            when ts_text is null then 'missing_field'
            when owner_uin is null then 'missing_field'
            when action is null then 'missing_field'
            when region is null then 'missing_field'
            when not_an_id then 'bad_value'
            when ts_utc is null then 'bad_timestamp'
            when ts_utc < TIMESTAMP '2000-01-01' or ts_utc >= TIMESTAMP '2100-01-01' then 'bad_timestamp'
            when images_total_text is not null and not images_total_ok then 'bad_value'
            when images_recognized_text is not null and not images_recognized_ok then 'bad_value'
            when tickets_text is not null and not tickets_ok then 'bad_value'
            when images_total < 1 then 'bad_value'
            when (images_total_text is null) <> (images_recognized_text is null) then 'inconsistent_counts'
            when images_recognized > images_total then 'inconsistent_counts'
            when not action_known then 'unknown_action'
            when site is null then 'unknown_region'
            when len(tickets) > 0 and not per_ticket then 'bad_value'
            when len(tickets) > 0 and not list_bool_and(list_transform(tickets,
                    lambda t: coalesce(getvariable('ingest_ticket_since')[t] <= ts_utc, false)))
                then 'unknown_ticket_type'
        end as reason
    from checked
),

-- the human detail, worked out for the quarantined records only
explained as (
    select
        validated.*,
        case when reason is not null then case
            when not readable then unreadable_detail
            when repeated_field is not null then 'field ' || repeated_field || ' is given more than once'
            when request_id is null then 'request_id is missing'
            when ts_text is null then 'timestamp is missing'
            when owner_uin is null then 'owner_uin is missing'
            when action is null then 'action is missing'
            when region is null then 'region is missing'
            when not_an_id then case
                    when not_an_id(request_id) then 'request_id ' || request_id
                    when not_an_id(owner_uin) then 'owner_uin ' || owner_uin
                    when not_an_id(uin) then 'uin ' || uin
                    else 'error_code ' || error_code
                end || ' is an object, list, boolean, fraction or NaN, not a string'
            when ts_utc is null then 'timestamp ' || ts_text || ' is not ISO-8601 or epoch milliseconds'
            when ts_utc < TIMESTAMP '2000-01-01' or ts_utc >= TIMESTAMP '2100-01-01'
                then 'timestamp ' || ts_text || ' is outside 2000..2099'
            when images_total_text is not null and not images_total_ok
                then 'images_total ' || images_total_text || ' is not a whole number of at most 9 digits'
            when images_recognized_text is not null and not images_recognized_ok
                then 'images_recognized ' || images_recognized_text || ' is not a whole number of at most 9 digits'
            when tickets_text is not null and not tickets_ok
                then 'tickets ' || tickets_text || ' is not a list of integers'
            when images_total < 1 then 'images_total ' || images_total || ' is below 1'
            when (images_total_text is null) <> (images_recognized_text is null)
                then 'images_total and images_recognized must be given together'
            when images_recognized > images_total
                then printf('images_recognized %d exceeds images_total %d', images_recognized, images_total)
            when action_per_ticket is null then 'action ' || action || ' is not in reference/interfaces.csv'
            when not action_known then 'action ' || action || ' is in reference/interfaces.csv only from '
                || cast(getvariable('ingest_action_since')[action] + INTERVAL 8 HOUR as date)
            when getvariable('ingest_region_site')[region] is null
                then 'region ' || region || ' is not in reference/regions.csv'
            when site is null then 'region ' || region || ' is in reference/regions.csv only from '
                || cast(getvariable('ingest_region_since')[region] + INTERVAL 8 HOUR as date)
            when len(tickets) > 0 and not per_ticket
                then 'tickets given for ' || action || ', which is not billed per ticket'
            when len(tickets) > 0
                then 'ticket Type not in reference/ticket_types.csv on '
                    || cast(ts_utc + INTERVAL 8 HOUR as date) || ': '
                    || list_filter(tickets,
                        lambda t: not coalesce(getvariable('ingest_ticket_since')[t] <= ts_utc, false))::VARCHAR
        end end as detail
    from validated
),

final as (
    select
        source_row,
        source_row as source_line,
        request_id,
        ts_utc::TIMESTAMP as ts_utc,
        strftime(ts_utc + INTERVAL 8 HOUR, '%Y-%m') as billing_month,  -- R1
        owner_uin,
        coalesce(uin, owner_uin) as uin,  -- R2: uin defaults to owner_uin
        action,
        region,
        site,
        error_code,
        images_total,
        images_recognized,
        case when per_ticket then tickets end as tickets,
        -- macro_content_hash.sql; only the duplicate candidates select it (pass 2)
        content_hash(
            ts_utc::TIMESTAMP, owner_uin, coalesce(uin, owner_uin), action, region, error_code,
            images_total, images_recognized, case when per_ticket then tickets end
        ) as content_hash,
        error_code is null or error_code_listed as error_code_known,
        reason,
        detail,
        case when reason is not null then raw end as raw
    from explained
)

select * from final
