-- The metric definitions. Each block is the one place its metric is computed; docs/metrics.md
-- states the same definitions in words. Periods are [:start_at, :end_at) instants computed from
-- local dates in the company time zone :tz; buckets are cut in :tz too.

-- name: acceptance
-- Lead acceptance rate = accepted ÷ handed off. Cohort: hand-offs whose hand-off time falls in the
-- period. A decision counts once made, at or before :as_of; awaiting = neither accepted nor
-- rejected by then (recent periods are not final).
select bucket, dim_key, dim_label,
       count(*) as handed_off,
       count(*) filter (where decision = 'accepted') as accepted,
       count(*) filter (where decision = 'rejected') as rejected,
       count(*) filter (where decision is null) as awaiting,
       count(*) filter (where decision = 'accepted')::float8 / count(*) as acceptance_rate
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.handed_off_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
               s.dim_key, s.dim_label,
               case when s.decided_at <= :as_of then s.decision end as decision
          from {{ _handoff_scope }} s
         where s.handed_off_at >= :start_at and s.handed_off_at < :end_at) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: rejection_reasons
-- Count and share of each structured rejection reason among rejected hand-offs, cohort = hand-off
-- time in the period (the same cohort as the acceptance rate, so the counts add up): rejected at
-- or before :as_of; recycled = sent back to nurture by then.
select bucket, dim_key, dim_label, rejection_reason as reason,
       count(*) as rejected,
       count(*)::float8 / sum(count(*)) over (partition by bucket, dim_key) as share,
       count(*) filter (where recycled_at <= :as_of) as recycled
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.handed_off_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
               s.*
          from {{ _handoff_scope }} s
         where s.handed_off_at >= :start_at and s.handed_off_at < :end_at
           and s.decision = 'rejected' and s.decided_at <= :as_of) x
 group by bucket, dim_key, dim_label, rejection_reason
 order by bucket nulls first, dim_label, rejected desc, reason

-- name: first_touch
-- Time to first touch (speed-to-lead): minutes from hand-off to the first rep-initiated touch,
-- as the SLA measures them. Median and p90 over touched hand-offs only (percentile_cont: linear
-- interpolation, ties averaged); hand-offs not touched by :as_of are counted as untouched.
-- Cohort: hand-off time in the period.
select bucket, dim_key, dim_label,
       count(*) as handed_off,
       count(*) filter (where touched) as touched,
       count(*) filter (where not touched) as untouched,
       percentile_cont(0.5) within group (order by minutes_to_first_touch) filter (where touched) as median_minutes,
       percentile_cont(0.9) within group (order by minutes_to_first_touch) filter (where touched) as p90_minutes
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.handed_off_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
               s.dim_key, s.dim_label, s.minutes_to_first_touch,
               coalesce(s.first_touch_at <= :as_of, false) as touched
          from {{ _handoff_scope }} s
         where s.handed_off_at >= :start_at and s.handed_off_at < :end_at) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: _sla_outcome
-- THE SLA outcome rule: what one hand-off's first-touch SLA stands at, at :as_of. Every query that
-- classifies hand-offs by it includes this fragment (sla_compliance, first_touch_distribution,
-- drill_handoffs in drilldown.sql, and in sla.sql sla_rep_breaches, sla_rep_standing,
-- sla_scorecard, sla_scorecard_totals, sla_touch_vs_window, sla_untouched, _slipping), so the rule
-- changes here and only here. It reads h.first_touch_at and h.sla_deadline_at: the including query
-- names its hand-off relation (the handoff table, or a scope or CTE with those columns) h.
--   'met'        touched by :as_of, at or before the deadline
--   'late'       touched by :as_of, after the deadline                  (breach)
--   'untouched'  not touched by :as_of, deadline passed at :as_of       (breach)
--   'pending'    not touched by :as_of, deadline not passed yet        (not counted)
-- Always exactly one of these four values, never null (sla_untouched relies on it).
case when h.first_touch_at <= :as_of and h.first_touch_at <= h.sla_deadline_at then 'met'
     when h.first_touch_at <= :as_of then 'late'
     when :as_of > h.sla_deadline_at then 'untouched'
     else 'pending' end

