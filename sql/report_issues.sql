-- report_issues: what the month's run report must list besides the totals (spec §3 run report).
-- Grain: one row per (kind, key): quarantine reasons (all ingests), unknown error codes, calls
-- of actions without a billing item and calls no reference version covers in the month, denied
-- refunds (R20; one row per request, so a pack_id may come twice), rejected QPS orders (R21),
-- calls not billed during a suspension (R24 anomalies), overlapping contract prices (R10), and
-- flagged bill lines (R10, R11, R25).
with

params as (select * from stg_run_params),

month_calls as not materialized (
    select calls.*, cast(calls.ts_utc + interval 8 hour as date) as local_date
    from calls, params
    where calls.billing_month = params.billing_month
),

-- the first version of each error code: a call before it has an unknown code
error_codes as (
    select error_code, min(valid_from) as first_valid_from
    from ref_error_codes
    group by all
),

-- versions of the actions that have no billing item in some version, [valid_from, next)
none_interfaces as (
    select action, billing_rule, valid_from, valid_to
    from (
        select
            action, billing_rule, valid_from,
            lead(valid_from) over (partition by action order by valid_from) as valid_to
        from (
            select action, valid_from, min(billing_rule) as billing_rule
            from ref_interfaces
            group by all
        )
    )
    where action in (select action from ref_interfaces where billing_rule = 'none')
),

quarantine_reasons as (
    select 'quarantine_reason' as kind, reason as key, count(*) as records, '' as detail
    from quarantine
    group by all
),

unknown_error_codes as (
    select 'unknown_error_code' as kind, month_calls.error_code as key, count(*) as records,
           'not in reference/error_codes.csv: not billed' as detail
    from month_calls
    anti join error_codes as codes
        on month_calls.error_code = codes.error_code and codes.first_valid_from <= month_calls.local_date
    where month_calls.error_code is not null
    group by all
),

unbillable_actions as (
    select 'unbillable_action' as kind, month_calls.action as key, count(*) as records,
           'action has no billing item in the seed: not billed' as detail
    from month_calls
    join none_interfaces as interfaces
        on month_calls.action = interfaces.action
        and interfaces.valid_from <= month_calls.local_date
        and month_calls.local_date < coalesce(interfaces.valid_to, date 'infinity')
    where interfaces.billing_rule = 'none'
    group by all
),

-- calls that no reference version covers on their date (ingest quarantines them, so only a
-- reference edited after ingest, against reference/README.md's add-only rule, leaves such a
-- call): int_call_units finds no billing item for them, so they are listed, never dropped.
-- `records` counts calls: a call without an interface version is listed by its action only;
-- a MixedInvoiceOCR call once under each ticket Type without a version (R4a: errors bill none)
first_interfaces as (
    select action, min(valid_from) as first_valid_from from ref_interfaces group by all
),

first_ticket_types as (
    select type_code, min(valid_from) as first_valid_from from ref_ticket_types group by all
),

unrated_calls as (
    select 'unrated_call' as kind, month_calls.action as key, count(*) as records,
           'no version of reference/interfaces.csv in force on the call''s date: not billed' as detail
    from month_calls
    anti join first_interfaces as interfaces
        on month_calls.action = interfaces.action and interfaces.first_valid_from <= month_calls.local_date
    group by all
    union all
    select 'unrated_call' as kind, 'ticket Type ' || tickets.type_code as key,
           count(distinct tickets.request_id) as records,
           'no version of reference/ticket_types.csv in force on the call''s date: not billed' as detail
    from (
        select month_calls.request_id, month_calls.local_date, unnest(month_calls.tickets) as type_code
        from month_calls
        semi join first_interfaces as interfaces
            on month_calls.action = interfaces.action and interfaces.first_valid_from <= month_calls.local_date
        where month_calls.tickets is not null and month_calls.error_code is null
    ) as tickets
    anti join first_ticket_types as types
        on tickets.type_code = types.type_code and types.first_valid_from <= tickets.local_date
    group by all
),

flagged_lines as (
    select
        unnest(string_split(flags, ';')) as kind,
        owner_uin || ' ' || site || ' ' || billing_item as key,
        postpaid_units as records,
        charge_type as detail
    from bill_lines
    where flags <> ''
),

-- R20: refund requests denied, with the reason (decided on requests of the month)
denied_refunds as (
    select 'refund_denied' as kind, requests.pack_id as key, 1 as records, decisions.reason as detail
    from int_refund_requests as requests
    join int_refund_decisions as decisions using (event_key)
    cross join params
    where decisions.status = 'denied'
      and requests.requested_at >= params.month_start and requests.requested_at < params.month_end
),

-- R20: refund requests of the month naming no paid pack (a free pack's, or a purchase never loaded)
unknown_pack_refunds as (
    select 'refund_denied' as kind, refunds.pack_id as key, 1 as records, 'unknown_pack' as detail
    from events as refunds, params
    where refunds.event_type = 'pack_refund'
      and refunds.requested_at >= params.month_start and refunds.requested_at < params.month_end
      and refunds.pack_id not in (select pack_id from int_paid_packs)
),

-- R21: QPS orders bought in the month and rejected (class cap, no class or price), with the reason
rejected_qps_orders as (
    select 'qps_order_rejected' as kind, orders.order_id as key, 1 as records, orders.reason as detail
    from int_qps_orders as orders, params
    where orders.status = 'rejected' and orders.billing_month = params.billing_month
),

-- R24: calls logged while suspended are not billed; each account's count is an anomaly.
-- A call inside two overlapping suspensions (arrears and a violation) counts once.
suspended_calls as (
    select
        'anomaly_suspended_calls' as kind,
        month_calls.owner_uin as key,
        count(distinct month_calls.request_id) as records,  -- request_ids are unique (ingest)
        string_agg(distinct stops.reason, ';' order by stops.reason) as detail
    from month_calls
    join int_suspensions as stops
        on stops.owner_uin = month_calls.owner_uin
        and stops.suspended_from <= month_calls.ts_utc
        and month_calls.ts_utc < coalesce(stops.suspended_until, timestamp 'infinity')
    group by all
),

-- R10: contract prices of one (owner, item) that both cover the month: int_usage applies the
-- latest from_month (then the greatest event_key); the overlap is listed for review
contract_overlaps as (
    select
        'contract_price_overlap' as kind,
        owner_uin || ' ' || billing_item as key,
        count(*) as records,
        'contract prices that cover the month: ' || string_agg(from_month || '..' || coalesce(to_month, ''), ', '
            order by from_month, to_month) || '; the latest from_month applies' as detail
    from events, params
    where event_type = 'contract_price'
      and from_month <= params.billing_month
      and coalesce(to_month, params.billing_month) >= params.billing_month
    group by owner_uin, billing_item
    having count(*) > 1
),

final as (
    select * from quarantine_reasons
    union all select * from suspended_calls
    union all select * from denied_refunds
    union all select * from unknown_pack_refunds
    union all select * from rejected_qps_orders
    union all select * from contract_overlaps
    union all select * from unknown_error_codes
    union all select * from unbillable_actions
    union all select * from unrated_calls
    union all select * from flagged_lines
)

select * from final
order by kind, key, detail
