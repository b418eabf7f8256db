-- int_free_packs: the free resource packs (R6), domestic only.
-- Grain: one row per pack. Monthly packs: one per (owner, item, month) with domestic usage,
-- effective 00:00 on the 1st (UTC+8) until the next month (R6a). One-time packs: one per
-- (owner, item), effective at the activation event, else the first billable call, for the
-- item's validity in months (R6b; 增值税发票核验: 50 units, 60 months).
with

params as (select * from stg_run_params),

items as (select * from cur_billing_items),

domestic_units as (
    select * from int_call_units where site = 'domestic'
),

monthly as (
    select
        usage.owner_uin,
        usage.billing_item,
        'free_monthly' as kind,
        items.free_units as size,
        strptime(usage.billing_month || '-01', '%Y-%m-%d') - interval 8 hour as effective_at
    from (select distinct owner_uin, billing_item, billing_month from domestic_units) as usage
    join items on items.billing_item = usage.billing_item and items.free_kind = 'monthly'
),

activations as (
    select owner_uin, billing_item, min("at") as activated_at
    from events
    where event_type = 'activation'
    group by all
),

first_calls as (
    select owner_uin, billing_item, min(ts_utc) as first_call_at
    from domestic_units
    group by all
),

once_owners as (
    select owner_uin, billing_item from activations
    union
    select owner_uin, billing_item from first_calls
),

once as (
    select
        once_owners.owner_uin,
        once_owners.billing_item,
        'free_once' as kind,
        items.free_units as size,
        coalesce(activations.activated_at, first_calls.first_call_at) as effective_at,
        items.free_valid_months
    from once_owners
    left join activations
        on activations.owner_uin = once_owners.owner_uin
        and activations.billing_item = once_owners.billing_item
    left join first_calls
        on first_calls.owner_uin = once_owners.owner_uin
        and first_calls.billing_item = once_owners.billing_item
    join items on items.billing_item = once_owners.billing_item and items.free_kind = 'once'
),

final as (
    select
        concat_ws(':', kind, owner_uin, billing_item, strftime(effective_at + interval 8 hour, '%Y-%m')) as pack_id,
        owner_uin, billing_item, kind, size,
        effective_at,
        -- months are added on the UTC+8 calendar (R1), then brought back to UTC
        effective_at + interval 8 hour + interval 1 month - interval 8 hour as expires_at
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
