-- Follow-up SLA: policies, business calendars, commitments, the rep's own SLA, leads slipping
-- through. Deadlines and minutes to first touch are computed by the database (migration 0005);
-- these queries read them. Every query here that classifies hand-offs by their SLA outcome (met,
-- late, untouched, pending) includes the _sla_outcome fragment of metrics.sql, the one definition
-- sla_compliance uses, over the hand-off relation named h.

-- ------------------------------------------------------------------ calendars

-- name: sla_calendars
select c.id, c.name, c.timezone, c.version, c.updated_at,
       (select count(*) from sla_policy p where p.calendar_id = c.id) as policy_versions
  from business_calendar c
 order by c.id

-- name: sla_schedule_days
-- Every schedule version's working hours (one row per working weekday). A day that works until
-- midnight ends at 24:00 here, which Python's time cannot hold: it is read as 00:00 in the end
-- position (queries.business_hours.MIDNIGHT).
select s.calendar_id, s.id as schedule_id, s.effective_from, d.isodow, d.start_time,
       case when d.end_time = time '24:00' then time '00:00' else d.end_time end as end_time
  from business_schedule s
  join business_schedule_day d on d.schedule_id = s.id
 order by s.calendar_id, s.effective_from, d.isodow

-- name: sla_schedule_days_at
-- One calendar's schedule version starting on :effective_from, a row per working weekday (one row
-- with a null weekday when it has none); no row when no version starts that day. 24:00 is read
-- as 00:00, as in sla_schedule_days.
select d.isodow, d.start_time,
       case when d.end_time = time '24:00' then time '00:00' else d.end_time end as end_time
  from business_schedule s
  left join business_schedule_day d on d.schedule_id = s.id
 where s.calendar_id = :calendar_id and s.effective_from = :effective_from
 order by d.isodow

-- name: sla_policy_names_from
-- Every other policy's versions that are (or will be) in force at or after :at (retired versions
-- and versions replaced on their own date never are).
select code, name, rank, is_default, effective_at from (
    select code, name, rank, is_default, effective_at, retired,
           lead(effective_at) over (partition by code order by version) as superseded_at
      from sla_policy) v
 where code <> :code and not retired
   and (superseded_at is null or (superseded_at > :at and superseded_at > effective_at))

-- name: sla_lock_policy_names
-- Serializes policy saves (a transaction-level advisory lock), so two saves of one name at the
-- same moment cannot both pass the name check.
select pg_advisory_xact_lock(hashtext('alignboard.sla_policy.names'))

-- name: sla_holidays
select calendar_id, day, name from business_holiday order by calendar_id, day

-- name: sla_calendar_insert
insert into business_calendar (name, timezone) values (:name, :timezone) returning id

-- name: sla_calendar_for_update
select id, name, timezone, version from business_calendar where id = :id for update

-- name: sla_calendar_update
-- Optimistic lock: only applies when the row still has the version the editor saw.
update business_calendar
   set name = :name, timezone = :timezone, version = version + 1, updated_at = now()
 where id = :id and version = :version
returning version

-- name: sla_calendar_touch
-- A schedule or holiday changed: bump the calendar's version (concurrent editors notice).
update business_calendar set version = version + 1, updated_at = now()
 where id = :id and version = :version
returning version

-- name: sla_schedule_upsert
-- A schedule version (replaces the hours of an existing version with the same date).
insert into business_schedule (calendar_id, effective_from) values (:calendar_id, :effective_from)
on conflict (calendar_id, effective_from) do update set created_at = now()
returning id

-- name: sla_schedule_days_clear
delete from business_schedule_day where schedule_id = :schedule_id

-- name: sla_schedule_days_insert
-- A schedule version's working days in one statement (one rebuild of the calendar's days).
insert into business_schedule_day (schedule_id, isodow, start_time, end_time)
select :schedule_id, d.isodow, d.start_time, d.end_time
  from unnest(cast(:isodows as smallint[]), cast(:start_times as time[]), cast(:end_times as time[]))
       as d(isodow, start_time, end_time)

-- name: sla_defer_business_days
-- queries.sla.rebuilding_days_once: the calendar triggers skip their rebuild for the rest of this
-- transaction (migration 0020) until sla_rebuild_business_days switches them back on.
select set_config('alignboard.defer_business_days', 'on', true)

-- name: sla_rebuild_business_days
-- The triggers back on, then the one rebuild of the calendar's working days the writes needed.
select set_config('alignboard.defer_business_days', 'off', true),
       rebuild_business_days(array[cast(:calendar_id as smallint)])

-- name: sla_schedule_count
select count(*) from business_schedule where calendar_id = :calendar_id

-- name: sla_schedule_delete
delete from business_schedule where calendar_id = :calendar_id and effective_from = :effective_from
returning id

