-- Qualification criteria (versions, approval, replay) and the sales feedback loop.
-- Rule semantics: docs/qualification.md and queries/criteria_rules.py (kept equal by tests).

-- ==================================================================== criteria versions

-- name: criteria_versions
-- Every criteria version, newest first, with how many MQL events each one made.
select v.*,
       coalesce(m.mqls, 0) as mqls
  from criteria_version v
  left join (select criteria_version_id, count(*) as mqls
               from lead_event
              where event_type = 'mql' and criteria_version_id is not null
              group by criteria_version_id) m on m.criteria_version_id = v.id
 order by v.number desc

-- name: criteria_in_force_id
-- The approved version in force at :at (null before the first one).
select criteria_version_at(:at)

-- name: criteria_lock
-- Serialise proposals and approvals (version numbers, supersession) without blocking readers.
lock table criteria_version in share row exclusive mode

-- name: criteria_next_number
select coalesce(max(number), 0) + 1 from criteria_version

-- name: criteria_insert
insert into criteria_version (number, title, rationale, industries, countries, regions, employee_bands,
                              job_functions, seniorities, tiers, min_score, excluded_sources, effective_at,
                              proposed_by_user_id, proposed_by_name, proposed_side, proposed_at)
values (:number, :title, :rationale, cast(:industries as text[]), cast(:countries as text[]),
        cast(:regions as text[]), cast(:employee_bands as text[]), cast(:job_functions as text[]),
        cast(:seniorities as text[]), cast(:tiers as smallint[]), :min_score, cast(:excluded_sources as text[]),
        :effective_at, :user_id, :user_name, :side, now())
returning id

-- name: criteria_row_for_update
select * from criteria_version where id = :id for update

-- name: criteria_approve
-- Optimistic lock: applies only to a proposal still at the version the approver saw. A proposal
-- whose effective date has passed takes effect at the approval instead (never retroactively).
update criteria_version
   set status = 'active', approved_by_user_id = :user_id, approved_by_name = :user_name,
       approved_side = :side, approved_at = now(), effective_at = greatest(effective_at, now()),
       version = version + 1
 where id = :id and status = 'proposed' and version = :version
returning effective_at, version

-- name: criteria_restatus
-- After an approval: among approved versions ordered by effective_at, each one followed by a later
-- one is superseded from that one's effective instant; the last is active.
with approved as (
    select id,
           lead(id) over w as next_id,
           lead(effective_at) over w as next_at
      from criteria_version
     where status in ('active', 'superseded')
    window w as (order by effective_at)
)
update criteria_version v
   set status = case when a.next_id is null then 'active' else 'superseded' end,
       superseded_by_id = a.next_id,
       superseded_at = a.next_at,
       version = v.version + 1
  from approved a
 where v.id = a.id
   and (v.superseded_by_id is distinct from a.next_id or v.superseded_at is distinct from a.next_at
        or v.status <> case when a.next_id is null then 'active' else 'superseded' end)

-- name: criteria_withdraw
update criteria_version
   set status = 'withdrawn', withdrawn_by_user_id = :user_id, withdrawn_by_name = :user_name,
       withdrawn_at = now(), withdrawn_note = :note, version = version + 1
 where id = :id and status = 'proposed' and version = :version
returning version

-- name: criteria_options
-- The values that exist in the data, for the criteria form's pickers.
select 'industries' as field, industry as value from (select distinct industry from account) x
union all
select 'countries', country from (select distinct country from account) x
union all
select 'job_functions', job_function from (select distinct job_function from lead) x
union all
select 'excluded_sources', code from channel
 order by 1, 2

-- name: _criteria_account_failures
-- Bit mask of the account rules a lead fails (industry 1, geography 2, size 4, tier 32; 0 = passes
-- them all). Expects aliases a (account) and r (a row with the rule arrays). Empty list = no
-- restriction. With _criteria_lead_failures, the same as criteria_rules.evaluate.
  case when cardinality(r.industries) = 0 or a.industry = any(r.industries) then 0 else 1 end
+ case when cardinality(r.countries) + cardinality(r.regions) = 0
         or a.country = any(r.countries) or a.region = any(r.regions) then 0 else 2 end
