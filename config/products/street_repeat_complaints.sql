-- Places complained about again and again: every address (by its token: spellings of one
-- place fold to one token) named by at least $min_cases cases received in the
-- $window_days days up to $today, with what they were about. Cases after the merge: one
-- incident told on three channels is one case, not a repeat. A case counts at the address
-- its lead record states (the first work order: the address a department was sent to),
-- in its category, on its day; a post no department took (Weibo alone: its place only
-- guessed from the text) is not counted. No plaintext address: the token and the
-- community it lies in (the community most of its cases name).
WITH records AS (
    SELECT m.case_id, k.*
    FROM lake.protected.cases k
    JOIN lake.protected.cases_merged m ON m._source = k._source AND m.case_no = k.case_no
), leads AS (
    SELECT *
    FROM records
    QUALIFY row_number() OVER (
        PARTITION BY case_id ORDER BY department IS NULL, received_at, _source, case_no) = 1
), cases_at AS (
    -- a case at the address its lead states, received in the window
    SELECT location_token AS address_token, case_id, received_at, category, community_code
    FROM leads
    WHERE location_token IS NOT NULL
      AND department IS NOT NULL
      AND received_at::DATE > $today::DATE - $window_days::INTEGER
      AND received_at::DATE <= $today::DATE
), repeated AS (
    SELECT address_token,
           count(*) AS cases,
           min(received_at)::DATE AS first_received_on,
           max(received_at)::DATE AS last_received_on,
           mode(community_code ORDER BY community_code) AS community_code
    FROM cases_at
    GROUP BY address_token
    HAVING count(*) >= $min_cases
), about AS (
    SELECT address_token, category, count(*) AS n
    FROM cases_at
    GROUP BY ALL
)
SELECT c.street_code, p.community_code, c.name AS community_name, p.address_token,
       p.cases,
       count(DISTINCT a.category) AS categories,
       string_agg(a.category || ' ' || a.n, '、' ORDER BY a.n DESC, a.category) AS about,
       p.first_received_on, p.last_received_on
FROM repeated p
JOIN communities c ON c.code = p.community_code
JOIN about a ON a.address_token = p.address_token
GROUP BY ALL
ORDER BY c.street_code, p.cases DESC, p.last_received_on DESC, p.address_token
