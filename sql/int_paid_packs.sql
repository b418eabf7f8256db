-- int_paid_packs: prepaid resource packs bought with pack_purchase events (R7, R12).
-- Grain: one row per pack_id. A pack serves its item, domestic calls only, while
-- effective_at <= t < serves_until (its expiry; R20 moves it earlier to an approved refund).
-- Its charge is the price paid, else the list price for its size on the purchase day (R12).
with

purchases as (
    select *, cast(purchased_at + interval 8 hour as date) as purchase_date
    from events
    where event_type = 'pack_purchase'
),

priced as (
    select purchases.*, prices.list_price
    from purchases
    asof left join ref_pack_prices as prices
        on purchases.billing_item = prices.billing_item
        and purchases.size = prices.size
        and purchases.purchase_date >= prices.valid_from
),

final as (
    select
        pack_id,
        owner_uin,
        billing_item,
        'paid' as kind,
        size,
        purchased_at,
        effective_at,
        expires_at,
        expires_at as serves_until,
        price,
        list_price,
        coalesce(voucher, 0) as voucher,
        coalesce(price, list_price) as charged_price
    from priced
)

select * from final
