-- int_free_draws: what each call draws from the free packs (R6, R8: free packs first).
-- Grain: one row per (request_id, billing_item) of int_call_units. Free packs of one
-- (owner, item) never overlap in time (audit_free_packs_overlap), so a call meets at most one;
-- the running unit total inside that pack, in (ts, request_id) order, is cut at its size.
-- Only the calls of the one UTC day in which a pack's running total passes its size need that
-- order: every call of an earlier day is wholly free, every call of a later day draws nothing.
with

units as not materialized (select * from int_call_units),

free_packs as not materialized (
    select pack_id, owner_uin, billing_item, size, effective_at, expires_at from int_free_packs
),

-- the free pack each domestic call falls in (at most one)
in_pack as not materialized (
    select
        units.*,
        free_packs.pack_id as free_pack_id,
        free_packs.size as free_size,
        cast(units.ts_utc as date) as draw_day
    from units
    join free_packs
        on units.site = 'domestic'
        and free_packs.owner_uin = units.owner_uin
        and free_packs.billing_item = units.billing_item
        and free_packs.effective_at <= units.ts_utc
        and units.ts_utc < free_packs.expires_at
),

-- per pack and day: the units drawn before the day and through it
pack_days as (
    select
        free_pack_id,
        draw_day,
        free_size,
        sum(day_units) over (
            partition by free_pack_id order by draw_day rows between unbounded preceding and current row
        ) as units_through_day,
        units_through_day - day_units as units_before_day
    from (
        select free_pack_id, draw_day, any_value(free_size) as free_size, sum(units) as day_units
        from in_pack
        group by all
    )
),

-- the day whose calls take the pack past its size (none: the pack covers every call)
pack_cuts as (
    select free_pack_id, draw_day as cut_day, units_before_day
    from pack_days
    where units_before_day <= free_size and units_through_day > free_size
),

-- calls of the cut day: the running total inside the pack, in (ts, request_id) order
cut_calls as (
    select
        in_pack.*,
        pack_cuts.units_before_day + sum(in_pack.units) over (
            partition by in_pack.free_pack_id
            order by in_pack.ts_utc, in_pack.request_id
            rows between unbounded preceding and current row
        ) as cum_units
    from in_pack
    join pack_cuts
        on pack_cuts.free_pack_id = in_pack.free_pack_id and pack_cuts.cut_day = in_pack.draw_day
),

drawn as (
    select
        units.request_id, units.ts_utc, units.billing_month, units.owner_uin, units.site,
        units.billing_item, units.units,
        free_packs.pack_id as free_pack_id,
        case
            when free_packs.pack_id is null then 0
            when pack_cuts.cut_day is null or cast(units.ts_utc as date) < pack_cuts.cut_day then units.units
            when cast(units.ts_utc as date) > pack_cuts.cut_day then 0
        end as free_units
    from units
    left join free_packs
        on units.site = 'domestic'
        and free_packs.owner_uin = units.owner_uin
        and free_packs.billing_item = units.billing_item
        and free_packs.effective_at <= units.ts_utc
        and units.ts_utc < free_packs.expires_at
    left join pack_cuts on pack_cuts.free_pack_id = free_packs.pack_id
),

final as (
    select
        request_id, ts_utc, billing_month, owner_uin, site, billing_item, units,
        free_pack_id, free_units,
        units - free_units as residual_units
    from drawn
    where free_units is not null
    union all
    select
        request_id, ts_utc, billing_month, owner_uin, site, billing_item, units,
        free_pack_id,
        greatest(0, least(cum_units, free_size) - (cum_units - units)) as free_units,
        units - greatest(0, least(cum_units, free_size) - (cum_units - units)) as residual_units
    from cut_calls
)

select * from final
