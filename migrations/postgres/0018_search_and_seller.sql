-- Catalogue search that ignores accents and case (`courses::search`): `courses.search_text`
-- holds the words of the course's title, summary and category name normalised by the
-- application (lower case, accents transliterated by `deunicode`, words separated by one
-- space). SQL cannot call that normaliser, so the column starts NULL and the catalogue fills
-- every NULL row before it searches (`courses::queries::refresh_search_text`, one indexed read
-- that finds nothing in the steady state). The triggers put a course back to NULL whenever
-- what it is made of changes, whoever writes it (teach, admin, a category rename, plain SQL).
ALTER TABLE courses ADD COLUMN search_text TEXT;
CREATE INDEX courses_search_text_missing ON courses (id) WHERE search_text IS NULL;

CREATE FUNCTION courses_search_text_stale() RETURNS trigger AS $$
BEGIN
    NEW.search_text := NULL;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER courses_search_text_stale BEFORE UPDATE OF title, summary, category_id
    ON courses FOR EACH ROW EXECUTE FUNCTION courses_search_text_stale();

CREATE FUNCTION categories_search_text_stale() RETURNS trigger AS $$
BEGIN
    UPDATE courses SET search_text = NULL WHERE category_id = NEW.id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER categories_search_text_stale AFTER UPDATE OF name
    ON categories FOR EACH ROW EXECUTE FUNCTION categories_search_text_stale();

-- Who sells, as receipts name them (one row, set by an admin under /admin/payments/seller).
CREATE TABLE payment_seller (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    rccm TEXT NOT NULL DEFAULT '',
    id_nat TEXT NOT NULL DEFAULT '',
    nif TEXT NOT NULL DEFAULT '',
    updated_by BIGINT REFERENCES users (id),
    updated_at TEXT NOT NULL
);
