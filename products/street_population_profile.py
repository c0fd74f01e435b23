"""Residents by community, grid, age band, sex and registration type."""

# Age is computed at the build date ($1); counts below the contract's small-count
# threshold ($2) are suppressed to NULL so no small group can be singled out.
SQL = """
WITH people AS (
    SELECT street_code, community_code, grid_code, sex, reg_type,
           date_diff('year', birth_date, $1::DATE)
             - CASE WHEN strftime($1::DATE, '%m%d') < strftime(birth_date, '%m%d')
                    THEN 1 ELSE 0 END AS age
    FROM lake.protected.population
), banded AS (
    SELECT *, CASE WHEN age < 15 THEN '00-14'
                   WHEN age < 35 THEN '15-34'
                   WHEN age < 60 THEN '35-59'
                   WHEN age < 80 THEN '60-79'
                   ELSE '80+' END AS age_band
    FROM people
)
SELECT b.street_code, b.community_code, c.name AS community_name, b.grid_code, b.age_band,
       b.sex, b.reg_type,
       CASE WHEN count(*) < $2 THEN NULL ELSE count(*) END AS residents
FROM banded b JOIN communities c ON c.code = b.community_code
GROUP BY ALL
ORDER BY ALL
"""