-- name: first_touch_distribution
-- How many hand-offs fall in each time-to-first-touch band, and how many of them met their own
-- SLA (the deadline of the policy in force at their hand-off, as sla_compliance counts them).
-- :bounds are the band edges in minutes (ascending); band 0 is below bounds[1], band n is at or
-- above bounds[n]; untouched hand-offs form band -1. in_time: SLA outcome 'met' (touched by the
-- deadline; touched bands); past_deadline: outcome 'untouched' (untouched with the deadline passed
-- at :as_of; band -1) -- the _sla_outcome rule. Cohort: hand-off time in the period.
select case when touched then width_bucket(minutes_to_first_touch::float8, cast(:bounds as float8[])) else -1 end as band,
       count(*) as handoffs,
       count(*) filter (where outcome = 'met') as in_time,
       count(*) filter (where outcome = 'untouched') as past_deadline
  from (select h.minutes_to_first_touch,
               coalesce(h.first_touch_at <= :as_of, false) as touched,
               {{ _sla_outcome }} as outcome
          from {{ _handoff_scope }} h
         where h.handed_off_at >= :start_at and h.handed_off_at < :end_at) x
 group by band
 order by band

-- name: _sla_compliance_columns
-- SLA compliance's counts over rows with an outcome column (the _sla_outcome rule): handed off,
-- met, breached (late, untouched), pending, and compliance = met ÷ (met + breached). A select list:
-- sla_compliance groups it by bucket and dimension, the SLA totals of sla.sql (_sla_totals_columns)
-- add speed to it.
count(*) as handed_off,
count(*) filter (where outcome = 'met') as met,
count(*) filter (where outcome = 'late') as breached_late,
count(*) filter (where outcome = 'untouched') as breached_untouched,
count(*) filter (where outcome in ('late', 'untouched')) as breached,
count(*) filter (where outcome = 'pending') as pending,
count(*) filter (where outcome = 'met')::float8 / nullif(count(*) filter (where outcome <> 'pending'), 0)
    as compliance_rate

-- name: sla_compliance
-- SLA compliance = met ÷ (met + breached) among hand-offs in the period whose outcome is known at
-- :as_of. met: first touch at or before the deadline. breached: touched after the deadline, or
-- untouched with the deadline passed. pending: untouched, deadline not yet passed (not counted).
-- The outcome is the _sla_outcome rule.
select bucket, dim_key, dim_label, {{ _sla_compliance_columns }}
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(h.handed_off_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
               h.dim_key, h.dim_label,
               {{ _sla_outcome }} as outcome
          from {{ _handoff_scope }} h
         where h.handed_off_at >= :start_at and h.handed_off_at < :end_at) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: mqls_delivered
-- MQLs delivered: distinct leads with an MQL event in the period (a recycled lead that qualifies
-- again counts again in the period it re-qualifies).
--
-- Written so that an unfiltered total reads the MQL events alone: the lead scope is left-joined
-- and required (s.id is not null) only when a filter is set, and the group columns come from it
-- only when a breakdown is asked for. Both conditions are bound values the planner folds, so with
-- neither it drops the lead join (every MQL event has its lead: a foreign key).
select bucket, dim_key, dim_label, count(distinct lead_id) as mqls
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(e.occurred_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
               case when :dim = 'total' then 'total' else s.dim_key end as dim_key,
               case when :dim = 'total' then 'Total' else s.dim_label end as dim_label,
               e.lead_id
          from lead_event e
          left join {{ _lead_scope }} s on s.id = e.lead_id
         where e.event_type = 'mql'
           and e.occurred_at >= :start_at and e.occurred_at < :end_at
           and (s.id is not null or {{ _no_filters }})) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: funnel
