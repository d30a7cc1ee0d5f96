-- First start: the demo load runs once per database, under an advisory lock (several app
-- processes may start together against one new database).

-- name: startup_lock
select pg_advisory_lock(:k)

-- name: startup_unlock
select pg_advisory_unlock(:k)

-- name: app_initialized
-- Set when the database was first set up (demo loaded, or found holding data already).
select 1 from app_setting where key = 'initialized_at'

-- name: has_leads
select exists (select 1 from lead)

-- name: lead_count
select count(*) from lead

-- name: mark_initialized
insert into app_setting (key, value) values ('initialized_at', cast(:v as jsonb))
on conflict (key) do nothing
