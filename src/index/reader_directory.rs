//! The directory an existing index is opened through: tantivy's memory-mapped directory, except
//! for the lock a reader takes while it opens segments (so that a writer's clean-up cannot delete
//! them meanwhile). tantivy creates and opens that lock file for writing, which fails on an
//! evidence copy mounted read-only; here a reader locks the file through a read-only handle and,
//! when no writer has ever made it, takes no lock. A reader never creates or changes a file.
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle,
    WritePtr, META_LOCK,
};

#[derive(Debug, Clone)]
pub(crate) struct ReaderDirectory {
    inner: MmapDirectory,
    root: PathBuf,
}

impl ReaderDirectory {
    pub fn open(root: &Path) -> Result<ReaderDirectory, OpenDirectoryError> {
        Ok(ReaderDirectory {
            inner: MmapDirectory::open(root)?,
            root: root.to_owned(),
        })
    }
}

/// The meta lock, taken on the existing lock file opened read-only (flock does not need write
/// access); no file means no writer has collected garbage here, so there is nothing to wait for.
fn reader_meta_lock(path: &Path) -> Result<DirectoryLock, LockError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Ok(DirectoryLock::from(Box::new(())));
        }
        Err(error) => return Err(LockError::IoError(Arc::new(error))),
    };
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|errno| LockError::IoError(Arc::new(errno.into())))?;
    // Closing the file releases the lock.
    Ok(DirectoryLock::from(Box::new(file)))
}

impl Directory for ReaderDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        if lock.filepath == META_LOCK.filepath {
            reader_meta_lock(&self.root.join(&lock.filepath))
        } else {
            self.inner.acquire_lock(lock)
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
