-- Topics of each street week by week over the last $weeks weeks: categories, and words of
-- the redacted descriptions (topic_words: see products/topic_words.py for what can never be
-- a word). Week k (0 the latest) is the 7 days $today - 7k - 6 … $today - 7k; the week
-- before the oldest is read too, as the oldest's previous week. A count is of cases (an
-- incident told on several channels is one, lake.protected.cases_merged). A word is a topic
-- of a street only if, over the whole window read, it occurs in at least $min_word_cases
-- distinct cases from as many distinct reporters there (a reporter known by phone or handle
-- token, else the case itself): no single complaint's, or single complainer's, words
-- surface. A week's count below the threshold is then blanked by the contract's
-- suppression, so a word that passes on the window's cases shows no small week.
WITH recent AS (
    SELECT k.street_code, k.category, k.description, m.case_id,
           coalesce(k.reporter_phone_token, k.reporter_handle_token, m.case_id) AS reporter,
           date_diff('day', k.received_at::DATE, $today::DATE) // 7 AS week
    FROM lake.protected.cases k
    JOIN lake.protected.cases_merged m ON m._source = k._source AND m.case_no = k.case_no
    WHERE k.received_at::DATE <= $today::DATE
      AND date_diff('day', k.received_at::DATE, $today::DATE) < 7 * ($weeks + 1)
), mentions AS (
    SELECT street_code, '类别' AS topic_kind, category AS topic, case_id, reporter, week
    FROM recent
    WHERE category IS NOT NULL
    UNION ALL
    SELECT street_code, '关键词', unnest(topic_words(description)), case_id, reporter, week
    FROM recent
), weekly AS (
    SELECT street_code, topic_kind, topic, week, count(DISTINCT case_id) AS cases
    FROM mentions
    GROUP BY ALL
), cells AS (
    -- Every category the cases have ever had, in every street (0 where none); words only
    -- where they are a topic over the window.
    SELECT DISTINCT c.street_code, '类别' AS topic_kind, k.category AS topic
    FROM communities c
    CROSS JOIN (SELECT DISTINCT category FROM lake.protected.cases) k
    WHERE k.category IS NOT NULL
    UNION
    SELECT street_code, topic_kind, topic
    FROM mentions
    WHERE topic_kind = '关键词'
    GROUP BY ALL
    HAVING count(DISTINCT case_id) >= $min_word_cases
       AND count(DISTINCT reporter) >= $min_word_cases
), series AS (
    -- Every cell in every week, the week before the oldest included (0 where none).
    SELECT x.street_code, x.topic_kind, x.topic, w.week, coalesce(t.cases, 0) AS cases,
           lead(coalesce(t.cases, 0)) OVER (
               PARTITION BY x.street_code, x.topic_kind, x.topic ORDER BY w.week
           ) AS cases_previous_week
    FROM cells x
    CROSS JOIN (SELECT range AS week FROM range(0, $weeks + 1)) w
    LEFT JOIN weekly t
           ON t.street_code = x.street_code AND t.topic_kind = x.topic_kind
          AND t.topic = x.topic AND t.week = w.week
), levels AS (
    -- The count at or above which a week is rising: at least min_cases, and growth_ratio
    -- times the previous week, a previous week below the suppression threshold counting as
    -- the threshold (a rise then says nothing about a blank count). Cases are whole, so
    -- "at least the ceiling" is "at least growth_ratio times".
    SELECT *,
           greatest($min_cases,
                    ceil($growth_ratio * greatest(cases_previous_week, $threshold)))::INTEGER
               AS alert_level
    FROM series
    WHERE week < $weeks
)
SELECT street_code, topic_kind, topic,
       ($today::DATE - (7 * week + 6)::INTEGER) AS week_start,
       ($today::DATE - (7 * week)::INTEGER) AS week_end,
       cases,
       cases_previous_week,
       round(cases / nullif(cases_previous_week, 0), 2) AS growth,
       alert_level,
       cases >= alert_level AS rising
FROM levels
ORDER BY street_code, topic_kind, topic, week_start
