-- Files kept in the database (storage::database): the default only on PostgreSQL, where
-- instances share it; on SQLite they live in the data dir unless TLJ_FILE_STORAGE=database.
-- Same tables as migrations/postgres/0025_stored_files.sql, chunks of 256 KiB.
CREATE TABLE stored_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (bucket, name)
);

CREATE TABLE stored_file_chunks (
    file_id INTEGER NOT NULL REFERENCES stored_files (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (file_id, seq)
);
