-- bill_summary: the month's bill per account: amounts by charge type and the total (spec §3).
-- Grain: one row per owner_uin with at least one bill line.
with

lines as (select * from bill_lines),

final as (
    select
        billing_month,
        owner_uin,
        sum(amount) filter (where charge_type = 'usage') as usage_amount,
        sum(amount) filter (where charge_type = 'pack_purchase') as pack_purchase_amount,
        sum(amount) filter (where charge_type = 'pack_refund') as pack_refund_amount,
        sum(amount) filter (where charge_type = 'qps_pack') as qps_pack_amount,
        sum(amount) filter (where charge_type = 'adjustment') as adjustment_amount,
        sum(amount) as total_amount,
        string_agg(distinct flags, ';' order by flags) filter (where flags <> '') as flags
    from lines
    group by all
)

select
    billing_month,
    owner_uin,
    cast(coalesce(usage_amount, 0) as decimal(18, 2)) as usage_amount,
    cast(coalesce(pack_purchase_amount, 0) as decimal(18, 2)) as pack_purchase_amount,
    cast(coalesce(pack_refund_amount, 0) as decimal(18, 2)) as pack_refund_amount,
    cast(coalesce(qps_pack_amount, 0) as decimal(18, 2)) as qps_pack_amount,
    cast(coalesce(adjustment_amount, 0) as decimal(18, 2)) as adjustment_amount,
    cast(total_amount as decimal(18, 2)) as total_amount,
    coalesce(flags, '') as flags
from final
order by owner_uin