-- Funnel conversion for the leads created in the period (the cohort). A lead has reached a stage
-- if it reached that stage or a later one: MQL (an MQL event), SAL (a hand-off accepted), SQL (an
-- opportunity from the lead), Won (such an opportunity won) -- read from the lead's stage
-- projections mql_at, sal_at, sql_at, won_at (kept by the database, migration 0009).
-- step_rate = reached ÷ reached at the previous stage; cumulative_rate = reached ÷ leads created.
with counts as (
    select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.created_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
           s.dim_key, s.dim_label,
           count(*) as created,
           count(*) filter (where s.mql_at is not null or s.sal_at is not null or s.sql_at is not null
                                  or s.won_at is not null) as mql,
           count(*) filter (where s.sal_at is not null or s.sql_at is not null or s.won_at is not null) as sal,
           count(*) filter (where s.sql_at is not null or s.won_at is not null) as sql_stage,
           count(*) filter (where s.won_at is not null) as won
      from {{ _lead_scope }} s
     where s.created_at >= :start_at and s.created_at < :end_at
     group by 1, 2, 3
),
stages as (
    select c.bucket, c.dim_key, c.dim_label, v.stage_order, v.stage, v.reached, c.created
      from counts c
     cross join lateral (values (1, 'Created', c.created), (2, 'MQL', c.mql), (3, 'SAL', c.sal),
                                (4, 'SQL', c.sql_stage), (5, 'Won', c.won)) v(stage_order, stage, reached)
)
select bucket, dim_key, dim_label, stage_order, stage, reached,
       reached::float8 / nullif(lag(reached) over w, 0) as step_rate,
       reached::float8 / nullif(created, 0) as cumulative_rate
  from stages
window w as (partition by bucket, dim_key order by stage_order)
 order by bucket nulls first, dim_label, stage_order

-- name: open_pipeline
-- Open pipeline: sum of amount of opportunities open at :as_of (created at or before it and not
-- closed by then). Uses each opportunity's current amount.
select dim_key, dim_label,
       count(*) as opportunities,
       coalesce(sum(amount), 0) as amount,
       coalesce(sum(amount) filter (where marketing_sourced), 0) as marketing_sourced_amount
  from {{ _opportunity_scope }} s
 where s.created_at <= :as_of and (s.closed_at is null or s.closed_at > :as_of)
 group by dim_key, dim_label
 order by dim_label

-- name: pipeline_created
-- Pipeline created: amount of opportunities created in the period; marketing-sourced share of it.
select bucket, dim_key, dim_label,
       count(*) as opportunities,
       coalesce(sum(amount), 0) as amount,
       coalesce(sum(amount) filter (where marketing_sourced), 0) as marketing_sourced_amount,
       count(*) filter (where marketing_sourced) as marketing_sourced_opportunities
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.created_at, cast(:bucket_starts as timestamptz[]))] end as bucket, s.*
          from {{ _opportunity_scope }} s
         where s.created_at >= :start_at and s.created_at < :end_at) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: closed_deals
-- Opportunities closed in the period (close time in the period):
--   revenue (bookings) = sum of amount of closed-won; marketing-sourced revenue likewise;
--   win rate = won ÷ (won + lost);
--   sales cycle = median days from opportunity created to closed-won, deals won in the period.
select bucket, dim_key, dim_label,
       count(*) filter (where stage = 'closed_won') as won,
       count(*) filter (where stage = 'closed_lost') as lost,
       coalesce(sum(amount) filter (where stage = 'closed_won'), 0) as revenue,
       coalesce(sum(amount) filter (where stage = 'closed_won' and marketing_sourced), 0) as marketing_sourced_revenue,
       (count(*) filter (where stage = 'closed_won'))::float8 / nullif(count(*), 0) as win_rate,
       percentile_cont(0.5) within group (order by extract(epoch from (closed_at - created_at)) / 86400.0)
           filter (where stage = 'closed_won') as median_cycle_days
  from (select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(s.closed_at, cast(:bucket_starts as timestamptz[]))] end as bucket, s.*
          from {{ _opportunity_scope }} s
         where s.closed_at >= :start_at and s.closed_at < :end_at) x
 group by bucket, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: coverage_inputs
-- Inputs of pipeline coverage: open pipeline at :as_of whose expected close date is in the period,
-- and revenue won in the period up to :as_of. Coverage = open ÷ (target − won so far).
select coalesce(sum(amount) filter (where (closed_at is null or closed_at > :as_of) and created_at <= :as_of
                                      and expected_close_date between :start_date and :end_date), 0) as open_in_period,
       coalesce(sum(amount) filter (where stage = 'closed_won' and closed_at >= :start_at
                                      and closed_at < :end_at and closed_at <= :as_of), 0) as won_so_far
  from {{ _opportunity_scope }} s

-- name: _no_lead_cut
-- True when no filter cuts a campaign's leads: no industry, country or tier filter and no owner or
-- team filter (bound values: folded when planned). The source and campaign filters choose whole
-- campaigns, so they cut nothing.
    cardinality(cast(:industries as text[])) = 0 and cardinality(cast(:countries as text[])) = 0