-- name: sla_holidays_upsert
-- Closed days in one statement (one rebuild of the calendar's days); existing dates are renamed.
insert into business_holiday (calendar_id, day, name)
select :calendar_id, h.day, h.name
  from unnest(cast(:days as date[]), cast(:names as text[])) as h(day, name)
on conflict (calendar_id, day) do update set name = excluded.name

-- name: sla_holidays_on
-- A calendar's closed days among :days (to tell an addition from a rename).
select day, name from business_holiday
 where calendar_id = :calendar_id and day = any(cast(:days as date[]))
 order by day

-- name: sla_holiday_delete
delete from business_holiday where calendar_id = :calendar_id and day = :day
returning name

-- ------------------------------------------------------------------ policies

-- name: sla_policy_versions
-- Every policy version, with when it stops applying (its next version), whether it is in force
-- at :as_of, and how many hand-offs are measured against it.
select s.id, s.code, s.version, s.name, s.rank, s.is_default, s.tiers, s.sources, s.segments, s.priorities,
       s.first_touch_minutes, s.first_touch_business, s.decision_minutes, s.decision_business,
       s.calendar_id, c.name as calendar, s.effective_at, s.superseded_at, s.retired, s.note,
       u.display_name as created_by, s.created_at,
       (s.effective_at <= :as_of and (s.superseded_at is null or :as_of < s.superseded_at) and not s.retired)
           as in_force,
       coalesce(n.handoffs, 0) as handoffs
  from sla_policy_span s
  left join business_calendar c on c.id = s.calendar_id
  left join app_user u on u.id = s.created_by_user_id
  left join (select sla_policy_id, count(*) as handoffs from handoff
              where sla_policy_id is not null group by sla_policy_id) n on n.sla_policy_id = s.id
 order by s.is_default, s.rank, s.code, s.effective_at, s.version

-- name: sla_first_touch_windows
-- The distinct first-touch windows of the policy versions in force at some instant from :start_at
-- to :end_at (exclusive): begun before the end, not superseded by the start, not retired, and not
-- replaced before they took effect (such a version never measured anything). Shortest first.
select distinct s.first_touch_minutes, s.first_touch_business
  from sla_policy_span s
 where s.effective_at < :end_at
   and (s.superseded_at is null or s.superseded_at > :start_at)
   and not s.retired
   and (s.superseded_at is null or s.superseded_at > s.effective_at)
 order by s.first_touch_minutes, s.first_touch_business

-- name: sla_policy_latest
-- The latest version of a policy, locked so two editors cannot both build version n + 1 on it.
select id, code, version, effective_at, retired
  from sla_policy
 where code = :code
 order by version desc
 limit 1
   for update

-- name: sla_policy_codes
select distinct code from sla_policy

-- name: sla_policy_row
select * from sla_policy where id = :id

-- name: sla_policy_insert
insert into sla_policy (code, version, name, rank, is_default, tiers, sources, segments, priorities,
                        first_touch_minutes, first_touch_business, decision_minutes, decision_business,
                        calendar_id, effective_at, retired, note, created_by_user_id)
values (:code, :version, :name, :rank, :is_default, cast(:tiers as smallint[]), cast(:sources as text[]),
        cast(:segments as text[]), cast(:priorities as text[]), :first_touch_minutes, :first_touch_business,
        :decision_minutes, :decision_business, :calendar_id, :effective_at, :retired, :note, :actor_user_id)
returning id

-- name: sla_policy_preview
-- Which policy version a lead with these attributes handed off at :at is measured against, and
-- its deadlines, computed by the same functions the hand-off trigger uses.
with picked as (
    select sla_policy_pick(cast(:tier as smallint), cast(:source as text), cast(:segment as text),
                           cast(:priority as text), cast(:at as timestamptz)) as policy_id
)
select p.id as policy_id, p.name, p.version, p.first_touch_minutes, p.first_touch_business,
       p.decision_minutes, p.decision_business,
       coalesce(sla_window_end(p.calendar_id, p.first_touch_business, cast(:at as timestamptz), p.first_touch_minutes),
                cast(:at as timestamptz) + make_interval(mins => app_setting_int('sla_first_touch_minutes', 240)))
           as sla_deadline_at,
       coalesce(sla_window_end(p.calendar_id, p.decision_business, cast(:at as timestamptz), p.decision_minutes),
                cast(:at as timestamptz) + make_interval(hours => app_setting_int('sla_decision_hours', 48)))
           as decision_due_at
  from picked k
  left join sla_policy p on p.id = k.policy_id

-- name: sla_refresh
-- Recompute policy, deadlines and minutes to first touch (null lead ids = all; :reaching = only
-- hand-offs whose measured span reaches that instant).
select refresh_handoff_sla(cast(:lead_ids as bigint[]), cast(:reaching as timestamptz))

-- name: sla_company_defaults
-- The fallback when no policy is in force: company settings, wall-clock.
select app_setting_int('sla_first_touch_minutes', 240) as first_touch_minutes,
       app_setting_int('sla_decision_hours', 48) * 60 as decision_minutes

-- ------------------------------------------------------------------ commitments

-- name: sla_commitments
select c.id, c.start_date, c.end_date, c.mql_volume, c.min_acceptance_rate, c.follow_up_target_rate,
       c.decision_target_rate, c.note, c.version, u.display_name as updated_by, c.updated_at
  from sla_commitment c
  left join app_user u on u.id = c.updated_by_user_id
 order by c.start_date

-- name: sla_commitment_insert
insert into sla_commitment (start_date, end_date, mql_volume, min_acceptance_rate, follow_up_target_rate,
                            decision_target_rate, note, updated_by_user_id)
values (:start_date, :end_date, :mql_volume, :min_acceptance_rate, :follow_up_target_rate,
        :decision_target_rate, :note, :actor_user_id)
returning id

-- name: sla_commitment_for_update
select id, start_date, end_date, mql_volume, min_acceptance_rate, follow_up_target_rate, decision_target_rate,
       note, version
  from sla_commitment where id = :id for update

-- name: sla_commitment_update
update sla_commitment
   set start_date = :start_date, end_date = :end_date, mql_volume = :mql_volume,
       min_acceptance_rate = :min_acceptance_rate, follow_up_target_rate = :follow_up_target_rate,
       decision_target_rate = :decision_target_rate, note = :note, updated_by_user_id = :actor_user_id,
       version = version + 1, updated_at = now()
 where id = :id and version = :version
returning version

-- name: sla_commitment_delete
delete from sla_commitment where id = :id and version = :version returning id

-- ------------------------------------------------------------------ the rep's own SLA

-- name: sla_rep_info
select r.id, r.full_name, r.team_id, t.name as team_name, t.function as team_function, r.active
  from rep r join team t on t.id = r.team_id
 where r.id = :rep_id

-- name: sla_open_handoffs
-- A rep's open hand-offs at :as_of: not decided yet, or accepted and not touched yet. touch_due_at
-- is the first-touch deadline while untouched; decide_due_at the decision due date while
-- undecided; next_due_at the earlier of those that still apply. Most urgent first.
with mine as (
    select h.*,
           coalesce(h.first_touch_at <= :as_of, false) as touched,
           coalesce(h.decided_at <= :as_of, false) as decided
      from handoff h
     where h.owner_id = :rep_id
       and h.handed_off_at <= :as_of
       and (h.decision is null or h.decided_at > :as_of or (h.decision = 'accepted' and h.first_touch_at is null)
            or h.first_touch_at > :as_of)
)
select m.id as handoff_id, m.lead_id,
       l.first_name || ' ' || l.last_name as lead_name, l.email, l.job_title, a.name as account, a.tier,
       ch.label as source, l.priority, l.score, m.handed_off_at,
       case when m.decided then m.decision else 'awaiting' end as status,
       case when not m.touched then m.sla_deadline_at end as touch_due_at,
       case when not m.decided then m.decision_due_at end as decide_due_at,
       least(case when not m.touched then m.sla_deadline_at end,
             case when not m.decided then m.decision_due_at end) as next_due_at,
       coalesce(p.name, 'Company default') as policy
  from mine m
  join lead l on l.id = m.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  left join sla_policy p on p.id = m.sla_policy_id
 where not m.decided or (m.decision = 'accepted' and not m.touched)
 order by next_due_at, m.handed_off_at, m.id

-- name: sla_rep_breaches
-- A rep's SLA breaches among hand-offs in the period: touched late, or untouched past the deadline
-- at :as_of. over_minutes: wall-clock time between the deadline and the touch (or :as_of).
-- window_minutes / business: the first-touch window the hand-off was measured against (without a
-- policy: the company default in force at its hand-off, i.e. its own deadline − hand-off, not
-- today's setting). The rep's breaches are those they held at the deadline (or the late touch):
-- sla_owner_id, migration 0019; now_with names the owner since, if it was reassigned.
select h.id as handoff_id, h.lead_id,
       l.first_name || ' ' || l.last_name as lead_name, l.email, a.name as account, a.tier, ch.label as source,
       h.handed_off_at, h.sla_deadline_at,
       case when h.first_touch_at <= :as_of then h.first_touch_at end as first_touch_at,
       case when h.first_touch_at <= :as_of then h.minutes_to_first_touch end as minutes_to_first_touch,
       {{ _sla_outcome }} as breach,   -- 'late' or 'untouched' (the where clause)
       extract(epoch from (case when h.first_touch_at <= :as_of then h.first_touch_at else cast(:as_of as timestamptz) end
                           - h.sla_deadline_at)) / 60 as over_minutes,
       coalesce(p.first_touch_minutes,
                round(extract(epoch from (h.sla_deadline_at - h.handed_off_at)) / 60)::integer) as window_minutes,
       coalesce(p.first_touch_business, false) as business,
       coalesce(p.name, 'Company default') as policy,
       case when h.decided_at <= :as_of then h.decision else 'awaiting' end as status,
       case when h.owner_id <> h.sla_owner_id then ro.full_name end as now_with
  from handoff h
  join lead l on l.id = h.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  join rep ro on ro.id = h.owner_id
  left join sla_policy p on p.id = h.sla_policy_id
 where h.sla_owner_id = :rep_id   -- the rep who held it at its first touch or deadline (migration 0019)
   and h.handed_off_at >= :start_at and h.handed_off_at < :end_at
   and {{ _sla_outcome }} in ('late', 'untouched')
 order by h.handed_off_at desc, h.id desc

-- name: _sla_totals_columns
-- The columns of one set of SLA totals (queries/sla.py, Totals): the compliance counts of
-- sla_compliance (_sla_compliance_columns in metrics.sql), untouched, and median / p90 minutes to
-- first touch over the touched, as first_touch counts them. Over rows with the columns outcome
-- (_sla_outcome), touched (first touch by :as_of) and minutes_to_first_touch.
{{ _sla_compliance_columns }},
count(*) filter (where not touched) as untouched,
percentile_cont(0.5) within group (order by minutes_to_first_touch) filter (where touched) as median_minutes,
percentile_cont(0.9) within group (order by minutes_to_first_touch) filter (where touched) as p90_minutes

-- name: sla_rep_standing
-- One pass over a team's hand-offs for the rep's standing: compliance (met, breached, pending)
-- and median / p90 minutes to first touch, for the rep (:rep_id) and the whole team (:team_id),
-- in the week [:week_start_at, :week_end_at) and the period [:start_at, :end_at): one row per
-- span (me_week, me_period, team_week, team_period; a span with no hand-off has zero counts and
-- null measures), each with the period's weekly compliance (weeks in :tz) for the rep and the team
-- as arrays (weekly_buckets, weekly_me, weekly_team). Same rules as sla_compliance and first_touch
-- in metrics.sql.
with scoped as materialized (
    select h.sla_owner_id = :rep_id as mine,
           date_trunc('week', h.handed_off_at at time zone :tz)::date as bucket,
           h.handed_off_at >= :week_start_at and h.handed_off_at < :week_end_at as in_week,
           h.handed_off_at >= :start_at and h.handed_off_at < :end_at as in_period,
           h.minutes_to_first_touch,
           coalesce(h.first_touch_at <= :as_of, false) as touched,
           {{ _sla_outcome }} as outcome
      from handoff h
      join rep r on r.id = h.sla_owner_id   -- who held it at its first touch or deadline (migration 0019)
     where r.team_id = :team_id
       and ((h.handed_off_at >= :week_start_at and h.handed_off_at < :week_end_at)
            or (h.handed_off_at >= :start_at and h.handed_off_at < :end_at))
),
weekly as (
    select bucket,
           count(*) filter (where mine and outcome = 'met')::float8
             / nullif(count(*) filter (where mine and outcome <> 'pending'), 0) as me,
           count(*) filter (where outcome = 'met')::float8
             / nullif(count(*) filter (where outcome <> 'pending'), 0) as team
      from scoped
     where in_period
     group by bucket
),
spans as (   -- each hand-off in each span it belongs to (1 me_week, 2 me_period, 3 team_week, 4 team_period)
              select 1 as span, outcome, touched, minutes_to_first_touch from scoped where mine and in_week
    union all select 2, outcome, touched, minutes_to_first_touch from scoped where mine and in_period
    union all select 3, outcome, touched, minutes_to_first_touch from scoped where in_week
    union all select 4, outcome, touched, minutes_to_first_touch from scoped where in_period
),
totals as (
    select span, {{ _sla_totals_columns }}
      from spans
     group by span
)
select v.name as span,
       coalesce(t.handed_off, 0) as handed_off, coalesce(t.met, 0) as met, coalesce(t.breached, 0) as breached,
       coalesce(t.breached_untouched, 0) as breached_untouched, coalesce(t.pending, 0) as pending,
       coalesce(t.untouched, 0) as untouched, t.compliance_rate, t.median_minutes, t.p90_minutes,
       (select array_agg(bucket order by bucket) from weekly) as weekly_buckets,
       (select array_agg(me order by bucket) from weekly) as weekly_me,
       (select array_agg(team order by bucket) from weekly) as weekly_team
  from (values (1, 'me_week'), (2, 'me_period'), (3, 'team_week'), (4, 'team_period')) v(span, name)
  left join totals t on t.span = v.span

-- ------------------------------------------------------------------ team views (filters apply)

-- name: sla_decision_timeliness
-- Decision timeliness: among hand-offs in the period whose decision outcome is known at :as_of
-- (decided, or past the decision due date), the share decided (accepted or rejected) by the due
-- date. overdue = undecided past due; pending = undecided and not due yet (not counted).
select bucket, dim_key, dim_label,
       count(*) as handed_off,
       count(*) filter (where outcome = 'on_time') as on_time,
       count(*) filter (where outcome = 'late') as late,
       count(*) filter (where outcome = 'overdue') as overdue,
       count(*) filter (where outcome = 'pending') as pending,
       count(*) filter (where outcome = 'on_time')::float8
         / nullif(count(*) filter (where outcome <> 'pending'), 0) as on_time_rate
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.handed_off_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
               s.dim_key, s.dim_label,
               case when s.decided_at <= :as_of and s.decided_at <= s.decision_due_at then 'on_time'
                    when s.decided_at <= :as_of then 'late'
                    when :as_of > s.decision_due_at then 'overdue'
                    else 'pending' end as outcome
          from {{ _handoff_scope }} s
         where s.handed_off_at >= :start_at and s.handed_off_at < :end_at) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: sla_scorecard
-- The team scorecard in one scan of the period's hand-offs (filters as in _handoff_scope), then
-- several groupings of it. Same rules as sla_compliance and first_touch (the tests check they
-- agree); each hand-off counts for the rep who held it at its first touch or deadline
-- (sla_owner_id, migration 0019). slice names the grouping:
--   total, team, rep          compliance counts, untouched, median / p90 minutes to first touch
--   source, tier              compliance counts
--   team_week, rep_week       compliance per week (company time zone)
--   band                      time to first touch ÷ the hand-off's own window, as in
--                             sla_touch_vs_window (dim_key = band number)
with scoped as materialized (
    select h.sla_owner_id as owner_id, r.full_name as owner, r.team_id, t.name as team, l.source,
           ch.label as source_label, a.tier,
           date_trunc('week', h.handed_off_at at time zone :tz)::date as week,
           h.minutes_to_first_touch,
           coalesce(h.first_touch_at <= :as_of, false) as touched,
           {{ _sla_outcome }} as outcome,
           h.minutes_to_first_touch::float8
             / nullif(coalesce(p.first_touch_minutes, extract(epoch from (h.sla_deadline_at - h.handed_off_at)) / 60), 0)
               as window_ratio
      from handoff h
      cross join lateral (select h.source, h.campaign_id) l  -- the hand-off's copies (migration 0008)
      join account a on a.id = h.account_id
      join rep r on r.id = h.sla_owner_id
      join team t on t.id = r.team_id
      join channel ch on ch.code = l.source
      left join sla_policy p on p.id = h.sla_policy_id
     where h.handed_off_at >= :start_at and h.handed_off_at < :end_at
       and {{ _segment_filters }}
       and {{ _owner_filters }}
),
speed as (
    select case when grouping(owner_id) = 0 then 'rep' when grouping(team_id) = 0 then 'team' else 'total' end
               as slice,
           case when grouping(owner_id) = 0 then owner_id::text when grouping(team_id) = 0 then team_id::text
                else 'total' end as dim_key,
           case when grouping(owner_id) = 0 then min(owner) when grouping(team_id) = 0 then min(team)
                else 'Total' end as dim_label,
           min(team) as team, null::date as bucket,
           count(*) as handed_off,
           count(*) filter (where outcome = 'met') as met,
           count(*) filter (where outcome = 'late') as breached_late,
           count(*) filter (where outcome = 'untouched') as breached_untouched,
           count(*) filter (where outcome = 'pending') as pending,
           count(*) filter (where not touched) as untouched,
           percentile_cont(0.5) within group (order by minutes_to_first_touch) filter (where touched) as median_minutes,
           percentile_cont(0.9) within group (order by minutes_to_first_touch) filter (where touched) as p90_minutes
      from scoped
     group by grouping sets ((), (team_id), (team_id, owner_id))
),
counts as (
    select case when grouping(band) = 0 then 'band'
                when grouping(week) = 0 and grouping(owner_id) = 0 then 'rep_week'
                when grouping(week) = 0 then 'team_week'
                when grouping(source) = 0 then 'source'
                else 'tier' end as slice,
           case when grouping(band) = 0 then band::text
                when grouping(owner_id) = 0 then owner_id::text
                when grouping(team_id) = 0 then team_id::text
                when grouping(source) = 0 then source
                else tier::text end as dim_key,
           case when grouping(band) = 0 then band::text
                when grouping(owner_id) = 0 then min(owner)
                when grouping(team_id) = 0 then min(team)
                when grouping(source) = 0 then min(source_label)
                else 'Tier ' || tier end as dim_label,
           min(team) as team, week as bucket,
           count(*) as handed_off,
           count(*) filter (where outcome = 'met') as met,
           count(*) filter (where outcome = 'late') as breached_late,
           count(*) filter (where outcome = 'untouched') as breached_untouched,
           count(*) filter (where outcome = 'pending') as pending,
           count(*) filter (where not touched) as untouched,
           null::float8 as median_minutes, null::float8 as p90_minutes
      from (select x.*,
                   case when x.outcome = 'met'
                            then least(width_bucket(x.window_ratio, cast(:bounds as float8[])),
                                       cast(:met_band_max as integer))
                        when x.outcome = 'late'
                            then greatest(width_bucket(x.window_ratio, cast(:bounds as float8[])),
                                          cast(:met_band_max as integer) + 1)
                        when x.outcome = 'untouched' then -1
                        else -2 end as band
              from scoped x) y
     group by grouping sets ((source), (tier), (team_id, week), (team_id, owner_id, week), (band))
)
select slice, dim_key, dim_label, team, bucket, handed_off, met, breached_late, breached_untouched,
       breached_late + breached_untouched as breached, pending, untouched,
       met::float8 / nullif(met + breached_late + breached_untouched, 0) as compliance_rate,
       median_minutes, p90_minutes
  from (select * from speed union all select * from counts) x
 order by slice, dim_label, bucket

-- name: sla_scorecard_totals
-- Totals only (compliance counts, untouched, median / p90) for a comparison period. Skips the lead
-- and account joins when no segment filter is set (the planner folds the empty-array tests).
select {{ _sla_totals_columns }}
  from (select h.minutes_to_first_touch,
               coalesce(h.first_touch_at <= :as_of, false) as touched,
               {{ _sla_outcome }} as outcome
          from handoff h
          join rep r on r.id = h.sla_owner_id   -- as sla_scorecard
         where h.handed_off_at >= :start_at and h.handed_off_at < :end_at
           and {{ _owner_filters }}
           and ({{ _no_segment_filters }}
                or exists (select 1 from (select h.source, h.campaign_id) l join account a on a.id = h.account_id
                            where {{ _segment_filters }}))) x

-- name: sla_mql_first_days
-- MQLs delivered per day for the pace chart, counted on the day of each lead's first MQL event in
-- the period, so the running total ends at mqls_delivered's distinct count (filters as _lead_scope).
select (first_at at time zone :tz)::date as bucket, count(*) as mqls
  from (select e.lead_id, min(e.occurred_at) as first_at
          from lead_event e
          join {{ _lead_scope }} s on s.id = e.lead_id
         where e.event_type = 'mql'
           and e.occurred_at >= :start_at and e.occurred_at < :end_at
         group by e.lead_id) x
 group by bucket
 order by bucket

-- name: sla_touch_vs_window
-- Time to first touch as a share of each hand-off's own first-touch window (both in the window's
-- basis: business or wall-clock minutes; without a policy, the company default in force at the
-- hand-off, which is its deadline − hand-off, wall-clock). Bands are width_bucket(ratio, :bounds): band k holds
-- ratios in [bounds[k], bounds[k+1]), band 0 those below bounds[1]. Met hand-offs are kept at or
-- below :met_band_max, late ones above it, so the bands agree with sla_compliance even where the
-- rounded minutes sit exactly on the window. band -1 = untouched past the deadline (breach),
-- -2 = untouched and still inside the window (pending). The scorecard computes the same bands.
select band, count(*) as handoffs
  from (select case w.outcome
                    when 'met'
                        then least(width_bucket(w.ratio, cast(:bounds as float8[])), cast(:met_band_max as integer))
                    when 'late'
                        then greatest(width_bucket(w.ratio, cast(:bounds as float8[])),
                                      cast(:met_band_max as integer) + 1)
                    when 'untouched' then -1
                    else -2 end as band
          from handoff h
          cross join lateral (select h.source, h.campaign_id) l  -- the hand-off's copies (migration 0008)
          join account a on a.id = h.account_id
          join rep r on r.id = h.sla_owner_id   -- as sla_compliance: the owner at first touch or deadline
          left join sla_policy p on p.id = h.sla_policy_id
          cross join lateral (
                select h.minutes_to_first_touch::float8
                       / nullif(coalesce(p.first_touch_minutes,
                                         extract(epoch from (h.sla_deadline_at - h.handed_off_at)) / 60), 0) as ratio,
                       {{ _sla_outcome }} as outcome) w
         where h.handed_off_at >= :start_at and h.handed_off_at < :end_at
           and {{ _segment_filters }}
           and {{ _owner_filters }}) x
 group by band
 order by band

