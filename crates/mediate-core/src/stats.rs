//! Per-sequence message counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of a [`Sequence`](crate::Sequence)'s counters, from
/// [`Sequence::stats`](crate::Sequence::stats).
///
/// Every message that entered and has left the sequence is counted in exactly one of
/// `continued`, `stopped` and `faulted`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SequenceStats {
    /// Messages that entered the sequence.
    pub messages_in: u64,
    /// Messages that ran through every mediator and continued out ([`Flow::Continue`](crate::Flow::Continue)).
    pub continued: u64,
    /// Messages a mediator stopped ([`Flow::Stop`](crate::Flow::Stop)).
    pub stopped: u64,
    /// Messages a mediator failed (whatever the fault handler did next).
    pub faulted: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    messages_in: AtomicU64,
    continued: AtomicU64,
    stopped: AtomicU64,
    faulted: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Exit {
    Continued,
    Stopped,
    Faulted,
}

impl Counters {
    pub(crate) fn enter(&self) {
        self.messages_in.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn exit(&self, exit: Exit) {
        let counter = match exit {
            Exit::Continued => &self.continued,
            Exit::Stopped => &self.stopped,
            Exit::Faulted => &self.faulted,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> SequenceStats {
        SequenceStats {
            messages_in: self.messages_in.load(Ordering::Relaxed),
            continued: self.continued.load(Ordering::Relaxed),
            stopped: self.stopped.load(Ordering::Relaxed),
            faulted: self.faulted.load(Ordering::Relaxed),
        }
    }
}
