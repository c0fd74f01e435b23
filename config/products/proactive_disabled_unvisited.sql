-- Disabled residents on civil affairs' disability roll (残疾人两项补贴) with no home visit
-- recorded by the street offices in the $window_days days up to $today: no visit on or
-- after $today - $window_days. One row per person, with the last visit before that if any;
-- name and phone (from the roll) stay sealed in the product.
WITH last_visit AS (
    SELECT resident_id_token, max(visited_on) AS visited_on
    FROM lake.protected.visits
    WHERE visited_on <= $today::DATE
    GROUP BY resident_id_token
)
SELECT d.street_code, d.community_code, c.name AS community_name,
       d.id_number_token AS person_token,
       d.name_sealed AS name,
       d.phone_sealed AS phone,
       d.disability_grade,
       v.visited_on AS last_visited_on
FROM lake.protected.assistance d
JOIN communities c ON c.code = d.community_code
LEFT JOIN last_visit v ON v.resident_id_token = d.id_number_token
WHERE d.category = '残疾人两项补贴'
  AND (v.visited_on IS NULL OR v.visited_on < $today::DATE - $window_days::INTEGER)
ORDER BY d.street_code, d.community_code, last_visited_on NULLS FIRST, person_token
