//! Catching a mediator's panic quietly: while a compliance check polls the mediator on a
//! thread, a panic there is not printed by the panic hook but its location is kept for the
//! report. Panics anywhere else go to the hook that was installed before, unchanged.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

use futures::FutureExt as _;

thread_local! {
    /// `Some(slot)` while this thread runs a quiet section; the hook writes the location there.
    static CAPTURE: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once per process) a panic hook that stays silent for quiet sections and hands
/// every other panic to the hook installed before it.
fn install_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let captured = CAPTURE.with(|cell| match cell.try_borrow_mut() {
                Ok(mut slot) => match slot.as_mut() {
                    Some(location) => {
                        *location = info.location().map(ToString::to_string);
                        true
                    }
                    None => false,
                },
                Err(_) => false,
            });
            if !captured {
                previous(info);
            }
        }));
    });
}

/// A caught panic: its message and where it happened.
#[derive(Debug)]
pub(crate) struct Caught {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
}

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{} (at {at})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn caught(panic: &(dyn Any + Send), location: Option<String>) -> Caught {
    let message = if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a non-string panic payload)".to_owned()
    };
    Caught { message, location }
}

/// Runs `f` in a quiet section on this thread.
fn section<R>(f: impl FnOnce() -> R) -> (R, Option<String>) {
    let outer = CAPTURE.with(|cell| cell.replace(Some(None)));
    let result = f();
    let location = CAPTURE.with(|cell| cell.replace(outer)).flatten();
    (result, location)
}

/// Calls `f`, catching a panic quietly.
pub(crate) fn call<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    install_hook();
    let (result, location) = section(|| catch_unwind(AssertUnwindSafe(f)));
    result.map_err(|panic| caught(panic.as_ref(), location))
}

/// Polls `fut` to completion, catching a panic quietly.
pub(crate) async fn future<F: Future>(fut: F) -> Result<F::Output, Caught> {
    install_hook();
    Quiet {
        inner: Box::pin(AssertUnwindSafe(fut).catch_unwind()),
    }
    .await
}

struct Quiet<F> {
    inner: Pin<Box<F>>,
}

impl<T, F> Future for Quiet<F>
where
    F: Future<Output = Result<T, Box<dyn Any + Send>>>,
{
    type Output = Result<T, Caught>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (poll, location) = section(|| self.inner.as_mut().poll(cx));
        poll.map(|result| result.map_err(|panic| caught(panic.as_ref(), location)))
    }
}
