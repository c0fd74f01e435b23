-- Topics rising week on week in each street: categories, and words of the redacted
-- descriptions (topic_words: see products/topic_words.py for what can never be a word).
-- The weeks are the 7 days up to $today and the 7 days before. A count is of cases (an
-- incident told on several channels is one, lake.protected.cases_merged). A word is a topic
-- of a street only if, over the two weeks, it occurs in at least $min_word_cases distinct
-- cases from as many distinct reporters there (a reporter known by phone or handle token,
-- else the case itself): no single complaint's, or single complainer's, words surface.
WITH recent AS (
    SELECT k.street_code, k.category, k.description, m.case_id,
           coalesce(k.reporter_phone_token, k.reporter_handle_token, m.case_id) AS reporter,
           date_diff('day', k.received_at::DATE, $today::DATE) < 7 AS this_week
    FROM lake.protected.cases k
    JOIN lake.protected.cases_merged m ON m._source = k._source AND m.case_no = k.case_no
    WHERE k.received_at::DATE <= $today::DATE
      AND k.received_at::DATE > $today::DATE - INTERVAL 14 DAY
), mentions AS (
    SELECT street_code, '类别' AS topic_kind, category AS topic, case_id, reporter, this_week
    FROM recent
    WHERE category IS NOT NULL
    UNION ALL
    SELECT street_code, '关键词', unnest(topic_words(description)), case_id, reporter, this_week
    FROM recent
), topics AS (
    SELECT street_code, topic_kind, topic,
           count(DISTINCT case_id) FILTER (WHERE this_week) AS this_week,
           count(DISTINCT case_id) FILTER (WHERE NOT this_week) AS last_week
    FROM mentions
    GROUP BY ALL
    HAVING topic_kind = '类别'
        OR (count(DISTINCT case_id) >= $min_word_cases
            AND count(DISTINCT reporter) >= $min_word_cases)
), cells AS (
    -- Every category the cases have ever had, in every street (0 where none); words only
    -- where they are a topic.
    SELECT DISTINCT c.street_code, '类别' AS topic_kind, k.category AS topic
    FROM communities c
    CROSS JOIN (SELECT DISTINCT category FROM lake.protected.cases) k
    WHERE k.category IS NOT NULL
    UNION
    SELECT street_code, topic_kind, topic FROM topics WHERE topic_kind = '关键词'
)
SELECT x.street_code, x.topic_kind, x.topic,
       ($today::DATE - INTERVAL 6 DAY)::DATE AS week_start,
       $today::DATE AS week_end,
       coalesce(t.this_week, 0) AS cases_this_week,
       coalesce(t.last_week, 0) AS cases_last_week,
       round(t.this_week / nullif(t.last_week, 0), 2) AS growth,
       -- A last week below the suppression threshold counts as the threshold: whether a
       -- topic rose then says nothing about a count that is blank.
       coalesce(t.this_week, 0) >= $min_cases
           AND coalesce(t.this_week, 0)
               >= $growth_ratio * greatest(coalesce(t.last_week, 0), $threshold) AS rising
FROM cells x
LEFT JOIN topics t
       ON t.street_code = x.street_code AND t.topic_kind = x.topic_kind AND t.topic = x.topic
ORDER BY x.street_code, x.topic_kind, x.topic