+ case when cardinality(r.employee_bands) = 0 or a.employee_band = any(r.employee_bands) then 0 else 4 end
+ case when cardinality(r.tiers) = 0 or a.tier = any(r.tiers) then 0 else 32 end

-- name: _criteria_lead_failures
-- Bit mask of the lead rules a lead fails (job function 8, seniority 16, score 64, excluded
-- source 128). Expects aliases l (lead) and r (a row with the rule arrays).
  case when cardinality(r.job_functions) = 0 or l.job_function = any(r.job_functions) then 0 else 8 end
+ case when cardinality(r.seniorities) = 0 or l.seniority = any(r.seniorities) then 0 else 16 end
+ case when l.score >= r.min_score then 0 else 64 end
+ case when l.source = any(r.excluded_sources) then 128 else 0 end

-- name: replay_work_mem
-- Room for the replay's hash aggregates without planning a spill to disk: PostgreSQL cannot know
-- how few failure-mask groups there are and sizes them for up to one per lead. Transaction-local.
set local work_mem = '64MB'

-- name: criteria_replay
-- Replay: leads created in [:start_at, :end_at), each evaluated against the proposed rules (p_*)
-- and the rules of the version in force (c_*; none when :has_current is false), grouped by which
-- of the two it passes (p_ok, c_ok: four groups, including the leads neither qualifies), with how
-- those leads actually fared to date: hand-off (lead level: any hand-off), accepted (any hand-off
-- accepted), rejected (rejected and never accepted), awaiting (no decision on any hand-off),
-- opportunities, wins, losses, won revenue; and per group how many leads each proposed rule turns
-- away. The hand-off outcomes are the lead's stage projections (handed_off_at, sal_at, rejected_at,
-- sql_at: migrations 0009, 0012); the account rules are evaluated once per account, the lead rules
-- once per lead, into their failure bits; leads are first grouped by those bits (at most 256 x 2
-- groups), which the outer query folds into the four groups and the per-rule counts.
with proposed as not materialized (  -- inlined: the rule arrays become constants of the plan
    select cast(:p_industries as text[]) as industries, cast(:p_countries as text[]) as countries,
           cast(:p_regions as text[]) as regions, cast(:p_employee_bands as text[]) as employee_bands,
           cast(:p_job_functions as text[]) as job_functions, cast(:p_seniorities as text[]) as seniorities,
           cast(:p_tiers as smallint[]) as tiers, cast(:p_min_score as integer) as min_score,
           cast(:p_excluded_sources as text[]) as excluded_sources
),
current_rules as not materialized (
    select cast(:c_industries as text[]) as industries, cast(:c_countries as text[]) as countries,
           cast(:c_regions as text[]) as regions, cast(:c_employee_bands as text[]) as employee_bands,
           cast(:c_job_functions as text[]) as job_functions, cast(:c_seniorities as text[]) as seniorities,
           cast(:c_tiers as smallint[]) as tiers, cast(:c_min_score as integer) as min_score,
           cast(:c_excluded_sources as text[]) as excluded_sources
),
accounts as not materialized (
    -- offset 0 keeps this a subquery of its own: the account rules run once per account (not once
    -- per lead), and the planner still knows its size (a materialised CTE led it to an index
    -- merge join over all leads)
    select a.id, pf.failed as p_failed, cf.failed as c_failed
      from account a
     cross join lateral (select {{ _criteria_account_failures }} as failed from proposed r) pf
     cross join lateral (select {{ _criteria_account_failures }} as failed from current_rules r) cf
    offset 0
),
leads as (
    select a.p_failed + pf.failed as p_failed,
           cast(:has_current as boolean) and a.c_failed + cf.failed = 0 as c_ok,
           count(*) as leads,
           count(l.mql_at) as actual_mqls,
           count(l.handed_off_at) as handed_off,
           count(l.sal_at) as accepted,
           count(l.rejected_at) filter (where l.sal_at is null) as rejected,
           count(l.handed_off_at) filter (where l.sal_at is null and l.rejected_at is null) as awaiting,
           count(l.sql_at) as with_opportunity
      from lead l
      join accounts a on a.id = l.account_id
     cross join lateral (select {{ _criteria_lead_failures }} as failed from proposed r) pf
     cross join lateral (select {{ _criteria_lead_failures }} as failed from current_rules r) cf
     where l.created_at >= :start_at and l.created_at < :end_at
     group by 1, 2
),
opportunities as (
    select a.p_failed + pf.failed as p_failed,
           cast(:has_current as boolean) and a.c_failed + cf.failed = 0 as c_ok,
           count(*) filter (where o.stage = 'closed_won') as won,
           count(*) filter (where o.stage = 'closed_lost') as lost,
           coalesce(sum(o.amount) filter (where o.stage = 'closed_won'), 0) as revenue
      from opportunity o
      join lead l on l.id = o.lead_id
      join accounts a on a.id = l.account_id
     cross join lateral (select {{ _criteria_lead_failures }} as failed from proposed r) pf
     cross join lateral (select {{ _criteria_lead_failures }} as failed from current_rules r) cf
     where l.created_at >= :start_at and l.created_at < :end_at
     group by 1, 2
),
grouped as (
    select p_failed, c_ok, leads, actual_mqls, handed_off, accepted, rejected, awaiting, with_opportunity,
           0 as won, 0 as lost, 0 as revenue
      from leads
    union all
    select p_failed, c_ok, 0, 0, 0, 0, 0, 0, 0, won, lost, revenue
      from opportunities
)
select p_failed = 0 as p_ok, c_ok,
       sum(leads) as leads, sum(actual_mqls) as actual_mqls, sum(handed_off) as handed_off,
       sum(accepted) as accepted, sum(rejected) as rejected, sum(awaiting) as awaiting,
       sum(with_opportunity) as with_opportunity, sum(won) as won, sum(lost) as lost, sum(revenue) as revenue,
       coalesce(sum(leads) filter (where p_failed & 1 <> 0), 0) as fail_industry,
       coalesce(sum(leads) filter (where p_failed & 2 <> 0), 0) as fail_geography,
       coalesce(sum(leads) filter (where p_failed & 4 <> 0), 0) as fail_employee_band,
       coalesce(sum(leads) filter (where p_failed & 8 <> 0), 0) as fail_job_function,
       coalesce(sum(leads) filter (where p_failed & 16 <> 0), 0) as fail_seniority,
       coalesce(sum(leads) filter (where p_failed & 32 <> 0), 0) as fail_tier,
       coalesce(sum(leads) filter (where p_failed & 64 <> 0), 0) as fail_score,
       coalesce(sum(leads) filter (where p_failed & 128 <> 0), 0) as fail_source
  from grouped
 group by p_failed = 0, c_ok