-- name: sla_untouched
-- Hand-offs in the period not touched by :as_of with the deadline passed: the leads behind the
-- untouched breaches (SLA outcome 'untouched', the _sla_outcome rule), newest first.
select h.id as handoff_id, h.lead_id,
       l.first_name || ' ' || l.last_name as lead_name, l.email, a.name as account, a.tier, ch.label as source,
       r.full_name as owner, t.name as team, h.handed_off_at, h.sla_deadline_at,
       case when h.decided_at <= :as_of then h.decision else 'awaiting' end as status,
       extract(epoch from (cast(:as_of as timestamptz) - h.sla_deadline_at)) / 60 as overdue_minutes
  from {{ _handoff_scope }} h
  join lead l on l.id = h.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  join rep r on r.id = h.owner_id
  join team t on t.id = r.team_id
 where h.handed_off_at >= :start_at and h.handed_off_at < :end_at
   -- = 'untouched', written as "none of the other three" (the fragment always returns one of its four
   -- values): PostgreSQL estimates "CASE … = value" at 0.5 % of the rows, which made it plan this
   -- top-500 list as a full parallel scan (4-5x slower at 1M leads); "not in" of three keeps the
   -- early-stopping index scan of the period the original column tests had.
   and {{ _sla_outcome }} not in ('met', 'late', 'pending')
 order by h.handed_off_at desc, h.id desc
 limit :limit

