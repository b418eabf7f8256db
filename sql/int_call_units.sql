-- int_call_units: the billable units of each call, per billing item (R2–R5).
-- Grain: one row per (request_id, billing_item) with units > 0, for the calls this month's bill
-- needs: every call of the month, plus earlier domestic calls of an (owner, item) that may have
-- drawn on a pack still relevant (paid packs, one-time free packs): their balances carry over.
-- Reference versions are tiny, so they are joined as ranges [valid_from, next valid_from) on
-- their key (hash joins, no sort over the calls); the version in force is the one of the call's
-- Asia/Shanghai date (R1).
with

params as (select * from stg_run_params),

-- R5: action → billing rule and item, one row per version (the reference check makes the rows
-- of one (action, valid_from) agree)
interfaces as (
    select
        action, billing_rule, billing_item, valid_from,
        lead(valid_from) over (partition by action order by valid_from) as valid_to
    from (
        select action, valid_from, min(billing_rule) as billing_rule, min(billing_item) as billing_item
        from ref_interfaces
        group by all
    )
),

-- R4c: which error codes bill, one row per version
error_codes as (
    select
        error_code, billable, valid_from,
        lead(valid_from) over (partition by error_code order by valid_from) as valid_to
    from ref_error_codes
),

-- R4a: ticket Type → billing item, one row per version
ticket_types as (
    select
        type_code, billing_item, valid_from,
        lead(valid_from) over (partition by type_code order by valid_from) as valid_to
    from ref_ticket_types
),

-- R24: calls logged while the account is suspended are not billed (run report: anomalies).
-- Not materialized: the ticket branch below reads only the calls with tickets, a filter that
-- reaches the Parquet scan; one shared copy of every call would cost more than two scans.
calls as not materialized (
    select
        calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.site,
        calls.action, calls.error_code, calls.images_total, calls.images_recognized, calls.tickets,
        cast(calls.ts_utc + interval 8 hour as date) as local_date
    from calls
    cross join params
    anti join int_suspensions as stops
        on stops.owner_uin = calls.owner_uin
        and stops.suspended_from <= calls.ts_utc
        and calls.ts_utc < coalesce(stops.suspended_until, timestamp 'infinity')
    where calls.ts_utc < params.month_end
),

-- R5: action → billing item, as of the call's date; R4c: an error code bills only if the
-- reference table (as of the call's date) says so; an unknown code bills nothing (it is
-- reported by the run report).
call_interfaces as not materialized (
    select
        calls.*,
        interfaces.billing_rule,
        interfaces.billing_item as interface_item,
        coalesce(codes.billable, false) as error_billable
    from calls
    join interfaces
        on calls.action = interfaces.action
        and interfaces.valid_from <= calls.local_date
        and calls.local_date < coalesce(interfaces.valid_to, date 'infinity')
    left join error_codes as codes
        on calls.error_code = codes.error_code
        and codes.valid_from <= calls.local_date
        and calls.local_date < coalesce(codes.valid_to, date 'infinity')
    where interfaces.billing_rule <> 'none'
),

-- R4a: MixedInvoiceOCR bills one unit per recognised ticket, to the ticket class's item;
-- an error or no tickets bills nothing (classification is free)
ticket_units as (
    select
        calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.site,
        types.billing_item,
        count(*) as units
    from (
        select request_id, ts_utc, billing_month, owner_uin, site, local_date, unnest(tickets) as type_code
        from call_interfaces
        where billing_rule = 'per_ticket' and error_code is null and tickets is not null
    ) as calls
    join ticket_types as types
        on calls.type_code = types.type_code
        and types.valid_from <= calls.local_date
        and calls.local_date < coalesce(types.valid_to, date 'infinity')
    group by all
),

-- R4b legacy multi-image: recognised images; R4c: success 1, billable error 1, else 0
call_units as (
    select
        request_id, ts_utc, billing_month, owner_uin, site,
        interface_item as billing_item,
        case
            when images_total is not null then images_recognized
            when error_code is null then 1
            when error_billable then 1
            else 0
        end as units
    from call_interfaces
    where billing_rule = 'per_call'
),

all_units as not materialized (
    select * from ticket_units
    union all
    select * from call_units
),

-- (owner, item) pairs whose earlier calls matter: a paid pack effective before the month end,
-- or an item with a one-time free pack (its first call starts it, R6b)
carried_pairs as (
    select distinct packs.owner_uin, packs.billing_item
    from events as packs, params
    where packs.event_type = 'pack_purchase' and packs.effective_at < params.month_end
),

once_items as (
    -- any version: a one-time pack takes the version in force when it starts (int_free_packs)
    select distinct billing_item from ref_billing_items where free_kind = 'once'
),

-- The month is the constant getvariable('rated_month') (stg_run_params' month), so each
-- branch's filter reaches the Parquet scan and reads only its months' files.
final as (
    -- the month's calls
    select units.*, cast(units.ts_utc as date) as draw_day  -- the UTC day: int_unit_days
    from all_units as units
    where units.units > 0 and units.billing_month = getvariable('rated_month')
    union all
    -- earlier calls of pairs whose packs carry over
    select units.*, cast(units.ts_utc as date) as draw_day
    from all_units as units
    where units.units > 0
      and units.billing_month < getvariable('rated_month')
      and units.site = 'domestic'
      and (
          units.billing_item in (select billing_item from once_items)
          or exists (
              select 1 from carried_pairs as pairs
              where pairs.owner_uin = units.owner_uin and pairs.billing_item = units.billing_item
          )
      )
)

select * from final
