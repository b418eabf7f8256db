-- audit_call_rating_split: calls whose units do not split exactly into free + prepaid + postpaid
-- (R8), or with a negative part. Empty = pass.
select *
from int_call_rating
where free_units + prepaid_units + postpaid_units <> units
   or free_units < 0 or prepaid_units < 0 or postpaid_units < 0
