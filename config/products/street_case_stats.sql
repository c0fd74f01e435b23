-- Case volume, on-time closure, satisfaction and transfers by community, category and month.
-- One row for every community of the district × every category and month that has cases
-- anywhere in it (0 where none), so a blank count says nothing about whether there were cases.
-- The rate per 10,000 residents divides by the community's population rounded to
-- $population_rounding: an exact base would give the exact population back (rate × cases).
WITH residents AS (
    SELECT community_code,
           nullif(round(count(*) / $population_rounding) * $population_rounding, 0) AS base
    FROM lake.protected.population
    GROUP BY community_code
), monthly AS (
    SELECT k.community_code, k.category, strftime(k.received_at, '%Y-%m') AS month,
           count(*) AS cases,
           count(k.closed_at) AS closed,
           count(*) FILTER (WHERE k.closed_at IS NOT NULL
                              AND (k.deadline IS NULL OR k.closed_at::DATE <= k.deadline))
               AS closed_on_time,
           count(*) FILTER (WHERE k.satisfaction IN ('满意', '基本满意')) AS satisfied,
           count(k.satisfaction) AS rated,
           avg(k.transfers) AS transfers
    FROM lake.protected.cases k
    GROUP BY ALL
), cells AS (
    SELECT c.street_code, c.code AS community_code, c.name AS community_name, g.category,
           m.month
    FROM communities c
    CROSS JOIN (SELECT DISTINCT category FROM monthly) g
    CROSS JOIN (SELECT DISTINCT month FROM monthly) m
)
SELECT x.street_code, x.community_code, x.community_name, x.category, x.month,
       coalesce(n.cases, 0) AS cases,
       coalesce(n.closed, 0) AS closed,
       coalesce(n.closed_on_time, 0) AS closed_on_time,
       round(n.closed_on_time / nullif(n.closed, 0), 4) AS on_time_rate,
       round(n.satisfied / nullif(n.rated, 0), 4) AS satisfaction_rate,
       round(n.transfers, 2) AS avg_transfers,
       round(coalesce(n.cases, 0) * 10000.0 / r.base, 2) AS cases_per_10k_residents
FROM cells x
LEFT JOIN monthly n
       ON n.community_code = x.community_code AND n.category = x.category AND n.month = x.month
LEFT JOIN residents r ON r.community_code = x.community_code
ORDER BY ALL
