-- one row: the usage windows as of the build, as local dates of the default calendar's timezone and as instants.
-- W is the window_days dates before as-of's date; the trend compares it with the W dates before it,
-- health's usage trend with the 60 dates before it (DESIGN, "Adoption and health").
-- materialized: temp
with

analysis_settings as (select * from analysis_settings),

as_of_date as (
    select cast(timezone(getvariable('default_timezone'), getvariable('as_of')) as date) as as_of_date
),

window_dates as (
    select
        as_of_date.as_of_date,
        cast(analysis_settings.window_days as integer) as window_days,
        as_of_date.as_of_date - cast(analysis_settings.window_days as integer) as window_start_date,
        as_of_date.as_of_date - 1 as window_end_date,
        as_of_date.as_of_date - 2 * cast(analysis_settings.window_days as integer) as previous_window_start_date,
        as_of_date.as_of_date - cast(analysis_settings.window_days as integer) - 60 as previous_60_start_date,
    from as_of_date
    cross join analysis_settings
),

window_instants as (
    select
        *,
        -- local midnights as instants: a usage event is in a window when it falls between them
        timezone(getvariable('default_timezone'), cast(window_start_date as timestamp)) as window_start_at,
        timezone(getvariable('default_timezone'), cast(as_of_date as timestamp)) as window_end_at,
        timezone(getvariable('default_timezone'), cast(previous_window_start_date as timestamp))
            as previous_window_start_at,
        timezone(getvariable('default_timezone'), cast(previous_60_start_date as timestamp))
            as previous_60_start_at,
    from window_dates
)

select * from window_instants
