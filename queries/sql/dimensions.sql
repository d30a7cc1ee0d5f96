-- Lookup lists for filters and pickers.

-- name: dim_channels
select code, label, is_marketing from channel order by sort_order, label

-- name: dim_campaigns
select c.id, c.name, c.channel_code, ch.label as channel, c.start_date, c.end_date, c.spend
  from campaign c
  join channel ch on ch.code = c.channel_code
 order by c.start_date desc, c.name

-- name: dim_segments
select distinct industry, country, region from account order by industry, country

-- name: data_start
-- The first moment the data knows of: the earliest lead or opportunity (null: no data yet).
-- Both read one end of an index on created_at.
select least((select min(created_at) from lead), (select min(created_at) from opportunity)) as first_at
