-- alerts: the month's pack balance alerts (R22, spec §3 `alerts`).
-- Grain: one row per (pack_id, kind), kind 'low' | 'exhausted', whose triggering call is in the
-- rated month; each kind at most once per pack, over all months. Free packs count as packs (R22).
-- `low`: the first unit drawn from the pack while it is the item's only usable pack and that
-- leaves its remainder below 20% of the size (5 × remaining < size, exact integers): the call
-- that crosses the line or, if another pack was usable then, the first of the pack's calls
-- after another pack stopped being usable at which it is alone (the seed's "仅剩一个可用资源包，
-- 且余量小于20%" is a state).
-- `exhausted`: the unit that takes the remainder to 0, if the pack is the only usable one then
-- (one call may do both). Only usable pack: no other pack of the (owner, item) is effective,
-- still serving (not expired, not refunded: int_packs.serves_until) and has units left at that
-- moment. Inside one call units meet the packs in R8 order (free first, then paid by
-- effective_at, pack_id), so a pack that the same call emptied before this one no longer
-- counts, and one the call reaches only after this one still does.
with

params as (select * from stg_run_params),

packs as (select * from int_packs),

draws as (select * from int_pack_draws),

-- R8: the order in which one call's units meet the packs of an (owner, item)
ranked_packs as (
    select
        pack_id, owner_uin, billing_item, size, effective_at, serves_until,
        row(case when kind = 'paid' then 1 else 0 end, effective_at, pack_id) as draw_order
    from packs
),

-- packs whose remainder ends below 20% of the size: only their draws can cross a threshold
alerting_packs as (
    select ranked_packs.pack_id, ranked_packs.size
    from ranked_packs
    join (select pack_id, sum(units) as used_total from int_pack_usage group by all) as used using (pack_id)
    where 5 * (ranked_packs.size - used.used_total) < ranked_packs.size
),

-- per alerting pack and UTC day: the units drawn before the day and through it
pack_days as (
    select
        pack_id,
        draw_day,
        size,
        sum(day_units) over (
            partition by pack_id order by draw_day rows between unbounded preceding and current row
        ) as units_through_day,
        units_through_day - day_units as units_before_day
    from (
        select
            usage.pack_id, usage.draw_day,
            any_value(alerting_packs.size) as size, sum(usage.units) as day_units
        from int_pack_usage as usage
        join alerting_packs using (pack_id)
        group by all
    )
),

-- the days whose calls cross a threshold: the remainder goes from >= 20% of the size to below
-- it, or to 0. Only their calls need the (ts, request_id) order.
crossing_days as (
    select pack_id, draw_day, units_before_day
    from pack_days
    where (5 * (size - units_through_day) < size and 5 * (size - units_before_day) >= size)
       or size - units_through_day = 0
),

crossing_parts as (
    select draws.* from draws semi join crossing_days using (pack_id, draw_day)
),

-- the calls of those days that drew from the pack, one row per call: the parts that are calls,
-- and the calls of the whole days (each drew all its units from this pack)
day_calls as (
    select
        pack_id, request_id, first_ts as ts_utc, billing_month, owner_uin, billing_item, units,
        draw_day
    from crossing_parts
    where request_id is not null
    union all
    select
        parts.pack_id, units.request_id, units.ts_utc, units.billing_month, units.owner_uin,
        units.billing_item, units.units, units.draw_day
    from crossing_parts as parts
    join int_call_units as units using (owner_uin, site, billing_item, billing_month, draw_day)
    where parts.request_id is null
),

-- the pack's remainder after each of those calls, in (ts, request_id) order
running as (
    select
        day_calls.pack_id, day_calls.request_id, day_calls.ts_utc, day_calls.billing_month,
        day_calls.owner_uin, day_calls.billing_item, day_calls.units, alerting_packs.size,
        alerting_packs.size - crossing_days.units_before_day - sum(day_calls.units) over (
            partition by day_calls.pack_id, day_calls.draw_day
            order by day_calls.ts_utc, day_calls.request_id
            rows between unbounded preceding and current row
        ) as remaining_after
    from day_calls
    join alerting_packs using (pack_id)
    join crossing_days using (pack_id, draw_day)
),

-- R22 thresholds: at most one call per (pack, kind); every month, so emptied packs are known
crossings as (
    select *, 'low' as kind
    from running
    where 5 * remaining_after < size and 5 * (remaining_after + units) >= size
    union all
    select *, 'exhausted' as kind
    from running
    where remaining_after = 0
),

-- the call that took each pack to 0
emptied as (
    select pack_id, ts_utc as emptied_at, request_id as emptied_by
    from crossings
    where kind = 'exhausted'
),

-- R22 `low` is a state: the pack's remainder is below 20% and it is the item's only usable pack.
-- It may first hold at the crossing call, or later, at the pack's first draw after another pack
-- of the item stopped being usable: it expired or was refunded (from serves_until on), or it was
-- emptied (from the emptying call on; inside that call the R8 order is checked in `shared`).
low_crossings as (
    select * from crossings where kind = 'low'
),

other_stops as (
    select low.pack_id, other.serves_until as stop_at, '' as stop_by
    from low_crossings as low
    join ranked_packs as other
        on other.owner_uin = low.owner_uin
        and other.billing_item = low.billing_item
        and other.pack_id <> low.pack_id
        and other.serves_until > low.ts_utc
    union
    select low.pack_id, emptied.emptied_at as stop_at, emptied.emptied_by as stop_by
    from low_crossings as low
    join ranked_packs as other
        on other.owner_uin = low.owner_uin
        and other.billing_item = low.billing_item
        and other.pack_id <> low.pack_id
    join emptied on emptied.pack_id = other.pack_id
    where row(emptied.emptied_at, emptied.emptied_by) > row(low.ts_utc, low.request_id)
),

-- the pack's first part at or after each such stop (a whole day of the pack never has calls on
-- both sides of one: serves_until is a part edge, and the calls of a day around an emptying
-- call did not all draw on this pack), then that part's first call
stop_parts as (
    select
        stops.pack_id, stops.stop_at, stops.stop_by, draws.owner_uin, draws.site,
        draws.billing_item, draws.billing_month, draws.draw_day, draws.request_id, draws.first_ts
    from other_stops as stops
    join draws
        on draws.pack_id = stops.pack_id
        and row(draws.first_ts, coalesce(draws.request_id, '')) >= row(stops.stop_at, stops.stop_by)
    qualify row_number() over (
        partition by stops.pack_id, stops.stop_at, stops.stop_by
        order by draws.first_ts, draws.request_id
    ) = 1
),

