-- int_pack_draws: units each call drew from each pack, free and paid (R6–R8).
-- Grain: one row per (pack_id, request_id, billing_item) with units > 0. A call whose units
-- span packs has one row per pack. Paid draws are built in int_paid_draws.
with

free_draws as (
    select
        free_pack_id as pack_id, request_id, ts_utc, billing_month, owner_uin, billing_item,
        free_units as units
    from int_free_draws
    where free_units > 0
),

paid_draws as (
    select pack_id, request_id, ts_utc, billing_month, owner_uin, billing_item, units
    from int_paid_draws
),

final as (
    select * from free_draws
    union all
    select * from paid_draws
)

select * from final
