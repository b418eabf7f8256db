-- int_unit_days: the billable units per account, site, item, billing month and UTC day (R2–R5).
-- Grain: one row per (owner_uin, site, billing_item, billing_month, draw_day) of int_call_units.
-- The rating works on these days, and call by call only on the days where something changes
-- inside the day (int_unit_parts, int_free_draws, int_paid_draws): far fewer rows than calls.
with

units as (select * from int_call_units),

final as (
    select
        owner_uin, site, billing_item, billing_month, draw_day,
        count(*) as calls,
        sum(units) as units,
        min(ts_utc) as first_ts,
        max(ts_utc) as last_ts
    from units
    group by all
)

select * from final
