//! A small pool for CPU work done for an HTTP caller (`POST /api/v1/rules/test`).
//!
//! Such work must not be able to take the engine down: at most `threads` jobs run at once
//! (a caller finding them all busy gets 503 with `Retry-After` rather than a queue), each
//! job learns when its caller has gone (it checks [`Cancel::is_cancelled`] between steps),
//! and jobs run on plain threads the runtime never waits for, so shutdown does not wait on
//! them. `spawn_blocking` had none of these: a request kept a core for ~27 minutes after its
//! client left, and SIGTERM waited for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::{oneshot, Semaphore};

/// Runs CPU jobs for callers, a bounded number at once.
#[derive(Clone)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
}

/// Whether the caller of a job has gone.
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Sets the flag when the caller's future is dropped (the client went away) or finished.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0 .0.store(true, Ordering::Relaxed);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("every worker of the pool is busy; retry shortly")]
    Busy,
    #[error("the job panicked or could not start")]
    Failed,
}

impl CpuPool {
    pub fn new(threads: usize) -> CpuPool {
        CpuPool {
            permits: Arc::new(Semaphore::new(threads.max(1))),
        }
    }

    /// Runs `job` on its own thread if a slot is free; `Busy` at once if none is.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Cancel) -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| PoolError::Busy)?;
        let cancel = Cancel::default();
        let _cancel_on_drop = CancelOnDrop(cancel.clone());
        let (done, result) = oneshot::channel();
        std::thread::Builder::new()
            .name("api-cpu".into())
            .spawn(move || {
                let output = job(&cancel);
                drop(permit);
                let _ = done.send(output);
            })
            .map_err(|_| PoolError::Failed)?;
        result.await.map_err(|_| PoolError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[tokio::test]
    async fn a_full_pool_answers_busy_at_once() {
        let pool = CpuPool::new(1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move |_| wait.recv().is_ok()).await }
        });
        while pool.permits.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(pool.run(|_| ()).await, Err(PoolError::Busy));
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(true));
        assert_eq!(pool.run(|_| 7).await, Ok(7), "the slot is free again");
    }

    #[tokio::test]
    async fn a_job_learns_that_its_caller_left() {
        let pool = CpuPool::new(1);
        let (saw_cancel, cancelled) = std::sync::mpsc::channel();
        let (started, has_started) = oneshot::channel::<()>();
        let caller = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move |cancel| {
                    let _ = started.send(());
                    let deadline = Instant::now() + Duration::from_secs(30);
                    while !cancel.is_cancelled() && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    let _ = saw_cancel.send(cancel.is_cancelled());
                })
                .await
            }
        });
        has_started.await.unwrap();
        caller.abort();
        let seen =
            tokio::task::spawn_blocking(move || cancelled.recv_timeout(Duration::from_secs(10)))
                .await
                .unwrap();
        assert_eq!(seen, Ok(true));
    }

    #[test]
    fn shutting_the_runtime_down_never_waits_for_a_job() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let pool = CpuPool::new(1);
        let (_keep_blocked, blocked) = std::sync::mpsc::channel::<()>();
        let (started, has_started) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let _ = pool
                .run(move |_| {
                    let _ = started.send(());
                    let _ = blocked.recv();
                })
                .await;
        });
        has_started.recv().unwrap();
        let dropping = Instant::now();
        drop(runtime);
        assert!(dropping.elapsed() < Duration::from_secs(5));
    }
}
