//! Stored files (course resources, covers, profile photos, certificate PDFs) behind one
//! interface: the data dir of this machine (`files.rs`, the default on SQLite) or the database
//! that every instance shares (`database.rs`, the default on PostgreSQL; `TLJ_FILE_STORAGE`).
//!
//! - `http.rs`: a stored file answered over HTTP (single byte ranges, validators, `If-Range`).
//! - `import.rs`: `techlearnjess migrate-files`, the data dir copied into the database.

mod database;
mod files;
pub mod http;
pub mod import;

use std::ops::Range;
use std::path::Path;
use std::pin::Pin;
use std::time::SystemTime;

use axum::body::Bytes;
use futures_util::Stream;
use tokio::io::AsyncRead;

use crate::db::Db;
use crate::error::AppError;

/// A family of stored files: each is a folder of the data dir, or a `bucket` value in the
/// database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// Course resources (`resources.stored_name`).
    Resources,
    /// Course covers (`courses.cover_path`).
    Covers,
    /// Profile photos, two sizes per stem (`users.photo_path`).
    Photos,
    /// Certificate PDFs, a cache: rendered again when missing.
    Certificates,
}

impl Bucket {
    pub const ALL: [Self; 4] = [
        Self::Resources,
        Self::Covers,
        Self::Photos,
        Self::Certificates,
    ];

    /// The folder under the data dir, and the `stored_files.bucket` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resources => "resources",
            Self::Covers => "covers",
            Self::Photos => "photos",
            Self::Certificates => "certificates",
        }
    }
}

/// Where the files live (`TLJ_FILE_STORAGE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    /// The data dir: one machine.
    Files,
    /// The database: every instance on it serves the same files.
    Database,
}

impl StorageKind {
    /// `files` or `database`; unset: the database on PostgreSQL (instances share it, not a
    /// disk), the data dir on SQLite (one instance).
    pub fn parse(value: Option<&str>, database_url: &str) -> Result<Self, String> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") if database_url.starts_with("postgres") => Ok(Self::Database),
            None | Some("") | Some("files") => Ok(Self::Files),
            Some("database") => Ok(Self::Database),
            Some(other) => Err(format!(
                "TLJ_FILE_STORAGE doit valoir files ou database (reçu : {other})"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Files => "files",
            Self::Database => "database",
        }
    }
}

/// What is known of a stored file without reading it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    pub size: u64,
    /// A strong entity tag, quoted: the content's SHA-256 in the database (the same on every
    /// instance), size and modification time in the data dir.
    pub etag: String,
    pub modified: Option<SystemTime>,
    /// The database row read by `read_range`: a range never mixes two versions of a file.
    id: Option<i64>,
}

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Not a name this platform writes (random hex, a certificate code): never a path.
    #[error("nom de fichier refusé : {0}")]
    InvalidName(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::InvalidName(_) => Self::NotFound,
            StorageError::Database(e) => Self::Database(e),
            StorageError::Io(e) => Self::Internal(e.into()),
        }
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// The bytes of a file or of a range, read as they are sent.
pub type ByteStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// The file store of the platform (`AppState::files`); cheap to clone.
#[derive(Clone, Debug)]
pub struct Storage {
    backend: Backend,
}

#[derive(Clone, Debug)]
enum Backend {
    Files(files::FileStore),
    Database(database::DbStore),
}

impl Storage {
    /// The store of `kind`: files under `data_dir`, or rows of `db`.
    pub fn new(kind: StorageKind, data_dir: &Path, db: &Db) -> Self {
        let backend = match kind {
            StorageKind::Files => Backend::Files(files::FileStore::new(data_dir)),
            StorageKind::Database => Backend::Database(database::DbStore::new(db.clone())),
        };
        Self { backend }
    }

    /// The store a configuration asks for.
    pub fn from_config(config: &crate::config::Config, db: &Db) -> Self {
        Self::new(config.file_storage, &config.data_dir, db)
    }

    pub fn kind(&self) -> StorageKind {
        match self.backend {
            Backend::Files(_) => StorageKind::Files,
            Backend::Database(_) => StorageKind::Database,
        }
    }

