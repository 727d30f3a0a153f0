//! The thread SQLite's write sections run on.
//!
//! Why: a write section waits for SQLite's connection thread once per hand-off (see
//! [`crate::batch`]), and each time the answer comes back its task has to be polled again.
//! On the server's runtime that task queues behind whatever the workers are doing — parsing,
//! pricing, serialising other requests — while every other writer waits for it, because
//! SQLite has one writer. On a thread of its own, which does nothing but write sections, a
//! woken writer runs at once.

use std::sync::Arc;

use tokio::runtime::{Builder, Handle};
use tokio::sync::oneshot;

/// A single-threaded runtime on its own OS thread; it stops when the last handle is dropped.
#[derive(Debug)]
pub(crate) struct WriterThread {
    runtime: Handle,
    /// The thread's id: a section already on it runs in place.
    thread: std::thread::ThreadId,
    /// Dropped with the last handle: ends the thread's `block_on`.
    _stop: oneshot::Sender<()>,
}

impl WriterThread {
    pub(crate) fn start() -> std::io::Result<Arc<Self>> {
        let (started, handle) = std::sync::mpsc::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("omni-writer".into())
            .spawn(
                move || match Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => {
                        let _ = started.send(Ok(runtime.handle().clone()));
                        runtime.block_on(async {
                            let _ = stopped.await;
                        });
                    }
                    Err(e) => {
                        let _ = started.send(Err(e));
                    }
                },
            )?;
        let runtime = handle
            .recv()
            .map_err(|_| std::io::Error::other("the writer thread ended while starting"))??;
        Ok(Arc::new(Self {
            runtime,
            thread: thread.thread().id(),
            _stop: stop,
        }))
    }

    /// Starts `task` on the writer thread, without waiting for it.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.runtime.spawn(task);
    }

    /// Runs `section` on the writer thread to the end — even if the caller stops waiting, so
    /// a write is never cut off half-way — and returns its output. A section already on the
    /// writer thread runs in place.
    pub(crate) async fn run<F, T>(&self, section: F) -> Result<T, crate::StoreError>
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        if std::thread::current().id() == self.thread {
            return Ok(section.await);
        }
        self.runtime
            .spawn(section)
            .await
            .map_err(|e| crate::StoreError::Corrupt(format!("the write section failed: {e}")))
    }
}