-- ------------------------------------------------------------------ leads slipping through

-- name: _slipping
-- Leads slipping through at :as_of: hand-offs with no decision past their decision due date
-- ('decision_overdue'), and accepted hand-offs not touched past their first-touch deadline
-- ('untouched_after_accept'), with their owner and team and due_at (the deadline missed).
-- Restricted to :team_ids / :owner_ids / :kinds (empty = all) and to those overdue at most
-- :max_overdue_minutes (null = any). The one definition behind the list and its counts.
with bounds as (
    select cast(:as_of as timestamptz)
           - coalesce(cast(:max_overdue_minutes as float8), 1e9) * interval '1 minute' as oldest_due
),
candidates as materialized (
    -- The two partial indexes of migration 0005 find today's cases (only those due since
    -- oldest_due); the third branch (decided or touched after :as_of) only matters for an :as_of in
    -- the past and is skipped at run time otherwise (a change in the last minute is not "past"
    -- enough to matter). Each branch reads the hand-off's row once, with what the rest needs.
    select h.id, h.lead_id, h.owner_id, h.decision, h.handed_off_at, h.decided_at, h.first_touch_at,
           h.decision_due_at, h.sla_deadline_at
      from handoff h, bounds b
     where h.decision is null and h.decision_due_at < :as_of and h.decision_due_at >= b.oldest_due
    union
    select h.id, h.lead_id, h.owner_id, h.decision, h.handed_off_at, h.decided_at, h.first_touch_at,
           h.decision_due_at, h.sla_deadline_at
      from handoff h, bounds b
     where h.decision = 'accepted' and h.first_touch_at is null
       and h.sla_deadline_at < :as_of and h.sla_deadline_at >= b.oldest_due
    union
    select h.id, h.lead_id, h.owner_id, h.decision, h.handed_off_at, h.decided_at, h.first_touch_at,
           h.decision_due_at, h.sla_deadline_at
      from handoff h
     where cast(:as_of as timestamptz) < now() - interval '1 minute'
       and (h.decided_at > :as_of or h.first_touch_at > :as_of)
),
open_handoffs as (
    -- untouched_after_accept: accepted by :as_of and an untouched breach by the _sla_outcome rule.
    select h.*,
           case when coalesce(h.decided_at > :as_of, true) and cast(:as_of as timestamptz) > h.decision_due_at
                     and h.handed_off_at <= :as_of
                    then 'decision_overdue'
                when h.decision = 'accepted' and h.decided_at <= :as_of
                     and {{ _sla_outcome }} = 'untouched'
                    then 'untouched_after_accept'
           end as kind
      from candidates h
),
slipping as (
    select o.*, case o.kind when 'decision_overdue' then o.decision_due_at else o.sla_deadline_at end as due_at
      from open_handoffs o
     where o.kind is not null
)
    select s.*, r.full_name as owner, r.team_id, t.name as team
      from slipping s
      join rep r on r.id = s.owner_id
      join team t on t.id = r.team_id
     where (cardinality(cast(:team_ids as integer[])) = 0 or r.team_id = any(cast(:team_ids as integer[])))
       and (cardinality(cast(:owner_ids as integer[])) = 0 or s.owner_id = any(cast(:owner_ids as integer[])))
       and (cardinality(cast(:kinds as text[])) = 0 or s.kind = any(cast(:kinds as text[])))
       and (cast(:max_overdue_minutes as float8) is null
            or extract(epoch from (cast(:as_of as timestamptz) - s.due_at)) / 60
               <= cast(:max_overdue_minutes as float8))

