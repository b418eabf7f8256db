-- audit_free_packs_overlap: free packs of one (owner, item) whose validity overlaps; the free
-- draw (int_free_draws) relies on there being at most one at any instant. Empty = pass.
select a.pack_id, b.pack_id as other_pack_id
from int_free_packs as a
join int_free_packs as b
    on a.owner_uin = b.owner_uin
    and a.billing_item = b.billing_item
    and a.pack_id < b.pack_id
    and a.effective_at < b.expires_at
    and b.effective_at < a.expires_at
