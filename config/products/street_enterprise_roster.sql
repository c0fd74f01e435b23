-- Open businesses (存续/在业) of each street; the legal representative stays sealed
-- (the data room opens it only where a grant's treatment needs it).
SELECT e.uscc, e.name, e.industry, e.status, e.established, e.address,
       e.street_code, e.community_code,
       e.legal_rep_sealed AS legal_rep,
       e.legal_rep_phone_sealed AS legal_rep_phone,
       e.legal_rep_id_token AS legal_rep_token
FROM lake.protected.enterprises e
WHERE e.status IN ('存续', '在业')
ORDER BY e.street_code, e.industry, e.uscc
