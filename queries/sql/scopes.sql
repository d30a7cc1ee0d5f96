-- Fragments shared by the metric queries: which rows a set of filters selects, and how rows are
-- grouped. Included with {{ _name }}; every value is a bound parameter.
--
-- Every metric query takes the same filter parameters (see queries/filters.py):
--   :team_ids, :owner_ids (integer[]), :sources (text[]), :campaign_ids (integer[]),
--   :industries, :countries (text[]), :tiers (integer[])   -- empty array = no restriction
-- and the grouping parameters:
--   :grain  'none' | 'day' | 'week' | 'month' | 'quarter' | 'year'  (bucket in company time zone :tz)
--   :bucket_starts (timestamptz[]), :bucket_dates (date[])  -- Period.buckets(grain): the first
--       instant of each bucket and the local date naming it. A row's bucket is
--       (:bucket_dates)[width_bucket(ts, :bucket_starts)], PostgreSQL's
--       date_trunc(:grain, ts at time zone :tz)::date for instants in the period, found by a
--       binary search instead of a time-zone conversion per row (a year's trend by month reads
--       ~290k hand-offs). Each query keeps `case when :grain = 'none' then null ...` around it:
--       the planner folds that to a constant, so a total neither computes nor groups a bucket
--       per row (without it, quarter totals took 1.5-2.5x as long).
--   :dim    'total' | 'source' | 'campaign' | 'industry' | 'country' | 'region' | 'tier' | 'owner' | 'team'
--
-- Why every join in the scopes is a LEFT JOIN on a key: the keys joined on are NOT NULL foreign
-- keys (or copies of them, migration 0008), so a left join returns exactly what an inner join
-- would. But PostgreSQL removes a left join to a unique key whose columns the query does not use,
-- and the bound :dim and filter values are folded into the plan: an unfiltered total reads only
-- the fact table, a tier filter adds only the account join. At 1M leads that is most of a query.

-- name: _segment_filters
-- Source, campaign and account-segment filters. Expects aliases l (lead) and a (account).
    (cardinality(cast(:sources as text[])) = 0 or l.source = any(cast(:sources as text[])))
and (cardinality(cast(:campaign_ids as integer[])) = 0 or l.campaign_id = any(cast(:campaign_ids as integer[])))
and (cardinality(cast(:industries as text[])) = 0 or a.industry = any(cast(:industries as text[])))
and (cardinality(cast(:countries as text[])) = 0 or a.country = any(cast(:countries as text[])))
and (cardinality(cast(:tiers as integer[])) = 0 or a.tier = any(cast(:tiers as integer[])))

-- name: _no_segment_filters
-- True when no source, campaign or segment filter is set (bound values: folded when planned).
    cardinality(cast(:sources as text[])) = 0 and cardinality(cast(:campaign_ids as integer[])) = 0
and cardinality(cast(:industries as text[])) = 0 and cardinality(cast(:countries as text[])) = 0
and cardinality(cast(:tiers as integer[])) = 0

-- name: _no_filters
-- True when no filter at all is set (bound values: folded when the query is planned).
    {{ _no_segment_filters }}
and cardinality(cast(:owner_ids as integer[])) = 0 and cardinality(cast(:team_ids as integer[])) = 0

-- name: _owner_filters
-- Owner and team filters on the rep responsible for the fact (alias r).
    (cardinality(cast(:owner_ids as integer[])) = 0 or r.id = any(cast(:owner_ids as integer[])))
and (cardinality(cast(:team_ids as integer[])) = 0 or r.team_id = any(cast(:team_ids as integer[])))

-- name: _dim_key
-- The group key for :dim. Expects aliases l, a, r (responsible rep).
case :dim
    when 'total' then 'total'
    when 'source' then coalesce(l.source, 'none')
    when 'campaign' then coalesce(l.campaign_id::text, 'none')
    when 'industry' then a.industry
    when 'country' then a.country
    when 'region' then a.region
    when 'tier' then a.tier::text
    when 'owner' then coalesce(r.id::text, 'none')
    when 'team' then coalesce(r.team_id::text, 'none')
end