-- name: sla_slipping
-- Leads slipping through (the _slipping fragment), most recently slipped first, at most :limit;
-- the lead, account and campaign details are read for those only.
with picked as (
    select * from ({{ _slipping }}) s
     order by s.due_at desc, s.id   -- the least overdue first
     limit :limit
)
select p.id as handoff_id, p.lead_id, p.kind,
       l.first_name || ' ' || l.last_name as lead_name, l.email, l.job_title, l.score, l.priority,
       a.name as account, a.tier, ch.label as source, c.name as campaign,
       p.owner_id, p.owner, p.team_id, p.team,
       p.handed_off_at, p.decided_at, p.first_touch_at, p.due_at,
       extract(epoch from (cast(:as_of as timestamptz) - p.handed_off_at)) / 60 as age_minutes,
       extract(epoch from (cast(:as_of as timestamptz) - p.due_at)) / 60 as overdue_minutes,
       (select count(*) from activity act
         where act.lead_id = p.lead_id and act.occurred_at >= p.handed_off_at and act.occurred_at <= :as_of
           and act.activity_type in ('form_fill', 'webinar', 'content_download', 'email_click', 'web_visit'))
           as lead_activity_since_handoff
  from picked p
  join lead l on l.id = p.lead_id
  join account a on a.id = l.account_id
  join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
 order by p.due_at desc, p.id

