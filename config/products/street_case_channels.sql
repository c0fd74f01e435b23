-- Work orders (channel records: a case told on three channels is three orders, each
-- dispatched and closed on its own) by street and month, broken down two ways: by intake
-- channel (受理渠道) and by handling department (承办部门). Both breakdowns of a street's
-- month add up to the same total. One row for every street × month with orders × every
-- channel and every department seen anywhere (0 where none), so a blank says nothing about
-- whether there were orders. A record no department took (a Weibo post) is under 未派单.
WITH orders AS (
    SELECT street_code, strftime(received_at, '%Y-%m') AS month, channel,
           coalesce(department, '未派单') AS department, received_at, deadline, closed_at,
           satisfaction
    FROM lake.protected.cases
), split AS (
    SELECT street_code, month, '受理渠道' AS breakdown, channel AS value, deadline, closed_at,
           satisfaction
    FROM orders
    UNION ALL
    SELECT street_code, month, '承办部门', department, deadline, closed_at, satisfaction
    FROM orders
), counted AS (
    SELECT street_code, month, breakdown, value,
           count(*) AS records,
           count(closed_at) AS closed,
           count(*) FILTER (WHERE closed_at IS NOT NULL
                              AND (deadline IS NULL OR closed_at::DATE <= deadline))
               AS closed_on_time,
           count(*) FILTER (WHERE satisfaction IN ('满意', '基本满意')) AS satisfied,
           count(satisfaction) AS rated
    FROM split
    GROUP BY ALL
), cells AS (
    SELECT s.street_code, m.month, v.breakdown, v.value
    FROM (SELECT DISTINCT street_code FROM communities) s
    CROSS JOIN (SELECT DISTINCT month FROM counted) m
    CROSS JOIN (SELECT DISTINCT breakdown, value FROM counted) v
)
SELECT x.street_code, x.month, x.breakdown, x.value,
       coalesce(n.records, 0) AS records,
       coalesce(n.closed, 0) AS closed,
       coalesce(n.closed_on_time, 0) AS closed_on_time,
       round(n.closed_on_time / nullif(n.closed, 0), 4) AS on_time_rate,
       round(n.satisfied / nullif(n.rated, 0), 4) AS satisfaction_rate
FROM cells x
LEFT JOIN counted n
       ON n.street_code = x.street_code AND n.month = x.month
      AND n.breakdown = x.breakdown AND n.value = x.value
ORDER BY ALL
