//! The database backend: a `stored_files` row per file and its bytes in `stored_file_chunks`
//! of 256 KiB, written in one transaction and read chunk by chunk. Every SQL of the storage is
//! here; the same statements run on both engines.

use std::ops::Range;
use std::time::SystemTime;

use futures_util::stream;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::{Bucket, ByteStream, FileInfo, StorageResult};
use crate::db::Db;

/// Bytes per chunk row: a range reads at most two chunks it does not send in full.
pub(super) const CHUNK: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub(super) struct DbStore {
    db: Db,
}

impl DbStore {
    pub(super) fn new(db: Db) -> Self {
        Self { db }
    }

    /// Replaces the file in one transaction: other instances see the old row until it commits.
    pub(super) async fn put<R>(
        &self,
        bucket: Bucket,
        name: &str,
        mut reader: R,
    ) -> StorageResult<u64>
    where
        R: AsyncRead + Unpin + Send,
    {
        let mut tx = self.db.pool.begin().await?;
        sqlx::query(
            "DELETE FROM stored_file_chunks WHERE file_id IN \
             (SELECT id FROM stored_files WHERE bucket = $1 AND name = $2)",
        )
        .bind(bucket.as_str())
        .bind(name)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM stored_files WHERE bucket = $1 AND name = $2")
            .bind(bucket.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stored_files (bucket, name, size, sha256, created_at) \
             VALUES ($1, $2, 0, '', $3) RETURNING id",
        )
        .bind(bucket.as_str())
        .bind(name)
        .bind(self.db.now())
        .fetch_one(&mut *tx)
        .await?;
        let mut digest = Sha256::new();
        let mut size: u64 = 0;
        let mut seq: i32 = 0;
        loop {
            let chunk = read_chunk(&mut reader).await?;
            if chunk.is_empty() {
                break;
            }
            digest.update(&chunk);
            size += chunk.len() as u64;
            let last = chunk.len() < CHUNK;
            sqlx::query("INSERT INTO stored_file_chunks (file_id, seq, data) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(seq)
                .bind(chunk)
                .execute(&mut *tx)
                .await?;
            seq += 1;
            if last {
                break;
            }
        }
        sqlx::query("UPDATE stored_files SET size = $1, sha256 = $2 WHERE id = $3")
            .bind(i64::try_from(size).unwrap_or(i64::MAX))
            .bind(hex::encode(digest.finalize()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(size)
    }

    pub(super) async fn stat(&self, bucket: Bucket, name: &str) -> StorageResult<Option<FileInfo>> {
        let row = sqlx::query(
            "SELECT id, size, sha256, created_at FROM stored_files WHERE bucket = $1 AND name = $2",
        )
        .bind(bucket.as_str())
        .bind(name)
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let size: i64 = row.try_get("size")?;
        let sha256: String = row.try_get("sha256")?;
        let created_at: String = row.try_get("created_at")?;
        Ok(Some(FileInfo {
            size: u64::try_from(size).unwrap_or(0),
            // Half the digest is plenty to tell versions apart, and keeps the header short.
            etag: format!("\"{}\"", &sha256[..sha256.len().min(32)]),
            modified: crate::db::parse_timestamp(&created_at).map(SystemTime::from),
            id: Some(row.try_get("id")?),
        }))
    }

    pub(super) async fn get(&self, bucket: Bucket, name: &str) -> StorageResult<Option<Vec<u8>>> {
        let Some(info) = self.stat(bucket, name).await? else {
            return Ok(None);
        };
        let chunks: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT data FROM stored_file_chunks WHERE file_id = $1 ORDER BY seq",
        )
        .bind(info.id)
        .fetch_all(&self.db.pool)
        .await?;
        let bytes = chunks.concat();
        if bytes.len() as u64 != info.size {
            // Replaced between the two reads: the old row's chunks went with it.
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// One query per chunk that holds part of `range`, the first and last cut to it.
    pub(super) fn read_range(&self, info: &FileInfo, range: Range<u64>) -> ByteStream {
        let chunk = CHUNK as u64;
        let first = range.start / chunk;
        let state = (self.db.clone(), info.id, first, range);
        let chunks = stream::try_unfold(state, move |(db, id, seq, range)| async move {
            if range.start >= range.end {
                return Ok(None);
            }
            let data: Option<Vec<u8>> = sqlx::query_scalar(
                "SELECT data FROM stored_file_chunks WHERE file_id = $1 AND seq = $2",
            )
            .bind(id)
            .bind(i32::try_from(seq).unwrap_or(i32::MAX))
            .fetch_optional(&db.pool)
            .await
            .map_err(std::io::Error::other)?;
            let data = data.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "stored file replaced or deleted while it was read",
                )
            })?;
            let chunk_start = seq * chunk;
            let from = usize::try_from(range.start - chunk_start).unwrap_or(usize::MAX);
            let to = usize::try_from(range.end.min(chunk_start + chunk) - chunk_start)
                .unwrap_or(usize::MAX);
            let part = data.get(from..to).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "stored chunk shorter than expected",
                )
            })?;
            let next = (range.start + part.len() as u64)..range.end;
            Ok(Some((part.to_vec().into(), (db, id, seq + 1, next))))
        });
        Box::pin(chunks)
    }

    pub(super) async fn delete(&self, bucket: Bucket, name: &str) -> StorageResult<()> {
        let mut tx = self.db.pool.begin().await?;
        sqlx::query(
            "DELETE FROM stored_file_chunks WHERE file_id IN \
             (SELECT id FROM stored_files WHERE bucket = $1 AND name = $2)",
        )
        .bind(bucket.as_str())
        .bind(name)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM stored_files WHERE bucket = $1 AND name = $2")
            .bind(bucket.as_str())
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn list(&self, bucket: Bucket) -> StorageResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM stored_files WHERE bucket = $1 ORDER BY name")
                .bind(bucket.as_str())
                .fetch_all(&self.db.pool)
                .await?,
        )
    }
}

/// Up to [`CHUNK`] bytes: fewer only at the end of the reader.
async fn read_chunk<R: AsyncRead + Unpin>(reader: &mut R) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(CHUNK);
    let mut limited = (&mut *reader).take(CHUNK as u64);
    limited.read_to_end(&mut buf).await?;
    Ok(buf)
}
