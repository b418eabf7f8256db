-- int_call_units: the billable units of each call, per billing item (R2–R5).
-- Grain: one row per (request_id, billing_item) with units > 0, for the calls this month's bill
-- needs: every call of the month, plus earlier domestic calls of an (owner, item) that may have
-- drawn on a pack still relevant (paid packs, one-time free packs): their balances carry over.
with

params as (select * from stg_run_params),

-- R24: calls logged while the account is suspended are not billed (run report: anomalies)
calls as (
    select
        calls.*,
        cast(calls.ts_utc + interval 8 hour as date) as local_date
    from calls, params
    where calls.ts_utc < params.month_end
      and not exists (
          select 1 from int_suspensions as stops
          where stops.owner_uin = calls.owner_uin
            and stops.suspended_from <= calls.ts_utc
            and (stops.suspended_until is null or calls.ts_utc < stops.suspended_until)
      )
),

-- R4c: an error code bills only if the reference table (as of the call's date) says so;
-- an unknown code bills nothing (it is reported by the run report).
call_errors as (
    select calls.request_id, coalesce(codes.billable, false) as error_billable
    from calls
    asof left join ref_error_codes as codes
        on calls.error_code = codes.error_code and calls.local_date >= codes.valid_from
    where calls.error_code is not null
),

-- R5: action → billing item, as of the call's date
call_interfaces as (
    select calls.*, interfaces.billing_rule, interfaces.billing_item as interface_item
    from calls
    asof join ref_interfaces as interfaces
        on calls.action = interfaces.action and calls.local_date >= interfaces.valid_from
),

-- R4a: MixedInvoiceOCR bills one unit per recognised ticket, to the ticket class's item;
-- an error or no tickets bills nothing (classification is free)
ticket_units as (
    select
        request_id, ts_utc, billing_month, owner_uin, site, ticket_item as billing_item,
        count(*) as units
    from (
        select
            calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.site,
            types.billing_item as ticket_item
        from (
            select *, unnest(tickets) as type_code
            from call_interfaces
            where billing_rule = 'per_ticket' and error_code is null
        ) as calls
        asof join ref_ticket_types as types
            on calls.type_code = types.type_code and calls.local_date >= types.valid_from
    )
    group by all
),

-- R4b legacy multi-image: recognised images; R4c: success 1, billable error 1, else 0
call_units as (
    select
        calls.request_id, calls.ts_utc, calls.billing_month, calls.owner_uin, calls.site,
        calls.interface_item as billing_item,
        case
            when calls.images_total is not null then calls.images_recognized
            when calls.error_code is null then 1
            when call_errors.error_billable then 1
            else 0
        end as units
    from call_interfaces as calls
    left join call_errors using (request_id)
    where calls.billing_rule = 'per_call'
),

all_units as (
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
    select billing_item from cur_billing_items where free_kind = 'once'
),

final as (
    select units.*
    from all_units as units, params
    where units.units > 0
      and (
          units.billing_month = params.billing_month
          or (
              units.site = 'domestic'
              and (
                  units.billing_item in (select billing_item from once_items)
                  or exists (
                      select 1 from carried_pairs as pairs
                      where pairs.owner_uin = units.owner_uin
                        and pairs.billing_item = units.billing_item
                  )
              )
          )
      )
)

select * from final
