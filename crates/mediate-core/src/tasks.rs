//! [`BackgroundTasks`]: the work mediators start that outlives the flow that started it (a
//! `send`, an out-only `call`), counted so that a server can wait for it before it stops.
//!
//! A message accepted with `FORCE_SC_ACCEPTED` is answered `202` while its `send` is still
//! under way in a task of its own; stopping the process then would lose it. The runtime puts a
//! [`BackgroundTasks`] into the [`Env`] ([`EnvBuilder::extension`](crate::EnvBuilder::extension)),
//! the mediators [`spawn`] through it, and the server waits for
//! [`BackgroundTasks::wait_idle`] (within its grace period) after draining its connections.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::Env;

/// A count of running background tasks, and a way to wait until none is left.
///
/// Cheap to clone: clones count the same tasks. A task is counted from the moment it is
/// [`track`](Self::track)ed (before it first runs) until its future completes or is dropped
/// (cancelled, or unwound by a panic), so [`wait_idle`](Self::wait_idle) never misses one that
/// was spawned but has not started yet.
///
/// ```
/// use mediate_core::tasks::BackgroundTasks;
///
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// rt.block_on(async {
///     let tasks = BackgroundTasks::new();
///     let (tx, rx) = tokio::sync::oneshot::channel::<()>();
///     tokio::spawn(tasks.track(async move {
///         let _ = rx.await;
///     }));
///     assert_eq!(tasks.running(), 1);
///     tx.send(()).unwrap();
///     tasks.wait_idle().await;
///     assert_eq!(tasks.running(), 0);
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct BackgroundTasks {
    inner: Arc<Counter>,
}

#[derive(Debug, Default)]
struct Counter {
    running: AtomicUsize,
    idle: Notify,
}

/// Held by a tracked future: one running task, until dropped.
struct Running(Arc<Counter>);

impl Drop for Running {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl BackgroundTasks {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// `future`, counted as a running task from now until it completes or is dropped. Spawn
    /// the result (or use [`spawn`]).
    pub fn track<F: Future>(&self, future: F) -> impl Future<Output = F::Output> + use<F> {
        self.inner.running.fetch_add(1, Ordering::AcqRel);
        let running = Running(Arc::clone(&self.inner));
        async move {
            let _running = running;
            future.await
        }
    }

    /// How many tracked tasks have not finished.
    pub fn running(&self) -> usize {
        self.inner.running.load(Ordering::Acquire)
    }

    /// Waits until no tracked task is running (at once when none is). Tasks tracked while it
    /// waits are waited for too. Bound it with a timeout to give up on slow tasks.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the count is read, so the last task's notice is not missed.
            notified.as_mut().enable();
            if self.running() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// Spawns `future` on `runtime` as a background task of `env`: tracked by the environment's
/// [`BackgroundTasks`] when it has one (a server waits for it before it stops), else a plain
/// task. This is how `send` and an out-only `call` hand their exchange to a task of its own.
///
/// ```
/// use mediate_core::Env;
/// use mediate_core::tasks::{self, BackgroundTasks};
///
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let background = BackgroundTasks::new();
/// let env = Env::builder().extension(background.clone()).build();
/// rt.block_on(async {
///     let task = tasks::spawn(&env, &tokio::runtime::Handle::current(), async { 7 });
///     assert_eq!(background.running(), 1);
///     assert_eq!(task.await.unwrap(), 7);
///     background.wait_idle().await;
/// });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn spawn<F>(env: &Env, runtime: &Handle, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match env.extension::<BackgroundTasks>() {
        Some(tasks) => runtime.spawn(tasks.track(future)),
        None => runtime.spawn(future),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_task_counts_until_it_completes() {
        rt().block_on(async {
            let tasks = BackgroundTasks::new();
            tasks.wait_idle().await;
            let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
            let handle = tokio::spawn(tasks.track(async move { rx.await.unwrap_or(0) }));
            let clone = tasks.clone();
            assert_eq!(clone.running(), 1, "counted before it first runs");
            let waiter = tokio::spawn(async move { clone.wait_idle().await });
            tokio::task::yield_now().await;
            assert!(!waiter.is_finished(), "waits while the task runs");
            tx.send(9).unwrap();
            assert_eq!(handle.await.unwrap(), 9);
            waiter.await.unwrap();
            assert_eq!(tasks.running(), 0);
        });
    }

    #[test]
    fn a_dropped_or_panicking_task_is_no_longer_counted() {
        rt().block_on(async {
            let tasks = BackgroundTasks::new();
            let never = tasks.track(std::future::pending::<()>());
            assert_eq!(tasks.running(), 1);
            drop(never);
            assert_eq!(tasks.running(), 0);

            let panicking = tokio::spawn(tasks.track(async { panic!("boom") }));
            assert!(panicking.await.unwrap_err().is_panic());
            assert_eq!(tasks.running(), 0);
            tasks.wait_idle().await;
        });
    }

    #[test]
    fn spawn_tracks_only_with_a_registry_in_the_environment() {
        rt().block_on(async {
            let handle = Handle::current();
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let untracked = spawn(&Env::default(), &handle, async move {
                let _ = rx.await;
            });
            let tasks = BackgroundTasks::new();
            let env = Env::builder().extension(tasks.clone()).build();
            let (tx2, rx2) = tokio::sync::oneshot::channel::<()>();
            let tracked = spawn(&env, &handle, async move {
                let _ = rx2.await;
            });
            assert_eq!(tasks.running(), 1);
            tx.send(()).unwrap();
            untracked.await.unwrap();
            assert_eq!(tasks.running(), 1);
            tx2.send(()).unwrap();
            tracked.await.unwrap();
            assert_eq!(tasks.running(), 0);
        });
    }
}