-- ==================================================================== feedback

-- name: feedback_upsert_lead
-- One rating per rep and lead: rating again replaces the earlier one (the audit keeps it); a new
-- rating without an insight keeps the earlier insight (the form is emptied after each save).
insert into lead_feedback (lead_id, rep_id, author_user_id, quality, insight, created_at, updated_at)
values (:lead_id, :rep_id, :user_id, :quality, :insight, now(), now())
on conflict (lead_id, rep_id) where lead_id is not null
do update set quality = excluded.quality, insight = coalesce(excluded.insight, lead_feedback.insight),
              author_user_id = excluded.author_user_id,
              updated_at = now(), version = lead_feedback.version + 1
returning id, (xmax = 0) as inserted, insight

-- name: feedback_insert_campaign
insert into lead_feedback (campaign_id, rep_id, author_user_id, quality, insight, created_at, updated_at)
values (:campaign_id, :rep_id, :user_id, :quality, :insight, now(), now())
returning id

-- name: feedback_existing
-- The rep's earlier rating of a lead (the audit's "old" values).
select id, quality, insight from lead_feedback where lead_id = :lead_id and rep_id = :rep_id

-- name: feedback_lead_exists
-- The lead, whether the rep ever owned one of its hand-offs, and (with :team_id, a sales lead's
-- team) whether one of its hand-offs went to a rep of that team.
select l.id, l.first_name || ' ' || l.last_name as lead_name,
       exists (select 1 from handoff h where h.lead_id = l.id and h.owner_id = :rep_id) as was_owner,
       (cast(:team_id as integer) is not null
        and exists (select 1 from handoff h join rep r on r.id = h.owner_id
                     where h.lead_id = l.id and r.team_id = cast(:team_id as integer))) as was_team
  from lead l
 where l.id = :lead_id

