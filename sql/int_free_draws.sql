-- int_free_draws: what each part of int_unit_parts draws from the free packs (R6, R8: free packs
-- first). Grain: one row per part, except that a whole day inside which a pack's running total
-- passes its size is replaced by its calls (request_id set): only there does the order of the
-- calls, (ts, request_id), decide who is free. Free packs of one (owner, item) never overlap in
-- time (audit_free_packs_overlap) and a part lies on one side of every pack edge, so a part
-- meets at most one free pack. free_units + residual_units = units on every row.
with

parts as (select * from int_unit_parts),

free_packs as (
    select pack_id, owner_uin, billing_item, size, effective_at, expires_at from int_free_packs
),

-- the free pack each domestic part falls in
in_pack as (
    select
        parts.*,
        free_packs.pack_id as free_pack_id,
        free_packs.size as free_size
    from parts
    left join free_packs
        on parts.site = 'domestic'
        and free_packs.owner_uin = parts.owner_uin
        and free_packs.billing_item = parts.billing_item
        and free_packs.effective_at <= parts.first_ts
        and parts.first_ts < free_packs.expires_at
),

-- the units drawn from the pack before each part, in R8 order
running as (
    select
        in_pack.*,
        sum(units) over (
            partition by free_pack_id order by first_ts, request_id
            rows between unbounded preceding and current row
        ) - units as units_before
    from in_pack
    where free_pack_id is not null
),

-- whole days whose units the pack's size cuts: their calls, drawn one by one
cut_days as (
    select * from running
    where request_id is null and units_before < free_size and units_before + units > free_size
),

cut_calls as (
    select
        cut.owner_uin, cut.site, cut.billing_item, cut.billing_month, cut.draw_day,
        units.request_id, units.ts_utc as first_ts, units.ts_utc as last_ts, 1 as calls, units.units,
        cut.free_pack_id, cut.free_size,
        cut.units_before + sum(units.units) over (
            partition by cut.free_pack_id, cut.billing_month, cut.draw_day
            order by units.ts_utc, units.request_id
            rows between unbounded preceding and current row
        ) - units.units as units_before
    from cut_days as cut
    join int_call_units as units using (owner_uin, site, billing_item, billing_month, draw_day)
),

drawn as (
    select * from running
    where not (request_id is null and units_before < free_size and units_before + units > free_size)
    union all
    select * from cut_calls
),

final as (
    select
        owner_uin, site, billing_item, billing_month, draw_day, request_id, first_ts, last_ts,
        calls, units, free_pack_id,
        least(greatest(free_size - units_before, 0), units) as free_units,
        units - least(greatest(free_size - units_before, 0), units) as residual_units
    from drawn
    union all
    select
        owner_uin, site, billing_item, billing_month, draw_day, request_id, first_ts, last_ts,
        calls, units, free_pack_id,
        0 as free_units,
        units as residual_units
    from in_pack
    where free_pack_id is null
)

select * from final
