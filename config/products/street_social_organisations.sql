-- Social organisations registered with civil affairs and in good standing (登记状态 正常),
-- rostered by street and community; the legal representative stays sealed (the data room
-- opens it only where a grant's treatment needs it, masked for street offices).
SELECT o.street_code, o.community_code, c.name AS community_name, o.org_type,
       o.credit_code, o.name, o.status, o.registered_on, o.address,
       o.legal_rep_sealed AS legal_rep,
       o.legal_rep_phone_sealed AS legal_rep_phone
FROM lake.protected.social_organisations o
JOIN communities c ON c.code = o.community_code
WHERE o.status = '正常'
ORDER BY o.street_code, o.community_code, o.org_type, o.credit_code