-- name: _dim_label
-- A readable label for the group key. Expects aliases l, a, r, t (team), c (campaign), ch (channel).
case :dim
    when 'total' then 'Total'
    when 'source' then coalesce(ch.label, 'No lead (sales-created)')
    when 'campaign' then coalesce(c.name, 'No campaign')
    when 'industry' then a.industry
    when 'country' then a.country
    when 'region' then a.region
    when 'tier' then 'Tier ' || a.tier
    when 'owner' then coalesce(r.full_name, 'Unassigned')
    when 'team' then coalesce(t.name, 'No team')
end

-- name: _handoff_scope
-- Hand-offs with their lead, account and owner attributes, restricted by the filters.
-- The responsible rep (owner_id, the owner filters and the owner and team dimensions) is chosen by
-- :owner_basis (migration 0019): 'first_touch' = the owner at the first touch or the SLA deadline
-- (sla_owner_id), 'decision' = the owner at the decision or its due time (decision_owner_id),
-- 'current' = the owner now. The bound value is folded when the query is planned. The lead's
-- source, campaign and account are read from the hand-off's own copies (migration 0008), not by
-- joining every lead: alias l is those copies.
select h.id, h.lead_id, o.owner_id, h.handed_off_at, h.sla_deadline_at, h.decision_due_at,
       h.decision, h.decided_at, h.rejection_reason, h.recycled_at,
       h.first_touch_at, h.minutes_to_first_touch,
       {{ _dim_key }} as dim_key,
       {{ _dim_label }} as dim_label
  from handoff h
  cross join lateral (select h.source, h.campaign_id, h.account_id) l
  cross join lateral (select case cast(:owner_basis as text) when 'first_touch' then h.sla_owner_id
                                                             when 'decision' then h.decision_owner_id
                                                             else h.owner_id end as owner_id) o
  left join account a on a.id = h.account_id
  left join rep r on r.id = o.owner_id
  left join team t on t.id = r.team_id
  left join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
 where {{ _segment_filters }}
   and {{ _owner_filters }}

-- name: _lead_scope
-- Leads with account attributes, restricted by the filters. Owner/team filters match the lead's
-- owning marketer or the owner of any of its hand-offs; the 'owner' dimension is the marketer.
select l.id, l.created_at, l.mql_at, l.sal_at, l.sql_at, l.won_at, l.source, l.campaign_id,
       {{ _dim_key }} as dim_key,
       {{ _dim_label }} as dim_label
  from lead l
  left join account a on a.id = l.account_id
  left join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
  left join rep r on r.id = l.marketer_id
  left join team t on t.id = r.team_id
 where {{ _segment_filters }}
   and (cardinality(cast(:owner_ids as integer[])) = 0
        or l.marketer_id = any(cast(:owner_ids as integer[]))
        or exists (select 1 from handoff hx
                    where hx.lead_id = l.id and hx.owner_id = any(cast(:owner_ids as integer[]))))
   and (cardinality(cast(:team_ids as integer[])) = 0
        or r.team_id = any(cast(:team_ids as integer[]))
        or exists (select 1 from handoff hx join rep rx on rx.id = hx.owner_id
                    where hx.lead_id = l.id and rx.team_id = any(cast(:team_ids as integer[]))))

-- name: _opportunity_scope
-- Opportunities with account, owner and originating-lead attributes, restricted by the filters.
-- marketing_sourced: the originating lead's first-touch channel is a marketing channel.
-- Opportunities without a lead have no source and are never marketing-sourced. The lead's source
-- and campaign are read from the opportunity's own copies (migration 0010), not by joining every
-- lead: alias l is those copies.
select o.id, o.lead_id, o.owner_id, o.amount, o.created_at, o.expected_close_date, o.stage, o.closed_at,
       coalesce(ch.is_marketing, false) as marketing_sourced,
       {{ _dim_key }} as dim_key,
       {{ _dim_label }} as dim_label
  from opportunity o
  cross join lateral (select o.source, o.campaign_id) l
  left join account a on a.id = o.account_id
  left join rep r on r.id = o.owner_id
  left join team t on t.id = r.team_id
  left join channel ch on ch.code = l.source
  left join campaign c on c.id = l.campaign_id
 where {{ _segment_filters }}
   and {{ _owner_filters }}
