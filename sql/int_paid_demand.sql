-- int_paid_demand: the units left after the free packs, for (owner, item) pairs that own paid
-- packs, placed on the pack timeline (R7, R8). The timeline of a pair is cut at every instant a
-- pack starts or stops serving, or may stop on a refund request (R20); inside one segment the
-- set of usable packs does not change, so
-- a running unit total per segment says which pack each unit lands in. That running total is
-- taken in int_paid_draws, per UTC day (draw_day), and in (ts, request_id) order only on the
-- days where the allocator put a pack edge.
-- Grain: one row per (request_id, billing_item) with residual units > 0 in such a pair.
with

residual as (
    select * from int_free_draws where site = 'domestic' and residual_units > 0
),

packs as (select * from int_paid_packs),

boundaries as (
    select distinct owner_uin, billing_item, effective_at as seg_start from packs
    union
    select distinct owner_uin, billing_item, serves_until as seg_start from packs
    union
    select distinct owner_uin, billing_item, requested_at as seg_start from int_refund_requests
),

-- each segment runs from its start to the next boundary of the pair
segments as (
    select
        owner_uin, billing_item, seg_start,
        lead(seg_start) over (partition by owner_uin, billing_item order by seg_start) as seg_end
    from boundaries
),

placed as (
    select residual.*, segments.seg_start
    from residual
    join segments
        on residual.owner_uin = segments.owner_uin
        and residual.billing_item = segments.billing_item
        and segments.seg_start <= residual.ts_utc
        and residual.ts_utc < coalesce(segments.seg_end, timestamp 'infinity')
),

final as (
    select
        request_id, ts_utc, billing_month, owner_uin, site, billing_item, residual_units,
        seg_start,
        cast(ts_utc as date) as draw_day
    from placed
)

select * from final
