-- audit_bill_summary_reconcile: accounts whose bill_summary amounts are not the sums of their
-- bill_lines, by charge type and in total, or whose lines have no summary row (spec §3).
-- Empty = pass.
with

lines as (
    select
        owner_uin,
        sum(amount) filter (where charge_type = 'usage') as usage_amount,
        sum(amount) filter (where charge_type = 'pack_purchase') as pack_purchase_amount,
        sum(amount) filter (where charge_type = 'pack_refund') as pack_refund_amount,
        sum(amount) filter (where charge_type = 'qps_pack') as qps_pack_amount,
        sum(amount) as total_amount
    from bill_lines
    group by owner_uin
),

summary as (select * from bill_summary),

final as (
    select
        lines.owner_uin,
        lines.total_amount as lines_total,
        summary.total_amount as summary_total
    from lines
    left join summary using (owner_uin)
    where summary.owner_uin is null
       or summary.total_amount <> lines.total_amount
       or summary.usage_amount <> coalesce(lines.usage_amount, 0)
       or summary.pack_purchase_amount <> coalesce(lines.pack_purchase_amount, 0)
       or summary.pack_refund_amount <> coalesce(lines.pack_refund_amount, 0)
       or summary.qps_pack_amount <> coalesce(lines.qps_pack_amount, 0)
)

select * from final
