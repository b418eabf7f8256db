-- cur_price_ladders: postpaid unit prices by tier, domestic (R9) and international (R11),
-- as in force on the month's first day. unit_price NULL = 联系商务 (R10).
-- Grain: one row per (site, billing_item, tier_from).
with

params as (select * from stg_run_params),

domestic as (
    select 'domestic' as site, billing_item, tier_from, unit_price, valid_from
    from ref_postpaid_ladder
),

international as (
    select 'international' as site, billing_item, tier_from, unit_price, valid_from
    from ref_intl_prices
),

in_force as (
    select ladders.*
    from (select * from domestic union all select * from international) as ladders, params
    where ladders.valid_from <= params.month_first_day
    qualify row_number() over (
        partition by site, billing_item, tier_from order by valid_from desc
    ) = 1
),

final as (
    select site, billing_item, tier_from, unit_price
    from in_force
)

select * from final
