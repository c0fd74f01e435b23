-- Residents aged $min_age or more on $today who are the only member of their registered
-- household (a 户籍 household number no one else in the registry shares), with whether
-- civil affairs already has them on its roll of elderly living alone (独居老人).
-- One row per person; name and phone stay sealed in the product.
WITH households AS (
    SELECT household_no_token, count(*) AS members
    FROM lake.protected.population
    WHERE household_no_token IS NOT NULL
    GROUP BY household_no_token
), aged AS (
    SELECT p.*,
           date_diff('year', p.birth_date, $today::DATE)
             - CASE WHEN strftime($today::DATE, '%m%d') < strftime(p.birth_date, '%m%d')
                    THEN 1 ELSE 0 END AS age
    FROM lake.protected.population p
), on_roll AS (
    SELECT DISTINCT id_number_token FROM lake.protected.assistance WHERE category = '独居老人'
)
SELECT a.street_code, a.community_code, c.name AS community_name,
       a.id_number_token AS person_token,
       a.name_sealed AS name,
       a.phone_sealed AS phone,
       a.age,
       r.id_number_token IS NOT NULL AS on_living_alone_roll
FROM aged a
JOIN households h ON h.household_no_token = a.household_no_token AND h.members = 1
JOIN communities c ON c.code = a.community_code
LEFT JOIN on_roll r ON r.id_number_token = a.id_number_token
WHERE a.age >= $min_age
ORDER BY a.street_code, a.community_code, a.age DESC, person_token
