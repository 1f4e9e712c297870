//! The data-dir backend: `data_dir/{bucket}/{name}`, written to a temporary name then renamed.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use futures_util::stream;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

use super::{Bucket, ByteStream, FileInfo, StorageResult};

/// Bytes read from disk at a time while streaming a range.
const READ_CHUNK: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub(super) struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub(super) fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    fn dir(&self, bucket: Bucket) -> PathBuf {
        self.root.join(bucket.as_str())
    }

    pub(super) async fn put<R>(
        &self,
        bucket: Bucket,
        name: &str,
        mut reader: R,
    ) -> StorageResult<u64>
    where
        R: AsyncRead + Unpin + Send,
    {
        let dir = self.dir(bucket);
        tokio::fs::create_dir_all(&dir).await?;
        let tmp = dir.join(format!(".{name}.{}.tmp", crate::web::tokens::random_hex(6)));
        let written = async {
            let mut file = tokio::fs::File::create(&tmp).await?;
            let size = tokio::io::copy(&mut reader, &mut file).await?;
            file.sync_all().await?;
            tokio::fs::rename(&tmp, dir.join(name)).await?;
            Ok::<_, std::io::Error>(size)
        }
        .await;
        if written.is_err() {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
        Ok(written?)
    }

    pub(super) async fn stat(&self, bucket: Bucket, name: &str) -> StorageResult<Option<FileInfo>> {
        let meta = match tokio::fs::metadata(self.dir(bucket).join(name)).await {
            Ok(m) if m.is_file() => m,
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let modified = meta.modified().ok();
        let nanos = modified
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Ok(Some(FileInfo {
            size: meta.len(),
            etag: format!("\"{:x}-{nanos:x}\"", meta.len()),
            modified,
            id: None,
        }))
    }

    pub(super) async fn get(&self, bucket: Bucket, name: &str) -> StorageResult<Option<Vec<u8>>> {
        match tokio::fs::read(self.dir(bucket).join(name)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn read_range(
        &self,
        bucket: Bucket,
        name: &str,
        range: Range<u64>,
    ) -> StorageResult<ByteStream> {
        let mut file = tokio::fs::File::open(self.dir(bucket).join(name)).await?;
        file.seek(std::io::SeekFrom::Start(range.start)).await?;
        let left = range.end - range.start;
        let chunks = stream::try_unfold((file, left), |(mut file, left)| async move {
            if left == 0 {
                return Ok(None);
            }
            let want = usize::try_from(left).unwrap_or(usize::MAX).min(READ_CHUNK);
            let mut buf = vec![0; want];
            let read = file.read(&mut buf).await?;
            if read == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "stored file shorter than its size",
                ));
            }
            buf.truncate(read);
            Ok(Some((buf.into(), (file, left - read as u64))))
        });
        Ok(Box::pin(chunks))
    }

    pub(super) async fn delete(&self, bucket: Bucket, name: &str) -> StorageResult<()> {
        match tokio::fs::remove_file(self.dir(bucket).join(name)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    pub(super) async fn list(&self, bucket: Bucket) -> StorageResult<Vec<String>> {
        let mut names = Vec::new();
        let mut dir = match tokio::fs::read_dir(self.dir(bucket)).await {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(e.into()),
        };
        while let Some(entry) = dir.next_entry().await? {
            if entry.file_type().await?.is_file()
                && let Some(name) = entry.file_name().to_str()
                && super::is_valid_name(name)
            {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }
}
