-- Full-text search of the catalogue (`courses::search`, issue 22): an FTS5 index over
-- `courses.search_text` (the words the application normalised, see 0018), so a search reads
-- the index instead of scanning every course with LIKE. The triggers follow `search_text`
-- whoever writes it: 0018's triggers set it to NULL when a title, summary or category changes
-- (the course leaves the index) and the catalogue's refresh writes it again (it comes back).
-- Published or not is left to the query's join, so publishing needs no trigger.
CREATE VIRTUAL TABLE courses_fts USING fts5 (search_text);

-- The distinct words of the index, for the typo-tolerant pass: it compares the query with
-- these words, never with every course.
CREATE VIRTUAL TABLE courses_fts_vocab USING fts5vocab (courses_fts, row);

INSERT INTO courses_fts (rowid, search_text)
    SELECT id, search_text FROM courses WHERE search_text IS NOT NULL;

CREATE TRIGGER courses_fts_insert AFTER INSERT ON courses WHEN NEW.search_text IS NOT NULL
BEGIN
    INSERT INTO courses_fts (rowid, search_text) VALUES (NEW.id, NEW.search_text);
END;

CREATE TRIGGER courses_fts_update AFTER UPDATE OF search_text ON courses
BEGIN
    DELETE FROM courses_fts WHERE rowid = OLD.id;
    INSERT INTO courses_fts (rowid, search_text)
        SELECT NEW.id, NEW.search_text WHERE NEW.search_text IS NOT NULL;
END;

CREATE TRIGGER courses_fts_delete AFTER DELETE ON courses
BEGIN
    DELETE FROM courses_fts WHERE rowid = OLD.id;
END;
