-- Demo data for qualification (seeds/demo_qualification.py): criteria versions agreed by the demo
-- leads, the criteria version on historical MQL events, sales feedback and marketing's replies.
-- Deterministic: every choice is a function of row ids and the demo data's own dates.

-- name: seed_demo_span
-- The demo data's first instant, its "now" (the latest lead, never in the future), and the company
-- time zone (effective dates are local midnights).
select min(created_at) as first_at, least(now(), max(created_at)) as now_at,
       coalesce((select value #>> '{}' from app_setting where key = 'company_timezone'), 'UTC') as tz
  from lead

-- name: seed_demo_people
-- The demo users the story needs, with their rep records.
select username, id as user_id, display_name, rep_id
  from app_user
 where username in ('marketing_lead', 'sales_lead', 'marketer')

-- name: seed_criteria_count
select count(*) from criteria_version

-- name: seed_criteria_insert
-- One historical criteria version, with its approval (or withdrawal) as it happened.
insert into criteria_version (number, title, rationale, industries, countries, regions, employee_bands,
                              job_functions, seniorities, tiers, min_score, excluded_sources, effective_at, status,
                              proposed_by_user_id, proposed_by_name, proposed_side, proposed_at,
                              approved_by_user_id, approved_by_name, approved_side, approved_at,
                              withdrawn_by_user_id, withdrawn_by_name, withdrawn_at, withdrawn_note)
values (:number, :title, :rationale, cast(:industries as text[]), cast(:countries as text[]),
        cast(:regions as text[]), cast(:employee_bands as text[]), cast(:job_functions as text[]),
        cast(:seniorities as text[]), cast(:tiers as smallint[]), :min_score, cast(:excluded_sources as text[]),
        :effective_at, :status, :proposed_by_user_id, :proposed_by_name, :proposed_side, :proposed_at,
        :approved_by_user_id, :approved_by_name, :approved_side, :approved_at,
        :withdrawn_by_user_id, :withdrawn_by_name, :withdrawn_at, :withdrawn_note)
returning id

-- name: seed_lead_event_history_open
-- lead_event is append-only (trigger lead_event_append_only, SQLSTATE AB010). The seeder's backfill
-- is the one exception: disabled and re-enabled inside the same transaction, so no other session
-- ever sees it off (ALTER TABLE takes a lock that blocks other writers until commit).
alter table lead_event disable trigger lead_event_append_only

-- name: seed_lead_event_history_close
alter table lead_event enable trigger lead_event_append_only

-- name: seed_backfill_mql_versions
-- Stamp every MQL event that has no criteria version with the approved version in force at its
-- time (latest effective_at at or before occurred_at). One set-based update.
update lead_event e
   set criteria_version_id = v.id
  from (select id, effective_at,
               lead(effective_at) over (order by effective_at) as next_at
          from criteria_version
         where status in ('active', 'superseded')) v
 where e.event_type = 'mql'
   and e.criteria_version_id is null
   and e.occurred_at >= v.effective_at
   and (v.next_at is null or e.occurred_at < v.next_at)

-- name: seed_feedback_count
select (select count(*) from lead_feedback) as feedback, (select count(*) from feedback_reply) as replies

-- name: seed_lead_feedback
-- Reps rate a sample of the hand-offs they decided in the last :days days of the demo data: more
-- of the rejected ones (sales speaks up when a lead is bad). Ratings follow the decision and the
-- reason; every weak or poor rating carries an insight, as the app requires.
with decided as (
    select distinct on (h.lead_id, coalesce(h.decided_by_rep_id, h.owner_id))
           h.id, h.lead_id, coalesce(h.decided_by_rep_id, h.owner_id) as rep_id, h.decision, h.rejection_reason,
           h.decided_at, (h.id * 7919 + 13) % 100 as roll
      from handoff h
     where h.decision is not null
       and h.decided_at >= cast(:now_at as timestamptz) - make_interval(days => :days)
       and h.decided_at < :now_at
       and (h.id * 2654435761) % 1000 < case when h.decision = 'rejected' then 180 else 70 end
     order by h.lead_id, coalesce(h.decided_by_rep_id, h.owner_id), h.decided_at desc
),
rated as (
    select d.*,
           case when d.decision = 'accepted' then case when roll < 15 then 3 when roll < 65 then 4 else 5 end
                when d.rejection_reason in ('bad_fit', 'wrong_contact', 'duplicate', 'other')
                     then case when roll < 60 then 1 else 2 end
                when d.rejection_reason = 'no_budget' then case when roll < 45 then 2 else 3 end
                else case when roll < 50 then 2 else 3 end end as quality
      from decided d
)
insert into lead_feedback (lead_id, rep_id, author_user_id, quality, insight, created_at, updated_at)
select r.lead_id, r.rep_id, u.id, r.quality,
       case
         when r.decision = 'accepted' and r.quality = 3 then null
         when r.decision = 'accepted' then (array[
             'Clear project and timeline; booked discovery on the first call.',
             'Right persona, already comparing vendors. More like this please.',
             'Came from the webinar with specific questions about the SLA reports.',
             'Budget approved for next quarter; champion is the ops director.',
             'Strong fit, but the form data was thin: had to research the account first.',
             'Existing customer''s sister company: warm intro made it easy.',
             'Replacing a homegrown dashboard; wants a pilot before the board meeting.',
             'Asked for pricing on the first call. Fast-track candidate.'])[1 + ((r.id / 7) % 8)::int]
         when r.rejection_reason = 'bad_fit' then (array[
             'Company is far too small for our platform tier.',
             'Agency researching for a client, not a buyer.',
             'Student writing a thesis on sales and marketing alignment.',
             'Industry we do not serve (no integration for their CRM).',
             'Two-person startup; the free tool covers them for now.',
             'Public body with a tender process we cannot enter this year.'])[1 + ((r.id / 7) % 6)::int]
         when r.rejection_reason = 'wrong_contact' then (array[
             'Intern downloaded the guide; no influence on the purchase.',
             'Right company, wrong person: pointed me to their RevOps lead.',
             'Contact left the company months ago, email bounces.',
             'Individual contributor in engineering; marketing owns the decision.',
             'Assistant filled the form for the team; could not get past them.'])[1 + ((r.id / 7) % 5)::int]
         when r.rejection_reason = 'duplicate' then (array[
             'Same person already in an open opportunity with the AE team.',
             'Second form fill of a lead I rejected last week.',
             'Already a customer contact; routed to account management.'])[1 + ((r.id / 7) % 3)::int]
         when r.rejection_reason = 'no_budget' then (array[
             'Interested, but no budget until next fiscal year.',
             'Frozen spend after their reorganisation; revisit in two quarters.',
             'Budget went to a CRM migration this year.',
             'Likes the product, cannot justify the cost at their size.'])[1 + ((r.id / 7) % 4)::int]
         when r.rejection_reason = 'no_response' then (array[
             'Five touches over two weeks, no answer on any channel.',
             'Phone number invalid and no reply to emails.',
             'Out-of-office for a month, then silence.',
             'Opened every email, answered none.'])[1 + ((r.id / 7) % 4)::int]
         when r.rejection_reason = 'not_interested' then (array[
             'Only wanted the report, no project planned.',
             'Happy with their current tool, contract runs two more years.',
             'Signed up for the webinar speaker, not the product.',
             'Said our category is not a priority this year.'])[1 + ((r.id / 7) % 4)::int]
         else 'Lead did not match what the form said (job title and company size were wrong).'
       end,
       least(cast(:now_at as timestamptz), r.decided_at + make_interval(hours => 1 + (r.id % 30)::int)),
       least(cast(:now_at as timestamptz), r.decided_at + make_interval(hours => 1 + (r.id % 30)::int))
  from rated r
  left join app_user u on u.rep_id = r.rep_id
on conflict do nothing

-- name: seed_campaign_feedback
-- Campaign-level insights for the campaigns whose leads sales accepted least (and two it accepted
-- most) over the last :days days, from the rep who decided most of their hand-offs.
with recent as (
    select l.campaign_id, coalesce(h.decided_by_rep_id, h.owner_id) as rep_id, h.decision, h.decided_at
      from handoff h
      join lead l on l.id = h.lead_id
     where l.campaign_id is not null and h.decision is not null
       and h.decided_at >= cast(:now_at as timestamptz) - make_interval(days => :days)
       and h.decided_at < :now_at
),
per_campaign as (
    select campaign_id, count(*) as decided, avg((decision = 'accepted')::int) as acceptance,
           max(decided_at) as last_decided_at,
           mode() within group (order by rep_id) as rep_id
      from recent
     group by campaign_id
    having count(*) >= :min_handoffs
),
ranked as (
    select p.*, row_number() over (order by acceptance, campaign_id) as worst,
           row_number() over (order by acceptance desc, campaign_id) as best
      from per_campaign p
)
insert into lead_feedback (campaign_id, rep_id, author_user_id, quality, insight, created_at, updated_at)
select r.campaign_id, r.rep_id, u.id,
       case when r.worst <= 5 then 2 else 5 end,
       case when r.worst <= 5 then (array[
                'Most leads from this campaign are students or consultants doing research: no project behind the form.',
                'Lots of companies under 50 employees; they cannot afford the tier we sell.',
                'Leads do not remember signing up: the offer was too broad.',
                'Job titles are mostly entry level; we need managers and up.',
                'Half the phone numbers are invalid; the form accepts anything.'])[r.worst]
            else (array[
                'Attendees came with a concrete rollout in mind. More of these, please.',
                'Decision makers, and the content pre-qualified them: best leads this quarter.'])[r.best]
       end,
       least(cast(:now_at as timestamptz), r.last_decided_at + interval '1 day'),
       least(cast(:now_at as timestamptz), r.last_decided_at + interval '1 day')
  from ranked r
  left join app_user u on u.rep_id = r.rep_id
 where r.worst <= 5 or r.best <= 2

-- name: seed_replies
-- Marketing answers: what it changed for the three worst-rated campaigns, for paid social as a
-- source, and on the three most recent poor lead ratings.
with worst_campaigns as (
    select f.id as feedback_id, f.created_at, row_number() over (order by f.quality, f.created_at desc, f.id) as n
      from lead_feedback f
     where f.campaign_id is not null and f.quality <= 2
),
poor_leads as (
    select f.id as feedback_id, f.created_at, row_number() over (order by f.created_at desc, f.id) as n
      from lead_feedback f
     where f.lead_id is not null and f.quality = 1
)
insert into feedback_reply (feedback_id, campaign_id, source, body, author_user_id, author_rep_id, created_at)
select w.feedback_id, null::integer, null::text, (array[
           'We added a required company-size question to the form and stopped routing under-50s to SDRs.',
           'We narrowed the audience to director and above and rewrote the offer around a concrete use case.',
           'Phone is now validated on the form and we dropped the broad "free guide" ad set.'])[w.n],
       cast(:marketer_user_id as integer), cast(:marketer_rep_id as integer),
       least(cast(:now_at as timestamptz), w.created_at + interval '2 days')
  from worst_campaigns w
 where w.n <= 3
union all
select null::bigint, null::integer, 'paid_social',
       'We paused lookalike audiences on paid social and added a work-email check. Tell us if quality moves.',
       cast(:lead_user_id as integer), cast(:lead_rep_id as integer),
       cast(:now_at as timestamptz) - interval '10 days'
union all
select p.feedback_id, null::integer, null::text, (array[
           'Thanks: this came through an old nurture flow, which we have now switched off.',
           'Fixed: the lead-scoring rule double-counted content downloads.',
           'Agreed. We now exclude .edu addresses from MQL routing.'])[p.n],
       cast(:marketer_user_id as integer), cast(:marketer_rep_id as integer),
       least(cast(:now_at as timestamptz), p.created_at + interval '1 day')
  from poor_leads p
 where p.n <= 3
