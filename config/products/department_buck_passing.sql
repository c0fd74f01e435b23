-- 推诿指数: how each department passes work orders on, by the street of the case and category.
-- A work order is one channel record (case_source, case_no); its hand-overs are the dispatch
-- log's rows in seq order. The departments that held it: every department that passed it on
-- or received it, and, for an order never handed over, the department its record names. One row for every street × department × category of the
-- district that has orders anywhere (0 where none).
WITH orders AS (
    SELECT k._source AS case_source, k.case_no, k.street_code, k.category, k.received_at,
           k.department
    FROM lake.protected.cases k
), hops AS (
    SELECT t.case_source, t.case_no, t.seq, t.from_department, t.to_department,
           t.transferred_at, t.is_return = '是' AS is_return,
           lag(t.seq) OVER w AS previous_seq,
           lag(t.from_department) OVER w AS previous_from,
           lag(t.transferred_at) OVER w AS previous_at
    FROM lake.protected.case_transfers t
    WINDOW w AS (PARTITION BY t.case_source, t.case_no ORDER BY t.seq)
), passed AS (
    -- One row per hand-over: who passed it, how long they held it (from the hand-over that
    -- gave it to them, or the order's receipt for seq 1; unknown when that row is missing
    -- or the times run backwards), and whether it sent the order straight back (A→B→A).
    SELECT h.*, o.street_code, o.category,
           CASE WHEN h.seq = 1 THEN o.received_at
                WHEN h.previous_seq = h.seq - 1 THEN h.previous_at END AS held_since,
           h.previous_seq = h.seq - 1 AND h.previous_from = h.to_department AS bounced_back
    FROM hops h
    JOIN orders o ON o.case_source = h.case_source AND o.case_no = h.case_no
), held AS (
    SELECT case_source, case_no, street_code, category, from_department AS department
    FROM passed
    UNION
    SELECT case_source, case_no, street_code, category, to_department FROM passed
    UNION
    SELECT o.case_source, o.case_no, o.street_code, o.category, o.department
    FROM orders o
    WHERE o.department IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM passed p
                      WHERE p.case_source = o.case_source AND p.case_no = o.case_no)
), ping_pong AS (
    -- Both departments of an A→B→A bounce took part in it.
    SELECT case_source, case_no, street_code, category, to_department AS department
    FROM passed WHERE bounced_back
    UNION
    SELECT case_source, case_no, street_code, category, from_department
    FROM passed WHERE bounced_back
), per_department AS (
    SELECT street_code, from_department AS department, category,
           count(*) AS transfers_out,
           count(*) FILTER (WHERE is_return) AS returns,
           count(DISTINCT (case_source, case_no)) AS orders_passed_on,
           count(DISTINCT (case_source, case_no)) FILTER (WHERE is_return) AS orders_returned,
           median(date_diff('second', held_since, transferred_at) / 3600.0)
               FILTER (WHERE transferred_at >= held_since) AS median_hours,
           avg(date_diff('second', held_since, transferred_at) / 3600.0)
               FILTER (WHERE transferred_at >= held_since) AS mean_hours
    FROM passed
    GROUP BY ALL
), counts AS (
    SELECT h.street_code, h.department, h.category, count(*) AS orders_held
    FROM held h
    GROUP BY ALL
), bounced AS (
    SELECT street_code, department, category, count(*) AS orders_ping_pong
    FROM ping_pong
    GROUP BY ALL
), cells AS (
    SELECT s.street_code, d.department, g.category
    FROM (SELECT DISTINCT street_code FROM communities) s
    CROSS JOIN (SELECT DISTINCT department FROM counts) d
    CROSS JOIN (SELECT DISTINCT category FROM counts) g
)
SELECT x.street_code, x.department, x.category,
       coalesce(c.orders_held, 0) AS orders_held,
       coalesce(p.transfers_out, 0) AS transfers_out,
       coalesce(p.returns, 0) AS returns,
       coalesce(p.orders_passed_on, 0) AS orders_passed_on,
       coalesce(p.orders_returned, 0) AS orders_returned,
       coalesce(b.orders_ping_pong, 0) AS orders_ping_pong,
       round(p.median_hours, 1) AS median_hours_held,
       round(p.mean_hours, 1) AS mean_hours_held,
       round(100.0 * ($weight_passed_on * coalesce(p.orders_passed_on, 0)
                      + $weight_returned * coalesce(p.orders_returned, 0)
                      + $weight_ping_pong * coalesce(b.orders_ping_pong, 0))
             / nullif(c.orders_held, 0), 1) AS buck_passing_index
FROM cells x
LEFT JOIN counts c
       ON c.street_code = x.street_code AND c.department = x.department
      AND c.category = x.category
LEFT JOIN per_department p
       ON p.street_code = x.street_code AND p.department = x.department
      AND p.category = x.category
LEFT JOIN bounced b
       ON b.street_code = x.street_code AND b.department = x.department
      AND b.category = x.category
ORDER BY ALL
