-- absent_if_blank and not_an_id (macros, not tables): how stg_calls reads a call-log value.
-- DuckDB's JSON reader gives every field as text: a JSON string as its characters, any other JSON
-- value as its JSON text (`{"a":1}`, `[1]`, `true`, `100.5` for 100.5 or 1.005e2, `NaN`).

-- an empty or blank value is absent, as JSON null is (the CSV adapter trims its cells already);
-- blank is any whitespace, Unicode's too (NBSP, U+3000), as Python's str.strip() has it for the
-- events. Only a value that starts with a space, a control character or a non-ASCII character
-- can be blank: the regex runs on those alone
create or replace temp macro absent_if_blank(x) as
    case when (x < '!' or x >= chr(160)) and regexp_full_match(x, '[\s\v\x{1c}-\x{1f}\x{85}\p{Z}]*')
        then null else x end;

-- an id or an error code is a JSON string, or an integer taken as its digits; an object, list,
-- boolean, fraction, float in exponent form or NaN is not one, in any case (a float column
-- writes an account 100001 as `100001.0`, 1e16 as `1e+16`; pandas writes `True`, `nan`). The
-- exponent needs its sign, as DuckDB and Python write it: `1e5` may be a hex id. Only a value
-- that does not start with a digit, or holds a point or a plus, can be one: the regex runs on
-- those alone (in a projection, `a and regexp(...)` would run it on every row)
create or replace temp macro not_an_id(x) as
    case when x < '0' or x >= ':' or contains(x, '.') or contains(x, '+')
        then regexp_full_match(x,
            '(?i)[{\[].*|true|false|[+-]?(nan|inf|infinity)|-?[0-9]+\.[0-9]+(e[+-][0-9]+)?|-?[0-9]+e[+-][0-9]+')
        else false
    end;
