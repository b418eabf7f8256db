-- int_paid_demand: the units left after the free packs, for (owner, item) pairs that own paid
-- packs, placed on the pack timeline (R7, R8). The timeline of a pair is cut at every instant a
-- pack starts or stops serving, or may stop on a refund request (R20); inside one segment the
-- set of usable packs does not change, so a running unit total per segment says which pack each
-- unit lands in (int_paid_draws). Those instants are edges of int_time_edges, so every part
-- lies in one segment (or before the first: postpaid).
-- Grain: one row per part of int_free_draws with residual units > 0 in such a pair's segment.
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

final as (
    select residual.*, segments.seg_start
    from residual
    join segments
        on residual.owner_uin = segments.owner_uin
        and residual.billing_item = segments.billing_item
        and segments.seg_start <= residual.first_ts
        and residual.first_ts < coalesce(segments.seg_end, timestamp 'infinity')
)

select * from final
