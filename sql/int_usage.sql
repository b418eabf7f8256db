-- int_usage: the month's usage per account, site and billing item, priced on the ladder.
-- Grain: one row per (owner_uin, site, billing_item) with billable units in the month.
-- R9: the tier is reached by ALL the month's billable units of the item (free + prepaid +
-- postpaid) and every postpaid unit is priced at that one tier ("阶梯到达"); the amount is
-- rounded half-up to 0.01 once per line. R10: 联系商务 tiers take the account's contract price.
-- R11: international usage is all postpaid, priced from the international book or `unpriced`.
-- R25: postpaid units reached while postpaid was known to be off flag `postpaid_not_enabled`.
with

params as (select * from stg_run_params),

ladders as (select * from cur_price_ladders),

-- R9 tier floors 0 / 1万 / 10万 / 100万, as the ladder states them (the reference check holds
-- every ladder to exactly these; tests shrink them to reach every tier with a few calls)
tier_floors as (select distinct tier_from from ref_postpaid_ladder),

-- the month's units after the free packs (R6, R8), summed per line
drawn as (
    select
        owner_uin, site, billing_item,
        sum(calls) as calls,  -- a call counts once per item (int_call_units)
        sum(units) as billable_units,
        sum(free_units) as free_units,
        sum(residual_units) as residual_units
    from int_free_draws, params
    where int_free_draws.billing_month = params.billing_month
    group by all
),

-- R7: paid packs serve domestic usage only
prepaid as (
    select owner_uin, 'domestic' as site, billing_item, sum(units) as prepaid_units
    from int_paid_draws, params
    where int_paid_draws.billing_month = params.billing_month and int_paid_draws.pack_id is not null
    group by all
),

-- R25
postpaid_off as (
    select distinct owner_uin, 'domestic' as site, billing_item from int_postpaid_off_parts
),

totals as (
    select
        drawn.owner_uin, drawn.site, drawn.billing_item, cast(drawn.calls as bigint) as calls,
        cast(drawn.billable_units as bigint) as billable_units,
        cast(drawn.free_units as bigint) as free_units,
        cast(coalesce(prepaid.prepaid_units, 0) as bigint) as prepaid_units,
        cast(drawn.residual_units - coalesce(prepaid.prepaid_units, 0) as bigint) as postpaid_units,
        postpaid_off.owner_uin is not null as postpaid_not_enabled
    from drawn
    left join prepaid using (owner_uin, site, billing_item)
    left join postpaid_off using (owner_uin, site, billing_item)
),

-- R9: the tier reached by the month's total: [0, 1万), [1万, 10万), [10万, 100万), [100万, ∞)
tiered as (
    select
        reached.*,
        tiers.unit_price as list_unit_price
    from (
        select totals.*, floors.tier_from
        from totals
        asof left join tier_floors as floors on totals.billable_units >= floors.tier_from
    ) as reached
    left join ladders as tiers
        on reached.site = tiers.site
        and reached.billing_item = tiers.billing_item
        and reached.tier_from = tiers.tier_from
),

-- R10: the contract price for the month; the latest from_month wins when several apply
contracts as (
    select owner_uin, billing_item, unit_price as contract_unit_price
    from events, params
    where event_type = 'contract_price'
      and from_month <= params.billing_month
      and coalesce(to_month, params.billing_month) >= params.billing_month
    qualify row_number() over (
        partition by owner_uin, billing_item order by from_month desc, event_key desc
    ) = 1
),

priced as (
    select
        tiered.*,
        case
            when tiered.list_unit_price is not null then tiered.list_unit_price
            when tiered.site = 'domestic' then contracts.contract_unit_price
        end as unit_price,
        case
            when tiered.postpaid_units = 0 or tiered.list_unit_price is not null then null
            when tiered.site = 'international' then 'unpriced'
            when contracts.contract_unit_price is null then 'needs_contract_price'
            else 'contract_price'
        end as price_flag
    from tiered
    left join contracts using (owner_uin, billing_item)
),

final as (
    select
        params.billing_month,
        priced.owner_uin,
        priced.site,
        priced.billing_item,
        'usage' as charge_type,
        cast(null as varchar) as ref_id,
        priced.calls,
        priced.billable_units,
        priced.free_units,
        priced.prepaid_units,
        priced.postpaid_units,
        priced.tier_from,
        priced.unit_price,
        cast(round(priced.postpaid_units * coalesce(priced.unit_price, 0), 2) as decimal(18, 2))
            as amount,
        -- R25: billed, but listed for review
        concat_ws(';', priced.price_flag, case when priced.postpaid_not_enabled then 'postpaid_not_enabled' end)
            as flags
    from priced, params
)

select * from final
