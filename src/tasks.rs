//! Work a request starts in the background (e-mails, provider calls, delayed notices), counted
//! so that tests can wait until it has all finished instead of sleeping; and the long-lived
//! work of open connections (sockets, event streams), counted apart so that tests check that
//! none outlives its connection.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

#[derive(Clone, Debug, Default)]
pub struct Tasks {
    running: Arc<AtomicUsize>,
    finished: Arc<Notify>,
    connections: Arc<AtomicUsize>,
}

/// Counts one open connection's work (a socket's loop, a stream's feeding task) until dropped.
#[derive(Debug)]
pub struct ConnectionTask(Arc<AtomicUsize>);

impl Drop for ConnectionTask {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts its task as finished when dropped, so a task that panics is counted too.
struct Running(Tasks);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
        self.0.finished.notify_waiters();
    }
}

impl Tasks {
    /// Runs `task` on the runtime, counted until it ends.
    pub fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.running.fetch_add(1, Ordering::SeqCst);
        let running = Running(self.clone());
        tokio::spawn(async move {
            let _running = running;
            task.await;
        });
    }

    /// Counts the work of one open connection while the returned guard lives; hold it in the
    /// socket's loop or the stream's task.
    pub fn connection(&self) -> ConnectionTask {
        self.connections.fetch_add(1, Ordering::SeqCst);
        ConnectionTask(self.connections.clone())
    }

    /// How many connections' work is still running (not part of [`Tasks::settled`]: a
    /// connection lives as long as its client).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// How many tasks have not finished yet.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Returns once no task is running (tasks started meanwhile are waited for too).
    pub async fn settled(&self) {
        loop {
            let finished = self.finished.notified();
            tokio::pin!(finished);
            // Registered before the check, so an end between the check and the wait is not lost.
            finished.as_mut().enable();
            if self.running() == 0 {
                return;
            }
            finished.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn settled_waits_for_every_task_even_one_that_panics() {
        let tasks = Tasks::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tasks.spawn(async move {
            let _ = rx.await;
        });
        tasks.spawn(async { panic!("a failing task") });
        assert!(tasks.running() >= 1);
        tx.send(()).expect("the task waits");
        tokio::time::timeout(std::time::Duration::from_secs(5), tasks.settled())
            .await
            .expect("settled");
        assert_eq!(tasks.running(), 0);
    }
}
