-- int_postpaid_off_parts: the month's postpaid units that came while postpaid mode was known to
-- be off (R25): billed, but their usage line is flagged `postpaid_not_enabled`.
-- Grain: one row per postpaid piece (a part of int_free_draws that no paid pack could serve, or
-- a row of int_paid_draws that no pack took) with units > 0, for the accounts that have a
-- `postpaid` or an `account` event (without either, nothing is flagged). Switch instants are
-- edges of int_time_edges, so one mode holds for every call of a piece.
with

params as (select * from stg_run_params),

-- R25 speaks only of accounts with a postpaid switch or an account event
mode_owners as (
    select distinct owner_uin from events where event_type in ('postpaid', 'account')
),

residual as (
    select draws.*
    from int_free_draws as draws
    semi join mode_owners using (owner_uin)
    cross join params
    where draws.site = 'domestic' and draws.residual_units > 0
      and draws.billing_month = params.billing_month
),

pieces as (
    -- parts outside every paid pack's segments: all their residual units are postpaid
    select owner_uin, billing_item, billing_month, first_ts, residual_units as postpaid_units
    from residual
    anti join int_paid_demand as demand
        on demand.owner_uin = residual.owner_uin
        and demand.billing_item = residual.billing_item
        and demand.billing_month = residual.billing_month
        and demand.draw_day = residual.draw_day
        and coalesce(demand.request_id, '') = coalesce(residual.request_id, '')
    union all
    select draws.owner_uin, draws.billing_item, draws.billing_month, draws.first_ts, draws.units
    from int_paid_draws as draws
    semi join mode_owners using (owner_uin)
    cross join params
    where draws.pack_id is null and draws.billing_month = params.billing_month
),

-- each postpaid switch decides from its instant (exclusive) through the next one (inclusive)
postpaid_switches as (
    select
        owner_uin, "at", enabled,
        lead("at") over (partition by owner_uin order by "at", enabled) as next_at
    from events
    where event_type = 'postpaid'
),

-- R25: accounts opened on or after 2021-12-14 (UTC+8) do not switch to postpaid by themselves
opened as (
    select owner_uin, min(opened_at) >= timestamp '2021-12-13 16:00:00' as opened_after_cutoff
    from events
    where event_type = 'account'
    group by all
),

final as (
    select pieces.*
    from pieces
    -- the latest switch strictly before the piece's calls decides
    left join postpaid_switches as switches
        on switches.owner_uin = pieces.owner_uin
        and switches."at" < pieces.first_ts
        and pieces.first_ts <= coalesce(switches.next_at, timestamp 'infinity')
    left join opened on opened.owner_uin = pieces.owner_uin
    where coalesce(not switches.enabled, opened.opened_after_cutoff, false)
)

select * from final
