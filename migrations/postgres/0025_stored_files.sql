-- Uploaded and generated files kept in the database (storage::database), so that every
-- instance behind a load balancer serves the same files without a shared disk: one row per
-- file, its bytes in chunks of 256 KiB (`bytea`, not large objects: they go with pg_dump, are
-- deleted with their row, and a range reads only the chunks it needs).
CREATE TABLE stored_files (
    id BIGSERIAL PRIMARY KEY,
    bucket TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (bucket, name)
);

CREATE TABLE stored_file_chunks (
    file_id BIGINT NOT NULL REFERENCES stored_files (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);