-- name: sla_slipping_summary
-- Counts of every lead slipping through (the _slipping fragment; the list above shows at most :limit):
-- one row per situation (kind), one per owner, and the total (both null), each with the number of
-- leads, those slipped at most :recent_minutes ago, the median minutes past the deadline and the
-- oldest hand-off's age in minutes.
select s.kind, s.owner_id, s.owner, s.team,
       count(*) as leads,
       count(*) filter (where s.overdue_minutes <= cast(:recent_minutes as float8)) as recent,
       percentile_cont(0.5) within group (order by s.overdue_minutes) as median_overdue_minutes,
       max(extract(epoch from (cast(:as_of as timestamptz) - s.handed_off_at)) / 60) as max_age_minutes,
       grouping(s.kind) = 0 as by_kind, grouping(s.owner_id) = 0 as by_owner
  from (select x.*, extract(epoch from (cast(:as_of as timestamptz) - x.due_at)) / 60 as overdue_minutes
          from ({{ _slipping }}) x) s
 group by grouping sets ((s.kind), (s.owner_id, s.owner, s.team), ())

-- name: sla_reassign_targets
-- Active reps in sales and sales-development teams who work leads, with their open hand-offs now
-- (load). A rep record whose user is not an SDR or AE (the CRO's, a team lead's) is not offered:
-- with no open hand-offs it came first, and one click sent leads to the executive.
select r.id, r.full_name, r.team_id, t.name as team_name, t.function as team_function,
       (select count(*) from handoff h where h.owner_id = r.id and h.decision is null) as open_handoffs
  from rep r
  join team t on t.id = r.team_id
 where r.active and t.function in ('sales', 'sales_development')
   and not exists (select 1 from app_user u
                    where u.rep_id = r.id and not (u.roles && array['sdr', 'ae']::text[]))
 order by t.function, r.full_name

