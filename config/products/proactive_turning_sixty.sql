-- Residents of the registry who turn 60 in the calendar month after $today's month,
-- so that the street can offer the elderly benefits they become entitled to before
-- they ask (未诉先办). One row per person; name and phone stay sealed in the product.
SELECT p.street_code, p.community_code, c.name AS community_name,
       p.id_number_token AS person_token,
       p.name_sealed AS name,
       p.phone_sealed AS phone,
       p.reg_type,
       (p.birth_date + INTERVAL 60 YEAR)::DATE AS turns_60_on
FROM lake.protected.population p
JOIN communities c ON c.code = p.community_code
WHERE date_trunc('month', p.birth_date + INTERVAL 60 YEAR)
      = date_trunc('month', $today::DATE + INTERVAL 1 MONTH)
ORDER BY p.street_code, p.community_code, turns_60_on, person_token
