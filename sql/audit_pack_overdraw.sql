-- audit_pack_overdraw: packs that gave more units than their size, or served outside their
-- validity (R7). Empty = pass.
with

draws as (
    select pack_id, sum(units) as used, min(first_ts) as first_ts, max(last_ts) as last_ts
    from int_pack_usage
    group by all
),

final as (
    select packs.pack_id, packs.size, draws.used, draws.first_ts, draws.last_ts
    from draws
    join int_packs as packs using (pack_id)
    where draws.used > packs.size
       or draws.first_ts < packs.effective_at
       or draws.last_ts >= packs.serves_until
)

select * from final