and cardinality(cast(:tiers as integer[])) = 0
and cardinality(cast(:owner_ids as integer[])) = 0 and cardinality(cast(:team_ids as integer[])) = 0

-- name: campaign_performance
-- Per campaign whose dates overlap the period (no end date = still running): its whole spend, the
-- leads it sourced (lead.campaign_id), how many became MQLs (leads with an MQL) and SQLs (leads with
-- an opportunity: a lead with two deals is one SQL, as in the funnel), and the revenue won from their
-- opportunities (lifetime attribution). When a filter cuts the campaign's leads (industry, country,
-- tier, owner, team), its spend is allocated to the cut by the cut's share of all its leads:
-- allocated_spend = spend × leads in the filters ÷ all the campaign's leads (none when it has no
-- leads); otherwise allocated_spend = spend. cost per MQL/SQL = allocated spend ÷ MQLs/SQLs; ROI =
-- won revenue ÷ allocated spend; all three are null without allocated spend.
with campaigns as (
    select c.id
      from campaign c
     where c.start_date <= :end_date and (c.end_date is null or c.end_date >= :start_date)
       and (cardinality(cast(:campaign_ids as integer[])) = 0 or c.id = any(cast(:campaign_ids as integer[])))
       and (cardinality(cast(:sources as text[])) = 0 or c.channel_code = any(cast(:sources as text[])))
),
-- The campaigns' leads and their opportunities. Each is read one of two ways, picked by a bound
-- condition the planner folds (the other branch is never run): with no filter set, from the lead's
-- campaign index and the opportunity's campaign copy (migration 0010) alone; with filters, through
-- the lead scope.
per_campaign as (
    select x.campaign_id, count(*) as leads, count(*) filter (where x.mql_at is not null) as mqls
      from (select l.campaign_id, l.mql_at
              from lead l
             where {{ _no_filters }} and l.campaign_id in (select id from campaigns)
            union all
            select s.campaign_id, s.mql_at
              from {{ _lead_scope }} s
             where not {{ _no_filters }} and s.campaign_id in (select id from campaigns)) x
     group by x.campaign_id
),
-- All of each campaign's leads, whatever the filters: the denominator of the spend share. Read
-- (from the lead's campaign index) only when a filter cuts the campaign's leads.
all_leads as (
    select l.campaign_id, count(*) as leads
      from lead l
     where not {{ _no_lead_cut }} and l.campaign_id in (select id from campaigns)
     group by l.campaign_id
),
opportunities as (
    select x.campaign_id, count(distinct x.lead_id) as sqls,
           coalesce(sum(x.amount) filter (where x.stage = 'closed_won'), 0) as won_revenue
      from (select o.campaign_id, o.lead_id, o.amount, o.stage
              from opportunity o
             where {{ _no_filters }} and o.campaign_id in (select id from campaigns)
            union all
            select s.campaign_id, o.lead_id, o.amount, o.stage
              from opportunity o
              join {{ _lead_scope }} s on s.id = o.lead_id
             where not {{ _no_filters }} and o.campaign_id in (select id from campaigns)) x
     group by x.campaign_id
)
-- with the whole spend when no filter cuts the campaign's leads (the planner folds the condition)
select c.id as campaign_id, c.name as campaign, ch.label as channel, c.start_date, c.end_date, c.spend,
       s.allocated_spend, not {{ _no_lead_cut }} as spend_allocated,
       coalesce(p.leads, 0) as leads, coalesce(p.mqls, 0) as mqls,
       coalesce(o.sqls, 0) as sqls, coalesce(o.won_revenue, 0) as won_revenue,
       nullif(s.allocated_spend, 0) / nullif(p.mqls, 0) as cost_per_mql,
       nullif(s.allocated_spend, 0) / nullif(o.sqls, 0) as cost_per_sql,
       coalesce(o.won_revenue, 0) / nullif(s.allocated_spend, 0) as roi
  from campaign c
  join channel ch on ch.code = c.channel_code
  left join per_campaign p on p.campaign_id = c.id
  left join all_leads a on a.campaign_id = c.id
  left join opportunities o on o.campaign_id = c.id
  cross join lateral (select case when {{ _no_lead_cut }} then c.spend
                                  else coalesce(c.spend * p.leads / nullif(a.leads, 0), 0) end as allocated_spend) s
 where c.id in (select id from campaigns)
 order by c.start_date, c.name
