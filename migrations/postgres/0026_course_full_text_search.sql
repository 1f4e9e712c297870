-- Full-text search of the catalogue (`courses::search`, issue 22): a `tsvector` generated from
-- `courses.search_text` (the words the application normalised, see 0018) with a GIN index, so
-- a search reads the index instead of scanning every course with LIKE. The `simple`
-- configuration: the text is already lower-case and accent-free, and the same words and
-- prefixes as SQLite's FTS5 then match (no stemming on one engine only). The column follows
-- `search_text` whoever writes it; adding it fills the existing rows.
ALTER TABLE courses ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', COALESCE(search_text, ''))) STORED;
CREATE INDEX courses_search_vector ON courses USING GIN (search_vector);

-- The distinct words ever indexed, for the typo-tolerant pass: it compares the query with
-- these words, never with every course (`ts_stat` would read every row). Words of courses
-- since edited or deleted stay: they only add a candidate the index then finds in no course.
CREATE TABLE course_search_words (word TEXT PRIMARY KEY);

INSERT INTO course_search_words (word)
    SELECT DISTINCT w FROM courses, unnest(tsvector_to_array(search_vector)) AS w
    ON CONFLICT DO NOTHING;

CREATE FUNCTION course_search_words_add() RETURNS trigger AS $$
BEGIN
    INSERT INTO course_search_words (word)
        SELECT unnest(tsvector_to_array(NEW.search_vector))
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER course_search_words_add AFTER INSERT OR UPDATE OF search_text
    ON courses FOR EACH ROW WHEN (NEW.search_text IS NOT NULL)
    EXECUTE FUNCTION course_search_words_add();
