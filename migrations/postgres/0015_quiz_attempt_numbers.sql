-- Each attempt of a learner on a quiz has its number (1, 2, …), unique per learner and quiz: two
-- submissions sent at once cannot both take the last allowed attempt (quizzes::queries::
-- record_attempt takes the next number and stores it only while it is within the limit).
ALTER TABLE quiz_attempts ADD COLUMN attempt_no INTEGER NOT NULL DEFAULT 0;
UPDATE quiz_attempts SET attempt_no = (
    SELECT COUNT(*) FROM quiz_attempts b
    WHERE b.user_id = quiz_attempts.user_id AND b.quiz_id = quiz_attempts.quiz_id
      AND b.id <= quiz_attempts.id
);
CREATE UNIQUE INDEX quiz_attempts_number ON quiz_attempts (user_id, quiz_id, attempt_no);