    /// Stores `bytes` as `bucket/name`, replacing a file of that name; readers see the old file
    /// or the new one, never half of one.
    pub async fn put(&self, bucket: Bucket, name: &str, bytes: &[u8]) -> StorageResult<()> {
        self.put_reader(bucket, name, bytes).await.map(|_| ())
    }

    /// [`Storage::put`] from a reader, copied chunk by chunk; returns the size stored.
    pub async fn put_reader<R>(&self, bucket: Bucket, name: &str, reader: R) -> StorageResult<u64>
    where
        R: AsyncRead + Unpin + Send,
    {
        check_name(name)?;
        match &self.backend {
            Backend::Files(s) => s.put(bucket, name, reader).await,
            Backend::Database(s) => s.put(bucket, name, reader).await,
        }
    }

    /// Size, entity tag and date of `bucket/name`; `None` when there is no such file.
    pub async fn stat(&self, bucket: Bucket, name: &str) -> StorageResult<Option<FileInfo>> {
        check_name(name)?;
        match &self.backend {
            Backend::Files(s) => s.stat(bucket, name).await,
            Backend::Database(s) => s.stat(bucket, name).await,
        }
    }

    pub async fn exists(&self, bucket: Bucket, name: &str) -> StorageResult<bool> {
        Ok(self.stat(bucket, name).await?.is_some())
    }

    pub async fn size(&self, bucket: Bucket, name: &str) -> StorageResult<Option<u64>> {
        Ok(self.stat(bucket, name).await?.map(|i| i.size))
    }

    /// The whole file in memory (images, certificates: small files); `None` when missing.
    pub async fn get(&self, bucket: Bucket, name: &str) -> StorageResult<Option<Vec<u8>>> {
        check_name(name)?;
        match &self.backend {
            Backend::Files(s) => s.get(bucket, name).await,
            Backend::Database(s) => s.get(bucket, name).await,
        }
    }

    /// The bytes `range` of the file `info` describes, streamed (in the database, only the
    /// chunks that hold them are read). `range` must lie within `0..info.size`.
    pub async fn read_range(
        &self,
        bucket: Bucket,
        name: &str,
        info: &FileInfo,
        range: Range<u64>,
    ) -> StorageResult<ByteStream> {
        check_name(name)?;
        debug_assert!(range.start <= range.end && range.end <= info.size);
        match &self.backend {
            Backend::Files(s) => s.read_range(bucket, name, range).await,
            Backend::Database(s) => Ok(s.read_range(info, range)),
        }
    }

    /// Deletes `bucket/name`; a missing file is not an error.
    pub async fn delete(&self, bucket: Bucket, name: &str) -> StorageResult<()> {
        check_name(name)?;
        match &self.backend {
            Backend::Files(s) => s.delete(bucket, name).await,
            Backend::Database(s) => s.delete(bucket, name).await,
        }
    }

    /// [`Storage::delete`] for a file nothing refers to any more: a failure is logged (the
    /// request that dropped it has succeeded), a name we never wrote is ignored.
    pub async fn remove_logged(&self, bucket: Bucket, name: &str) {
        match self.delete(bucket, name).await {
            Ok(()) | Err(StorageError::InvalidName(_)) => {}
            Err(e) => tracing::warn!(
                file.bucket = bucket.as_str(),
                file.name = %name,
                error = %e,
                "stored file could not be deleted"
            ),
        }
    }

    /// The names stored in `bucket`, sorted.
    pub async fn list(&self, bucket: Bucket) -> StorageResult<Vec<String>> {
        match &self.backend {
            Backend::Files(s) => s.list(bucket).await,
            Backend::Database(s) => s.list(bucket).await,
        }
    }
}

