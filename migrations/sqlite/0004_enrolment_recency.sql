-- Popularity over the last 30 days (recommendations) reads only recent enrolments.
CREATE INDEX enrolments_created ON enrolments (created_at, course_id);
