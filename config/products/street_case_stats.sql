-- Cases (after the merge: one incident told on several channels is one case) by community,
-- category and month: volume, on-time closure, satisfaction, transfers, reopened cases.
-- A case is counted where its lead record puts it: the first of its records that was
-- dispatched to a department (a work order), else its first record (a Weibo post alone);
-- category, community, month, deadline, closure, satisfaction and transfers are the lead's.
-- Reopened (重复诉求): a record of the case came in after another of its records had been
-- closed, i.e. the resident came back after being told it was done.
-- One row for every community of the district × every category and month that has cases
-- anywhere in it (0 where none), so a blank count says nothing about whether there were cases.
-- The rate per 10,000 residents divides by the community's population rounded to
-- $population_rounding: an exact base would give the exact population back (rate × cases).
WITH residents AS (
    SELECT community_code,
           nullif(round(count(*) / $population_rounding) * $population_rounding, 0) AS base
    FROM lake.protected.population
    GROUP BY community_code
), records AS (
    SELECT m.case_id, k.*
    FROM lake.protected.cases k
    JOIN lake.protected.cases_merged m ON m._source = k._source AND m.case_no = k.case_no
), leads AS (
    SELECT *
    FROM records
    QUALIFY row_number() OVER (
        PARTITION BY case_id ORDER BY department IS NULL, received_at, _source, case_no) = 1
), reopened AS (
    SELECT DISTINCT later.case_id
    FROM records later
    JOIN records earlier
      ON earlier.case_id = later.case_id AND earlier.closed_at < later.received_at
), monthly AS (
    SELECT k.community_code, k.category, strftime(k.received_at, '%Y-%m') AS month,
           count(*) AS cases,
           count(k.closed_at) AS closed,
           count(*) FILTER (WHERE k.closed_at IS NOT NULL
                              AND (k.deadline IS NULL OR k.closed_at::DATE <= k.deadline))
               AS closed_on_time,
           count(*) FILTER (WHERE k.satisfaction IN ('满意', '基本满意')) AS satisfied,
           count(k.satisfaction) AS rated,
           avg(k.transfers) AS transfers,
           count(r.case_id) AS reopened
    FROM leads k
    LEFT JOIN reopened r ON r.case_id = k.case_id
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
       coalesce(n.reopened, 0) AS reopened,
       round(coalesce(n.cases, 0) * 10000.0 / r.base, 2) AS cases_per_10k_residents
FROM cells x
LEFT JOIN monthly n
       ON n.community_code = x.community_code AND n.category = x.category AND n.month = x.month
LEFT JOIN residents r ON r.community_code = x.community_code
ORDER BY ALL
