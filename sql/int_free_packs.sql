-- int_free_packs: the free resource packs (R6), domestic only.
-- Grain: one row per pack. Monthly packs: one per (owner, item, month) with domestic usage,
-- effective 00:00 on the 1st (UTC+8) until the next month (R6a). One-time packs: one per
-- (owner, item), effective at the activation event, else the first billable call, for the
-- item's validity in months (R6b; 增值税发票核验: 50 units, 60 months). Months are added on
-- the UTC+8 calendar (R1), then brought back to UTC.
-- A pack's size and validity come from the billing-items version in force when it starts (a
-- monthly pack: its month's 1st; a one-time pack: its start date, UTC+8), not the rated month's:
-- earlier months' packs are rebuilt here to carry paid-pack balances, and must come out as the
-- bills of those months did (spec §1.3: closed months re-rate the same way).
with

params as (select * from stg_run_params),

-- every version of every item, in force on [valid_from, valid_to)
items as (
    select
        *,
        lead(valid_from) over (partition by billing_item order by valid_from) as valid_to
    from ref_billing_items
),

domestic_days as (
    select * from int_unit_days where site = 'domestic'
),

-- R24: when the account was last seen before each month it called in
account_months as (
    select
        calls.owner_uin,
        calls.billing_month,
        min(calls.ts_utc) as first_call_at,
        lag(max(calls.ts_utc)) over (
            partition by calls.owner_uin order by calls.billing_month
        ) as previous_call_at
    from calls, params
    where calls.ts_utc < params.month_end
    group by calls.owner_uin, calls.billing_month
),

monthly_base as (
    select
        usage.owner_uin,
        usage.billing_item,
        usage.billing_month,
        items.free_units as size,
        strptime(usage.billing_month || '-01', '%Y-%m-%d') - interval 8 hour as month_start
    from (select distinct owner_uin, billing_item, billing_month from domestic_days) as usage
    join items
        on items.billing_item = usage.billing_item
        and items.valid_from <= cast(usage.billing_month || '-01' as date)
        and cast(usage.billing_month || '-01' as date) < coalesce(items.valid_to, date 'infinity')
    where items.free_kind = 'monthly'
),

-- R24: a month that starts suspended gets its pack when service is restored; an account back
-- after 12 months without calls gets it at its first call instead of on the 1st
monthly as (
    select
        base.owner_uin,
        base.billing_item,
        'free_monthly' as kind,
        base.size,
        greatest(
            base.month_start,
            (
                select max(stops.suspended_until) from int_suspensions as stops
                where stops.owner_uin = base.owner_uin
                  and stops.suspended_from <= base.month_start
                  and stops.suspended_until > base.month_start
            ),
            case
                when seen.previous_call_at < seen.first_call_at - interval 12 month
                    then seen.first_call_at
            end
        ) as effective_at,
        base.month_start + interval 8 hour + interval 1 month - interval 8 hour as expires_at
    from monthly_base as base
    left join account_months as seen
        on seen.owner_uin = base.owner_uin and seen.billing_month = base.billing_month
),

activations as (
    select owner_uin, billing_item, min("at") as activated_at
    from events
    where event_type = 'activation'
    group by all
),

first_calls as (
    select owner_uin, billing_item, min(first_ts) as first_call_at
    from domestic_days
    group by all
),

once_owners as (
    select owner_uin, billing_item from activations
    union
    select owner_uin, billing_item from first_calls
),

once_starts as (
    select
        once_owners.owner_uin,
        once_owners.billing_item,
        coalesce(activations.activated_at, first_calls.first_call_at) as effective_at
    from once_owners
    left join activations
        on activations.owner_uin = once_owners.owner_uin
        and activations.billing_item = once_owners.billing_item
    left join first_calls
        on first_calls.owner_uin = once_owners.owner_uin
        and first_calls.billing_item = once_owners.billing_item
),

once as (
    select
        starts.owner_uin,
        starts.billing_item,
        'free_once' as kind,
        items.free_units as size,
        starts.effective_at,
        items.free_valid_months
    from once_starts as starts
    join items
        on items.billing_item = starts.billing_item
        and items.valid_from <= cast(starts.effective_at + interval 8 hour as date)
        and cast(starts.effective_at + interval 8 hour as date) < coalesce(items.valid_to, date 'infinity')
    where items.free_kind = 'once'
),

final as (
    select
        concat_ws(':', kind, owner_uin, billing_item, strftime(effective_at + interval 8 hour, '%Y-%m')) as pack_id,
        owner_uin, billing_item, kind, size,
        effective_at,
        expires_at
    from monthly
    union all
    select
        concat_ws(':', kind, owner_uin, billing_item) as pack_id,
        owner_uin, billing_item, kind, size,
        effective_at,
        effective_at + interval 8 hour + to_months(free_valid_months) - interval 8 hour as expires_at
    from once
)

select * from final
