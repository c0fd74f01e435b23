"""Case volume, on-time closure, satisfaction and transfers by community and category."""

SQL = """
WITH residents AS (
    SELECT community_code, count(*) AS residents
    FROM lake.protected.population GROUP BY community_code
)
SELECT k.street_code, k.community_code, c.name AS community_name, k.category,
       strftime(k.received_at, '%Y-%m') AS month,
       count(*) AS cases,
       count(k.closed_at) AS closed,
       count(*) FILTER (WHERE k.closed_at IS NOT NULL
                          AND (k.deadline IS NULL OR k.closed_at::DATE <= k.deadline))
           AS closed_on_time,
       round(closed_on_time / nullif(closed, 0), 4) AS on_time_rate,
       round(count(*) FILTER (WHERE k.satisfaction IN ('满意', '基本满意'))
             / nullif(count(k.satisfaction), 0), 4) AS satisfaction_rate,
       round(avg(k.transfers), 2) AS avg_transfers,
       round(count(*) * 10000.0 / nullif(any_value(r.residents), 0), 2)
           AS cases_per_10k_residents
FROM lake.protected.cases k
JOIN communities c ON c.code = k.community_code
LEFT JOIN residents r ON r.community_code = k.community_code
GROUP BY k.street_code, k.community_code, c.name, k.category, month
ORDER BY ALL
"""
