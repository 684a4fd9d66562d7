-- one row per account × module it has (paid or not) as of the build: a module taken up after as-of's date was not there yet
-- materialized: view
select
    account_id,
    module,
    paid as is_paid,
    since as paid_since,
from account_modules
where since is null or since <= cast(timezone(getvariable('default_timezone'), getvariable('as_of')) as date)