-- name: campaign_exists
select id, name from campaign where id = :campaign_id

-- name: feedback_lead_choices
-- Leads the rep was handed, most recent first, for the rating picker; with :team_id (a sales
-- lead's team), also the leads handed to the team's reps in the last 180 days.
select h.lead_id, l.first_name || ' ' || l.last_name as lead_name, a.name as account_name,
       h.handed_off_at, h.decision, c.name as campaign_name,
       f.quality as my_quality
  from (select distinct on (lead_id) lead_id, handed_off_at, decision
          from handoff
         where owner_id = :rep_id
            or (cast(:team_id as integer) is not null and handed_off_at >= now() - interval '180 days'
                and owner_id in (select r.id from rep r where r.team_id = cast(:team_id as integer)))
         order by lead_id, handed_off_at desc) h
  join lead l on l.id = h.lead_id
  join account a on a.id = l.account_id
  left join campaign c on c.id = l.campaign_id
  left join lead_feedback f on f.lead_id = h.lead_id and f.rep_id = :rep_id
 order by h.handed_off_at desc
 limit :limit

-- name: reply_insert
insert into feedback_reply (feedback_id, campaign_id, source, body, author_user_id, author_rep_id, created_at)
values (:feedback_id, :campaign_id, :source, :body, :user_id, :rep_id, now())
returning id

-- name: feedback_entry_exists
select id from lead_feedback where id = :feedback_id

-- name: source_exists
select code, label from channel where code = :source

-- name: feedback_list
-- Feedback given in the period (by created time), lead-level and campaign-level, with what it is
-- about, how many replies it has and the latest of them (so the rep reads marketing's answer). Filters: the usual scope parameters on the lead or campaign.
select f.id as feedback_id, f.created_at, f.updated_at, f.quality, f.insight,
       case when f.lead_id is not null then 'lead' else 'campaign' end as subject_kind,
       f.lead_id, l.first_name || ' ' || l.last_name as lead_name, a.name as account_name,
       coalesce(f.campaign_id, l.campaign_id) as campaign_id, c.name as campaign_name,
       coalesce(l.source, c.channel_code) as source, ch.label as source_label,
       f.rep_id, r.full_name as rep_name,
       (select count(*) from feedback_reply fr where fr.feedback_id = f.id) as replies,
       lr.last_reply, lr.last_reply_by, lr.last_reply_at
  from lead_feedback f
  join rep r on r.id = f.rep_id
  left join lateral (select fr.body as last_reply, coalesce(u.display_name, rr.full_name) as last_reply_by,
                            fr.created_at as last_reply_at
                       from feedback_reply fr
                       left join app_user u on u.id = fr.author_user_id
                       left join rep rr on rr.id = fr.author_rep_id
                      where fr.feedback_id = f.id
                      order by fr.created_at desc, fr.id desc
                      limit 1) lr on true
  left join lead l on l.id = f.lead_id
  left join account a on a.id = l.account_id
  left join campaign c on c.id = coalesce(f.campaign_id, l.campaign_id)
  left join channel ch on ch.code = coalesce(l.source, c.channel_code)
 where f.created_at >= :start_at and f.created_at < :end_at
   and (cast(:rep_id as integer) is null or f.rep_id = :rep_id)
   and (cardinality(cast(:sources as text[])) = 0 or coalesce(l.source, c.channel_code) = any(cast(:sources as text[])))
   and (cardinality(cast(:campaign_ids as integer[])) = 0
        or coalesce(f.campaign_id, l.campaign_id) = any(cast(:campaign_ids as integer[])))
   and (cardinality(cast(:industries as text[])) = 0 or a.industry = any(cast(:industries as text[])))
   and (cardinality(cast(:countries as text[])) = 0 or a.country = any(cast(:countries as text[])))
   and (cardinality(cast(:tiers as integer[])) = 0 or a.tier = any(cast(:tiers as integer[])))
 order by f.created_at desc
 limit :limit

-- name: feedback_trend
-- Average quality rating and count of ratings per bucket and group, by rating time in the period.
-- Lead ratings group by any dimension of their lead; campaign ratings only by total, campaign and
-- source (they have no single account, owner or team), so segment views count lead ratings only.
with lead_level as (
    select f.created_at, f.quality, s.dim_key, s.dim_label
      from lead_feedback f
      join {{ _lead_scope }} s on s.id = f.lead_id
     where f.created_at >= :start_at and f.created_at < :end_at
),
campaign_level as (
    select f.created_at, f.quality,
           case :dim when 'total' then 'total' when 'campaign' then c.id::text else c.channel_code end as dim_key,
           case :dim when 'total' then 'Total' when 'campaign' then c.name else ch.label end as dim_label
      from lead_feedback f
      join campaign c on c.id = f.campaign_id
      join channel ch on ch.code = c.channel_code
     where f.campaign_id is not null
       and :dim in ('total', 'campaign', 'source')
       and f.created_at >= :start_at and f.created_at < :end_at
       and (cardinality(cast(:sources as text[])) = 0 or c.channel_code = any(cast(:sources as text[])))
       and (cardinality(cast(:campaign_ids as integer[])) = 0 or c.id = any(cast(:campaign_ids as integer[])))
       and cardinality(cast(:industries as text[])) = 0 and cardinality(cast(:countries as text[])) = 0
       and cardinality(cast(:tiers as integer[])) = 0
       and cardinality(cast(:owner_ids as integer[])) = 0 and cardinality(cast(:team_ids as integer[])) = 0
),
rated as (
    select * from lead_level
    union all
    select * from campaign_level
)
select case when :grain = 'none' then null
                    else (cast(:bucket_dates as date[]))[width_bucket(created_at, cast(:bucket_starts as timestamptz[]))] end as bucket,
       dim_key, dim_label,
       count(*) as ratings,
       avg(quality)::float8 as avg_quality,
       count(*) filter (where quality <= 2) as poor,
       count(*) filter (where quality >= 4) as good
  from rated
 group by 1, dim_key, dim_label
 order by bucket nulls first, dim_label

-- name: replies_list
-- Marketing's replies in the period (or to the given feedback entries), with what they answer.
select fr.id as reply_id, fr.created_at, fr.body, coalesce(u.display_name, r.full_name) as author_name,
       case when fr.feedback_id is not null then 'feedback'
            when fr.campaign_id is not null then 'campaign' else 'source' end as subject_kind,
       fr.feedback_id, coalesce(fr.campaign_id, f.campaign_id, l.campaign_id) as campaign_id,
       coalesce(c.name, fc.name, lc.name) as campaign_name,
       coalesce(fr.source, l.source) as source, ch.label as source_label
  from feedback_reply fr
  left join app_user u on u.id = fr.author_user_id
  left join rep r on r.id = fr.author_rep_id
  left join lead_feedback f on f.id = fr.feedback_id
  left join lead l on l.id = f.lead_id
  left join campaign c on c.id = fr.campaign_id
  left join campaign fc on fc.id = f.campaign_id
  left join campaign lc on lc.id = l.campaign_id
  left join channel ch on ch.code = coalesce(fr.source, l.source, c.channel_code, fc.channel_code)
 where fr.created_at >= :start_at and fr.created_at < :end_at
 order by fr.created_at desc
 limit :limit

-- name: feedback_summary
-- Ratings in the period: count, average, poor (1-2) and good (4-5), how many got a reply.
select count(*) as ratings,
       avg(quality)::float8 as avg_quality,
       count(*) filter (where quality <= 2) as poor,
       count(*) filter (where quality >= 4) as good,
       count(*) filter (where exists (select 1 from feedback_reply fr where fr.feedback_id = f.id)) as replied
  from lead_feedback f
 where f.created_at >= :start_at and f.created_at < :end_at
