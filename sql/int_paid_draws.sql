-- int_paid_draws: units each call drew from each paid pack (R7, R8).
-- Grain: one row per (pack_id, request_id, billing_item) with units > 0. A call whose units
-- span packs has one row per pack. The allocator gave each pack a range [alloc_from, alloc_to)
-- of its segment's running unit total (in (ts, request_id) order); a call draws from a pack the
-- part of its own unit range that falls in the pack's range.
-- Only the calls of a UTC day in which an allocation edge falls strictly inside the day's unit
-- range need that order: every call of any other day lands wholly in one pack (or in none).
with

demand as not materialized (select * from int_paid_demand),

allocations as not materialized (select * from int_paid_allocations),

-- per segment and day: the units drawn before the day and through it
seg_days as (
    select
        owner_uin, billing_item, seg_start, draw_day,
        sum(day_units) over (
            partition by owner_uin, billing_item, seg_start
            order by draw_day rows between unbounded preceding and current row
        ) as units_through_day,
        units_through_day - day_units as units_before_day
    from (
        select owner_uin, billing_item, seg_start, draw_day, sum(residual_units) as day_units
        from demand
        group by all
    )
),

edges as (
    select owner_uin, billing_item, seg_start, alloc_from as edge from allocations
    union
    select owner_uin, billing_item, seg_start, alloc_to as edge from allocations
),

-- days with an allocation edge strictly inside their unit range
cut_days as (
    select distinct seg_days.owner_uin, seg_days.billing_item, seg_days.seg_start, seg_days.draw_day,
        seg_days.units_before_day
    from seg_days
    join edges
        on edges.owner_uin = seg_days.owner_uin
        and edges.billing_item = seg_days.billing_item
        and edges.seg_start = seg_days.seg_start
        and seg_days.units_before_day < edges.edge
        and edges.edge < seg_days.units_through_day
),

-- every other day lies wholly inside one allocation, or inside none (postpaid)
whole_days as (
    select seg_days.owner_uin, seg_days.billing_item, seg_days.seg_start, seg_days.draw_day,
        allocations.pack_id
    from seg_days
    join allocations
        on allocations.owner_uin = seg_days.owner_uin
        and allocations.billing_item = seg_days.billing_item
        and allocations.seg_start = seg_days.seg_start
        and allocations.alloc_from <= seg_days.units_before_day
        and seg_days.units_through_day <= allocations.alloc_to
),

whole_draws as (
    select
        whole_days.pack_id, demand.request_id, demand.ts_utc, demand.billing_month,
        demand.owner_uin, demand.billing_item, demand.residual_units as units
    from demand
    join whole_days
        on whole_days.owner_uin = demand.owner_uin
        and whole_days.billing_item = demand.billing_item
        and whole_days.seg_start = demand.seg_start
        and whole_days.draw_day = demand.draw_day
),

-- calls of the cut days: the running total inside the segment, in (ts, request_id) order
cut_calls as (
    select
        demand.*,
        cut_days.units_before_day + sum(demand.residual_units) over (
            partition by demand.owner_uin, demand.billing_item, demand.seg_start, demand.draw_day
            order by demand.ts_utc, demand.request_id
            rows between unbounded preceding and current row
        ) - demand.residual_units as seg_units_before
    from demand
    join cut_days
        on cut_days.owner_uin = demand.owner_uin
        and cut_days.billing_item = demand.billing_item
        and cut_days.seg_start = demand.seg_start
        and cut_days.draw_day = demand.draw_day
),

cut_draws as (
    select
        allocations.pack_id, cut_calls.request_id, cut_calls.ts_utc, cut_calls.billing_month,
        cut_calls.owner_uin, cut_calls.billing_item,
        least(cut_calls.seg_units_before + cut_calls.residual_units, allocations.alloc_to)
            - greatest(cut_calls.seg_units_before, allocations.alloc_from) as units
    from cut_calls
    join allocations
        on allocations.owner_uin = cut_calls.owner_uin
        and allocations.billing_item = cut_calls.billing_item
        and allocations.seg_start = cut_calls.seg_start
        and allocations.alloc_from < cut_calls.seg_units_before + cut_calls.residual_units
        and cut_calls.seg_units_before < allocations.alloc_to
),

final as (
    select * from whole_draws
    union all
    select * from cut_draws
)

select * from final
