-- suspensions: the violation suspensions in force (R20, R24), one per (owner_uin, from_ts).
-- Grain: one row per account and suspension start. Events cannot be edited, only sent again: a
-- later `suspension` event with the same start and an end closes an open-ended one, and of two
-- ends the later one holds (an open-ended event never reopens a closed suspension).
with

events_suspension as (
    select owner_uin, from_ts, to_ts from events where event_type = 'suspension'
),

final as (
    select
        owner_uin,
        from_ts,
        max(to_ts) as to_ts  -- NULL (open-ended) only when no event of this start gives an end
    from events_suspension
    group by owner_uin, from_ts
)

select * from final