-- name: sla_handoff_for_reassign
-- A hand-off to reassign, locked, with whether it is still its lead's latest hand-off.
select h.id, h.lead_id, h.owner_id, h.decision, h.first_touch_at,
       h.id = (select h2.id from handoff h2 where h2.lead_id = h.lead_id
                order by h2.handed_off_at desc, h2.id desc limit 1) as is_latest
  from handoff h
 where h.id = :handoff_id
   for update

-- name: sla_reassign_event
insert into lead_event (lead_id, event_type, occurred_at, owner_id, actor_rep_id, actor_user_id, comment)
values (:lead_id, 'reassigned', :occurred_at, :owner_id, :actor_rep_id, :actor_user_id, :comment)
returning id

-- ------------------------------------------------------------------ demo data (seeds/demo_sla.py)

-- name: sla_seed_span
-- The span of the hand-off history and the demo anchor, in the company time zone.
select (min(h.handed_off_at) at time zone :tz)::date as first_day,
       (max(h.handed_off_at) at time zone :tz)::date as last_day,
       cast((select value ->> 'anchor' from app_setting where key = 'demo_seed') as date) as anchor
  from handoff h

-- name: sla_seed_calendar_id
select id from business_calendar where name = :name

-- name: sla_seed_has_schedule
select exists (select 1 from business_schedule where calendar_id = :calendar_id)

