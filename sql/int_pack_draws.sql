-- int_pack_draws: what each part drew from each pack, free and paid (R6–R8).
-- Grain: one row per (pack_id, part) with units > 0: a whole day (request_id NULL: every call
-- of the day drew all its units from this pack) or one call. A call whose units span packs has
-- one row per pack. Built from int_free_draws and int_paid_draws.
with

free_draws as (
    select
        free_pack_id as pack_id, owner_uin, site, billing_item, billing_month, draw_day,
        request_id, first_ts, last_ts, free_units as units
    from int_free_draws
    where free_units > 0
),

paid_draws as (
    select
        pack_id, owner_uin, 'domestic' as site, billing_item, billing_month, draw_day,
        request_id, first_ts, last_ts, units
    from int_paid_draws
    where pack_id is not null
),

final as (
    select * from free_draws
    union all
    select * from paid_draws
)

select * from final
