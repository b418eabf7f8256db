-- int_paid_draws: what each part of int_paid_demand drew from each paid pack, and what no pack
-- took (pack_id NULL: postpaid) (R7, R8).
-- Grain: one row per (part, pack) with units > 0, plus one row per part with units left over.
-- The allocator gave each pack a range [alloc_from, alloc_to) of its segment's running unit
-- total (in (ts, request_id) order); a part draws from a pack the part of its own unit range
-- that falls in the pack's range. A whole day with an allocation edge strictly inside its unit
-- range is replaced by its calls (each call of such a day is wholly residual: the free packs
-- took all of a whole day or none of it), so a call whose units span packs has one row per pack.
with

demand as (select * from int_paid_demand),

allocations as (select * from int_paid_allocations),

-- the segment's units before each part, in R8 order
running as (
    select
        demand.*,
        sum(residual_units) over (
            partition by owner_uin, billing_item, seg_start order by first_ts, request_id
            rows between unbounded preceding and current row
        ) - residual_units as seg_before
    from demand
),

edges as (
    select owner_uin, billing_item, seg_start, alloc_from as edge from allocations
    union
    select owner_uin, billing_item, seg_start, alloc_to as edge from allocations
),

-- whole days with an allocation edge strictly inside their unit range
cut_days as (
    select distinct
        running.owner_uin, running.site, running.billing_item, running.seg_start,
        running.billing_month, running.draw_day, running.seg_before
    from running
    join edges
        on edges.owner_uin = running.owner_uin
        and edges.billing_item = running.billing_item
        and edges.seg_start = running.seg_start
        and running.seg_before < edges.edge
        and edges.edge < running.seg_before + running.residual_units
    where running.request_id is null
),

cut_calls as (
    select
        cut.owner_uin, cut.billing_item, cut.seg_start, cut.billing_month, cut.draw_day,
        units.request_id, units.ts_utc as first_ts, units.ts_utc as last_ts,
        units.units as residual_units,
        cut.seg_before + sum(units.units) over (
            partition by cut.owner_uin, cut.billing_item, cut.seg_start, cut.billing_month, cut.draw_day
            order by units.ts_utc, units.request_id
            rows between unbounded preceding and current row
        ) - units.units as seg_before
    from cut_days as cut
    join int_call_units as units using (owner_uin, site, billing_item, billing_month, draw_day)
),

pieces as (
    select
        running.owner_uin, running.billing_item, running.seg_start, running.billing_month,
        running.draw_day, running.request_id, running.first_ts, running.last_ts,
        running.residual_units, running.seg_before
    from running
    -- a cut day was a whole day: none of its calls is a part of its own
    anti join cut_days using (owner_uin, site, billing_item, seg_start, billing_month, draw_day)
    union all
    select * from cut_calls
),

drawn as (
    select
        allocations.pack_id, pieces.*,
        least(pieces.seg_before + pieces.residual_units, allocations.alloc_to)
            - greatest(pieces.seg_before, allocations.alloc_from) as units
    from pieces
    join allocations
        on allocations.owner_uin = pieces.owner_uin
        and allocations.billing_item = pieces.billing_item
        and allocations.seg_start = pieces.seg_start
        and allocations.alloc_from < pieces.seg_before + pieces.residual_units
        and pieces.seg_before < allocations.alloc_to
),

-- R8: what the packs did not take goes postpaid
left_over as (
    select
        cast(null as varchar) as pack_id, pieces.*,
        pieces.residual_units - coalesce(taken.units, 0) as units
    from pieces
    left join (
        select owner_uin, billing_item, seg_start, seg_before, sum(units) as units
        from drawn
        group by all
    ) as taken using (owner_uin, billing_item, seg_start, seg_before)
    where pieces.residual_units > coalesce(taken.units, 0)
),

final as (
    select
        pack_id, owner_uin, billing_item, seg_start, billing_month, draw_day, request_id,
        first_ts, last_ts, units
    from drawn
    union all
    select
        pack_id, owner_uin, billing_item, seg_start, billing_month, draw_day, request_id,
        first_ts, last_ts, units
    from left_over
)

select * from final
