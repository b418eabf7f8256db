-- int_unit_parts: the units to rate, as whole days where nothing changes inside the day and as
-- single calls on the days where something does (R6–R8, R20, R25).
-- Grain: one row per part: a day of int_unit_days (request_id NULL) that no edge of
-- int_time_edges splits, or one call of int_call_units of a domestic day that one does. A
-- part lies on one side of every edge, so it is in one free pack or none and in one paid-pack
-- segment or none, and one postpaid mode holds for all its calls. Parts of one
-- (owner, site, item) never overlap in time, so (first_ts, request_id) orders them as R8 orders
-- the calls. International days are never split: no pack serves them (R11).
with

days as (select * from int_unit_days),

edges as (select * from int_time_edges),

-- days with calls on both sides of an edge
split_days as (
    select distinct days.owner_uin, days.site, days.billing_item, days.billing_month, days.draw_day
    from days
    join edges
        on edges.owner_uin = days.owner_uin
        and edges.billing_item = days.billing_item
        and (
            (edges.side = 'from' and days.first_ts < edges.edge_at and edges.edge_at <= days.last_ts)
            or (edges.side = 'after' and days.first_ts <= edges.edge_at and edges.edge_at < days.last_ts)
        )
    where days.site = 'domestic'
),

whole_days as (
    select
        days.owner_uin, days.site, days.billing_item, days.billing_month, days.draw_day,
        cast(null as varchar) as request_id,
        days.first_ts, days.last_ts, days.calls, days.units
    from days
    anti join split_days using (owner_uin, site, billing_item, billing_month, draw_day)
),

split_calls as (
    select
        units.owner_uin, units.site, units.billing_item, units.billing_month, units.draw_day,
        units.request_id,
        units.ts_utc as first_ts, units.ts_utc as last_ts, 1 as calls, units.units
    from int_call_units as units
    semi join split_days using (owner_uin, site, billing_item, billing_month, draw_day)
),

final as (
    select * from whole_days
    union all
    select * from split_calls
)

select * from final
