-- Which departments co-handle which categories: pairs of departments that handled the same
-- case. A case is one incident however many channels told it (lake.protected.cases_merged);
-- the departments that handled it are those its channel records name and every department
-- of their hand-overs (either side). Its category is its earliest record's. One row for
-- every pair of departments seen × every category (0 where none), department_a < department_b.
WITH records AS (
    SELECT m.case_id, k._source AS case_source, k.case_no, k.category, k.received_at,
           k.department
    FROM lake.protected.cases k
    JOIN lake.protected.cases_merged m ON m._source = k._source AND m.case_no = k.case_no
), case_category AS (
    SELECT case_id,
           arg_min(category, (received_at, case_source, case_no)) AS category
    FROM records
    GROUP BY case_id
), touched AS (
    SELECT case_id, department FROM records WHERE department IS NOT NULL
    UNION
    SELECT r.case_id, t.from_department
    FROM lake.protected.case_transfers t
    JOIN records r ON r.case_source = t.case_source AND r.case_no = t.case_no
    UNION
    SELECT r.case_id, t.to_department
    FROM lake.protected.case_transfers t
    JOIN records r ON r.case_source = t.case_source AND r.case_no = t.case_no
), shared AS (
    SELECT a.department AS department_a, b.department AS department_b, c.category,
           count(*) AS shared_cases
    FROM touched a
    JOIN touched b ON b.case_id = a.case_id AND a.department < b.department
    JOIN case_category c ON c.case_id = a.case_id
    GROUP BY ALL
), handed AS (
    -- Hand-overs between the two, either way, on orders of the category.
    SELECT least(t.from_department, t.to_department) AS department_a,
           greatest(t.from_department, t.to_department) AS department_b,
           c.category, count(*) AS transfers_between
    FROM lake.protected.case_transfers t
    JOIN records r ON r.case_source = t.case_source AND r.case_no = t.case_no
    JOIN case_category c ON c.case_id = r.case_id
    WHERE t.from_department <> t.to_department
    GROUP BY ALL
), departments AS (
    SELECT DISTINCT department FROM touched
), cells AS (
    SELECT a.department AS department_a, b.department AS department_b, g.category
    FROM departments a
    JOIN departments b ON a.department < b.department
    CROSS JOIN (SELECT DISTINCT category FROM case_category WHERE category IS NOT NULL) g
)
SELECT x.department_a, x.department_b, x.category,
       coalesce(s.shared_cases, 0) AS shared_cases,
       coalesce(h.transfers_between, 0) AS transfers_between
FROM cells x
LEFT JOIN shared s
       ON s.department_a = x.department_a AND s.department_b = x.department_b
      AND s.category = x.category
LEFT JOIN handed h
       ON h.department_a = x.department_a AND h.department_b = x.department_b
      AND h.category = x.category
ORDER BY ALL