/// A name this platform writes: ASCII letters, digits, `.`, `-`, `_`, not starting with a dot,
/// at most 200 characters. Anything else (a path, `..`) is refused before any backend sees it.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn check_name(name: &str) -> StorageResult<()> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(StorageError::InvalidName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use futures_util::TryStreamExt;

    use super::*;

    /// A temporary folder, removed on drop.
    struct Scratch(std::path::PathBuf);

    impl Scratch {
        fn new() -> Self {
            let dir = std::env::temp_dir()
                .join(format!("tlj-storage-{}", crate::web::tokens::random_hex(8)));
            std::fs::create_dir_all(&dir).expect("scratch dir");
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A fresh database: SQLite in `dir`, or a new PostgreSQL database when
    /// `TLJ_TEST_ENGINE=postgres` (like the integration tests' harness).
    async fn fresh_db(dir: &Path) -> Db {
        let url = if std::env::var("TLJ_TEST_ENGINE").as_deref() == Ok("postgres") {
            let admin = std::env::var("TLJ_TEST_POSTGRES_URL")
                .expect("TLJ_TEST_ENGINE=postgres needs TLJ_TEST_POSTGRES_URL");
            let name = format!("tlj_storage_{}", crate::web::tokens::random_hex(8));
            let db = Db::connect(&admin).await.expect("PostgreSQL reachable");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&db.pool)
                .await
                .expect("create database");
            db.pool.close().await;
            let mut url = url::Url::parse(&admin).expect("valid URL");
            url.set_path(&name);
            url.to_string()
        } else {
            format!("sqlite://{}/storage.db", dir.display())
        };
        let db = Db::connect(&url).await.expect("database");
        db.migrate().await.expect("migrations");
        db
    }

    /// 600 KiB whose bytes differ from their neighbours: three database chunks, the last short.
    fn sample() -> Vec<u8> {
        (0..600 * 1024u32).map(|i| (i % 251) as u8).collect()
    }

    async fn read(storage: &Storage, name: &str, range: Range<u64>) -> Vec<u8> {
        let info = storage
            .stat(Bucket::Resources, name)
            .await
            .expect("stat")
            .expect("stored");
        let chunks: Vec<Bytes> = storage
            .read_range(Bucket::Resources, name, &info, range)
            .await
            .expect("open")
            .try_collect()
            .await
            .expect("read");
        chunks.concat()
    }

    /// What every backend must do.
    async fn behaves_like_a_store(storage: Storage) {
        let bytes = sample();
        assert_eq!(
            storage
                .stat(Bucket::Resources, "a.pdf")
                .await
                .expect("stat"),
            None
        );
        assert_eq!(
            storage.get(Bucket::Resources, "a.pdf").await.expect("get"),
            None
        );
        storage
            .put(Bucket::Resources, "a.pdf", &bytes)
            .await
            .expect("put");
        let info = storage
            .stat(Bucket::Resources, "a.pdf")
            .await
            .expect("stat")
            .expect("stored");
        assert_eq!(info.size, bytes.len() as u64);
        assert!(
            info.etag.starts_with('"') && info.etag.ends_with('"'),
            "{}",
            info.etag
        );
        assert!(info.modified.is_some());
        assert!(
            storage
                .exists(Bucket::Resources, "a.pdf")
                .await
                .expect("exists")
        );
        assert!(
            !storage
                .exists(Bucket::Covers, "a.pdf")
                .await
                .expect("exists"),
            "buckets apart"
        );
        assert_eq!(
            storage.get(Bucket::Resources, "a.pdf").await.expect("get"),
            Some(bytes.clone())
        );
        // Ranges inside a chunk, across chunk boundaries, to the end, and empty.
        let n = bytes.len() as u64;
        for range in [
            0..10,
            1000..2000,
            262_000..263_000,
            200_000..530_000,
            n - 7..n,
            5..5,
        ] {
            let (from, to) = (range.start as usize, range.end as usize);
            assert_eq!(read(&storage, "a.pdf", range).await, &bytes[from..to]);
        }
        assert_eq!(read(&storage, "a.pdf", 0..n).await, bytes);

        // Replaced: the new content, a new entity tag.
        let changed: Vec<u8> = bytes.iter().rev().copied().collect();
        storage
            .put_reader(Bucket::Resources, "a.pdf", changed.as_slice())
            .await
            .expect("replace");
        let after = storage
            .stat(Bucket::Resources, "a.pdf")
            .await
            .expect("stat")
            .expect("stored");
        assert_ne!(after.etag, info.etag);
        assert_eq!(
            storage.get(Bucket::Resources, "a.pdf").await.expect("get"),
            Some(changed)
        );

        // Empty files and exact multiples of the chunk size.
        storage
            .put(Bucket::Covers, "empty.jpg", b"")
            .await
            .expect("put");
        assert_eq!(
            storage
                .size(Bucket::Covers, "empty.jpg")
                .await
                .expect("size"),
            Some(0)
        );
        assert_eq!(
            storage.get(Bucket::Covers, "empty.jpg").await.expect("get"),
            Some(Vec::new())
        );
        let exact = vec![7u8; 2 * 256 * 1024];
        storage
            .put(Bucket::Covers, "exact.jpg", &exact)
            .await
            .expect("put");
        assert_eq!(
            storage.get(Bucket::Covers, "exact.jpg").await.expect("get"),
            Some(exact)
        );
        assert_eq!(
            storage.list(Bucket::Covers).await.expect("list"),
            ["empty.jpg", "exact.jpg"]
        );

        // Deleted, twice: no error; gone from the list.
        storage
            .delete(Bucket::Covers, "empty.jpg")
            .await
            .expect("delete");
        storage
            .delete(Bucket::Covers, "empty.jpg")
            .await
            .expect("delete again");
        assert_eq!(
            storage.list(Bucket::Covers).await.expect("list"),
            ["exact.jpg"]
        );

        // A path is never a name.
        for bad in ["../a.pdf", "a/b", ".hidden", "", "a b"] {
            assert!(matches!(
                storage.put(Bucket::Resources, bad, b"x").await,
                Err(StorageError::InvalidName(_))
            ));
            assert!(matches!(
                storage.get(Bucket::Resources, bad).await,
                Err(StorageError::InvalidName(_))
            ));
        }
    }

    #[tokio::test]
    async fn the_data_dir_store_keeps_files_in_one_folder_per_bucket() {
        let scratch = Scratch::new();
        let db = fresh_db(&scratch.0).await;
        let storage = Storage::new(StorageKind::Files, &scratch.0.join("data"), &db);
        behaves_like_a_store(storage).await;
        assert!(scratch.0.join("data/resources/a.pdf").is_file());
        assert!(!scratch.0.join("data/covers/empty.jpg").exists());
    }

    #[tokio::test]
    async fn the_database_store_keeps_files_in_chunks_and_nothing_on_disk() {
        let scratch = Scratch::new();
        let db = fresh_db(&scratch.0).await;
        let storage = Storage::new(StorageKind::Database, &scratch.0.join("data"), &db);
        behaves_like_a_store(storage.clone()).await;
        assert!(!scratch.0.join("data").exists());
        let chunks: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM stored_file_chunks c JOIN stored_files f ON f.id = c.file_id \
             WHERE f.bucket = 'resources' AND f.name = 'a.pdf'",
        )
        .fetch_one(&db.pool)
        .await
        .expect("count");
        assert_eq!(chunks, 3, "600 KiB in chunks of 256 KiB");
        // Another store on the same database (another instance) sees the same file and tag.
        let other = Storage::new(StorageKind::Database, &scratch.0.join("other"), &db);
        assert_eq!(
            other.stat(Bucket::Resources, "a.pdf").await.expect("stat"),
            storage
                .stat(Bucket::Resources, "a.pdf")
                .await
                .expect("stat")
        );
    }

    #[test]
    fn names_are_plain_file_names_never_paths() {
        assert!(is_valid_name("a1b2c3.pdf"));
        assert!(is_valid_name("TLJ-7K3F-9QMD-ab12.pdf"));
        for bad in ["../etc/passwd", "a/b", "a\\b", ".env", "", "é.pdf"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
        assert!(!is_valid_name(&"a".repeat(201)));
    }

    #[test]
    fn the_backend_follows_the_engine_unless_configured() {
        let pg = "postgres://tlj@db/tlj";
        assert_eq!(StorageKind::parse(None, pg), Ok(StorageKind::Database));
        assert_eq!(
            StorageKind::parse(None, "sqlite://data/x.db"),
            Ok(StorageKind::Files)
        );
        assert_eq!(
            StorageKind::parse(Some("files"), pg),
            Ok(StorageKind::Files)
        );
        assert_eq!(
            StorageKind::parse(Some("Database"), "sqlite://x"),
            Ok(StorageKind::Database)
        );
        assert!(StorageKind::parse(Some("s3"), pg).is_err());
    }
}