-- name: sla_seed_holidays_if_absent
insert into business_holiday (calendar_id, day, name)
select :calendar_id, h.day, h.name
  from unnest(cast(:days as date[]), cast(:names as text[])) as h(day, name)
on conflict (calendar_id, day) do nothing

-- name: sla_seed_policy_exists
select exists (select 1 from sla_policy where code = :code and version = :version)

-- name: sla_seed_quarterly_mqls
-- MQLs delivered per quarter (company time zone), the same count as mqls_delivered.
select date_trunc('quarter', e.occurred_at at time zone :tz)::date as quarter_start,
       count(distinct e.lead_id) as mqls
  from lead_event e
 where e.event_type = 'mql'
 group by quarter_start
 order by quarter_start

-- name: sla_seed_commitment_if_free
-- A commitment, unless one already covers any of its days.
insert into sla_commitment (start_date, end_date, mql_volume, min_acceptance_rate, follow_up_target_rate,
                            decision_target_rate, note)
select :start_date, :end_date, :mql_volume, :min_acceptance_rate, :follow_up_target_rate,
       :decision_target_rate, :note
 where not exists (select 1 from sla_commitment c
                    where daterange(c.start_date, c.end_date, '[]') && daterange(:start_date, :end_date, '[]'))

-- name: sla_no_statement_timeout
-- Long maintenance inside the caller's transaction (re-measuring every hand-off at scale).
select set_config('statement_timeout', '0', true)