after_stops as (
    select pack_id, request_id, first_ts as ts_utc, billing_month, owner_uin, billing_item
    from stop_parts
    where request_id is not null
    union all
    select
        parts.pack_id, units.request_id, units.ts_utc, units.billing_month, units.owner_uin,
        units.billing_item
    from stop_parts as parts
    join int_call_units as units using (owner_uin, site, billing_item, billing_month, draw_day)
    where parts.request_id is null
    qualify row_number() over (
        partition by parts.pack_id, parts.stop_at, parts.stop_by order by units.ts_utc, units.request_id
    ) = 1
),

-- the calls at which an alert may be due: every month's, so an alert is raised only once
candidates as (
    select pack_id, request_id, ts_utc, billing_month, owner_uin, billing_item, kind from crossings
    union
    select pack_id, request_id, ts_utc, billing_month, owner_uin, billing_item, 'low' as kind
    from after_stops
),

-- R22 "only usable pack": candidate calls at which another pack of the item was usable with
-- units left when the pack's unit was drawn
shared as (
    select distinct calls.pack_id, calls.request_id
    from candidates as calls
    join ranked_packs as this_pack on this_pack.pack_id = calls.pack_id
    join ranked_packs as other
        on other.owner_uin = calls.owner_uin
        and other.billing_item = calls.billing_item
        and other.pack_id <> calls.pack_id
        and other.effective_at <= calls.ts_utc
        and calls.ts_utc < other.serves_until
        and other.size > 0
    left join emptied on emptied.pack_id = other.pack_id
    where emptied.pack_id is null
       -- emptied by a later call
       or row(emptied.emptied_at, emptied.emptied_by) > row(calls.ts_utc, calls.request_id)
       -- emptied by this same call, but only after this pack's units (R8 order inside a call)
       or (emptied.emptied_by = calls.request_id and emptied.emptied_at = calls.ts_utc
           and other.draw_order > this_pack.draw_order)
),

-- each kind once per pack: the first candidate at which the pack was alone
raised as (
    select candidates.*
    from candidates
    anti join shared using (pack_id, request_id)
    qualify row_number() over (
        partition by candidates.pack_id, candidates.kind
        order by candidates.ts_utc, candidates.request_id
    ) = 1
),

final as (
    select
        params.billing_month,
        raised.owner_uin,
        raised.billing_item,
        raised.pack_id,
        raised.kind,
        raised.ts_utc as triggered_at,
        raised.request_id
    from raised
    cross join params
    where raised.billing_month = params.billing_month
)

select * from final
order by owner_uin, billing_item, pack_id, kind
