-- Residents by community, grid cell, age band, sex and registration type.
-- One row for every grid cell of the district × age band × sex × registration type,
-- with 0 where nobody is: listing the empty cells means a blank count says nothing about
-- whether anyone is there (suppression: empty_cells_listed). Ages are counted on $today.
WITH people AS (
    SELECT community_code, grid_code, sex, reg_type,
           date_diff('year', birth_date, $today::DATE)
             - CASE WHEN strftime($today::DATE, '%m%d') < strftime(birth_date, '%m%d')
                    THEN 1 ELSE 0 END AS age
    FROM lake.protected.population
), counted AS (
    SELECT community_code, grid_code, sex, reg_type,
           CASE WHEN age < 15 THEN '00-14'
                WHEN age < 35 THEN '15-34'
                WHEN age < 60 THEN '35-59'
                WHEN age < 80 THEN '60-79'
                ELSE '80+' END AS age_band,
           count(*) AS residents
    FROM people
    GROUP BY ALL
), cells AS (
    SELECT community_code, grid_code FROM grids
    UNION
    SELECT community_code, grid_code FROM counted
)
SELECT c.street_code, x.community_code, c.name AS community_name, x.grid_code, b.age_band,
       s.sex, r.reg_type, coalesce(n.residents, 0) AS residents
FROM cells x
JOIN communities c ON c.code = x.community_code
CROSS JOIN (VALUES ('00-14'), ('15-34'), ('35-59'), ('60-79'), ('80+')) b(age_band)
CROSS JOIN (VALUES ('男'), ('女')) s(sex)
CROSS JOIN (VALUES ('户籍'), ('流动')) r(reg_type)
LEFT JOIN counted n
       ON n.community_code = x.community_code
      AND n.grid_code IS NOT DISTINCT FROM x.grid_code
      AND n.age_band = b.age_band AND n.sex = s.sex AND n.reg_type = r.reg_type
ORDER BY ALL
