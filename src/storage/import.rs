//! `techlearnjess migrate-files`: every file of the data dir copied into the configured store,
//! for the move from one machine to several. Idempotent: a file already stored with the same
//! size is left alone, so an interrupted run is simply run again.

use std::path::Path;

use super::{Bucket, Storage, StorageKind, StorageResult, files::FileStore};

/// What a run did, per the whole data dir.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Files copied into the store.
    pub copied: u64,
    /// Files the store already held with the same size.
    pub skipped: u64,
    /// Bytes copied.
    pub bytes: u64,
}

/// Copies the files of `data_dir` (`resources/`, `covers/`, `photos/`, `certificates/`) into
/// `target`. The files stay where they were: removing them is the operator's choice, once
/// every instance runs on the new store.
pub async fn copy_data_dir(data_dir: &Path, target: &Storage) -> StorageResult<Report> {
    let source = FileStore::new(data_dir);
    let mut report = Report::default();
    if target.kind() == StorageKind::Files {
        return Ok(report);
    }
    for bucket in Bucket::ALL {
        for name in source.list(bucket).await? {
            let Some(local) = source.stat(bucket, &name).await? else {
                continue;
            };
            if target.size(bucket, &name).await? == Some(local.size) {
                report.skipped += 1;
                continue;
            }
            let file = tokio::fs::File::open(data_dir.join(bucket.as_str()).join(&name)).await?;
            report.bytes += target.put_reader(bucket, &name, file).await?;
            report.copied += 1;
            tracing::info!(file.bucket = bucket.as_str(), file.name = %name, "file copied into the store");
        }
    }
    Ok(report)
}
