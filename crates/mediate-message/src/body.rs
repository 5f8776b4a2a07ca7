//! A body that has not been read yet: MI's lazy message building for bytes that are still
//! arriving.
//!
//! A transport hands the engine a message whose body is a [`PendingBody`]: a stream of
//! [`Bytes`] chunks still on the wire. Nothing reads it until a mediator that looks at the
//! payload (`reads_body()`, Synapse's `isContentAware`) is about to run; then the whole body
//! is read into memory, up to a limit, and becomes the message's payload as usual. A message
//! that no such mediator touches is streamed on to its endpoint (or back to the client) chunk by
//! chunk, in constant memory: MI's pass-through.
//!
//! A `PendingBody` is shared by the clones of a message (it is an `Arc` inside): the first
//! clone to read it reads the stream, and every clone then sees the same bytes. Once a stream
//! has been taken to be sent on ([`PendingBody::into_stream`]) it cannot be read again.
//!
//! ```
//! use bytes::Bytes;
//! use mediate_message::{BodyError, PendingBody};
//!
//! let body = PendingBody::from_chunks([Bytes::from_static(b"{\"a\":"), Bytes::from_static(b"1}")]);
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! assert_eq!(rt.block_on(body.read())?, Bytes::from_static(b"{\"a\":1}"));
//!
//! let big = PendingBody::from_chunks([Bytes::from(vec![b'x'; 100])]).with_limit(64);
//! assert!(matches!(rt.block_on(big.read()), Err(BodyError::TooLarge { limit: 64 })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::future;
use futures::lock::Mutex;
use futures::stream::{self, Stream, StreamExt};

/// The default limit on a body read into memory: 64 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The most memory reserved up front from an announced `Content-Length`.
const RESERVE_CAP: usize = 1024 * 1024;

/// A stream of body chunks, as a transport produces them.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes, BodyError>> + Send + 'static>>;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is larger than the limit on what is read into memory (an HTTP transport answers
    /// 413).
    #[error("the message body is larger than the {limit}-byte limit on bodies read into memory")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The peer stopped sending, or the connection failed, before the body was complete.
    #[error("reading the message body failed: {0}")]
    Read(String),
    /// The body was already streamed on (to an endpoint or a client) and cannot be read again.
    #[error("the message body was already streamed on and cannot be read again")]
    Consumed,
}

enum State {
    /// The stream, not yet finished, and what a read that was cancelled part-way (its future
    /// dropped) already took from it: a later read or stream goes on from there.
    Unread { stream: BodyStream, taken: Taken },
    /// Read into memory.
    Read(Bytes),
    /// Handed on as a stream.
    Consumed,
    /// Reading failed (the error is reported again to every later reader).
    Failed(BodyError),
}

/// The chunks a read has pulled from the stream so far, kept in the shared state after every
/// chunk so that a read cancelled part-way loses nothing.
#[derive(Default)]
struct Taken {
    /// The first chunk, kept as it is while it is the only one (no copy for one-chunk bodies).
    first: Option<Bytes>,
    /// Every chunk, copied, once there are two or more.
    buf: BytesMut,
}

impl Taken {
    fn len(&self) -> usize {
        self.first.as_ref().map_or(0, Bytes::len) + self.buf.len()
    }

    fn is_empty(&self) -> bool {
        self.first.is_none() && self.buf.is_empty()
    }

    /// Adds a chunk; the announced length is a hint for the first copy.
    fn push(&mut self, chunk: Bytes, content_length: Option<u64>) {
        match self.first.take() {
            None if self.buf.is_empty() => self.first = Some(chunk),
            Some(prev) => {
                // The announced length is a hint, capped: a client announcing 64 MiB and
                // sending two chunks must not get 64 MiB reserved.
                self.buf.reserve(
                    content_length
                        .map_or(0, |l| usize::try_from(l).unwrap_or(usize::MAX))
                        .min(RESERVE_CAP)
                        .max(prev.len() + chunk.len()),
                );
                self.buf.extend_from_slice(&prev);
                self.buf.extend_from_slice(&chunk);
            }
            None => self.buf.extend_from_slice(&chunk),
        }
    }

    /// Everything taken, as one buffer.
    fn take(&mut self) -> Bytes {
        match self.first.take() {
            Some(bytes) => bytes,
            None => std::mem::take(&mut self.buf).freeze(),
        }
    }
}

/// A message body that is still a stream: read when a mediator needs it
/// ([`MessageContext::read_body`](crate::MessageContext::read_body)), or streamed on unread.
#[derive(Clone)]
pub struct PendingBody {
    state: Arc<Mutex<State>>,
    content_length: Option<u64>,
    limit: usize,
}

impl fmt::Debug for PendingBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingBody")
            .field("content_length", &self.content_length)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl PendingBody {
    /// A body read from `stream`; `content_length` is the length the sender announced, if any.
    /// The limit is [`DEFAULT_BODY_LIMIT`].
    pub fn new(stream: BodyStream, content_length: Option<u64>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::Unread {
                stream,
                taken: Taken::default(),
            })),
            content_length,
            limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// A body made of chunks already in memory (tests, in-process callers).
    pub fn from_chunks(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        let chunks: Vec<Bytes> = chunks.into_iter().collect();
        let len = chunks.iter().map(|c| c.len() as u64).sum();
        Self::new(
            Box::pin(stream::iter(chunks.into_iter().map(Ok))),
            Some(len),
        )
    }

    /// Sets the limit on what [`read`](Self::read) takes into memory.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The limit on what [`read`](Self::read) takes into memory.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The length the sender announced (`Content-Length`), if it did.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Reads the whole body into memory (once: every clone then gets the same bytes).
    ///
    /// A body announced or found to be larger than the limit fails with
    /// [`BodyError::TooLarge`] as soon as that is known, without reading the rest.
    ///
    /// Cancel-safe: when the returned future is dropped before it completes (a timeout around
    /// it fired), the chunks it had already taken stay with the body, and the next
    /// [`read`](Self::read) or [`into_stream`](Self::into_stream), on any clone, goes on from
    /// where it stopped.
    pub async fn read(&self) -> Result<Bytes, BodyError> {
        let mut state = self.state.lock().await;
        let result = match &mut *state {
            State::Unread { stream, taken } => {
                fill(stream, taken, self.content_length, self.limit).await
            }
            State::Read(bytes) => return Ok(bytes.clone()),
            State::Failed(err) => return Err(err.clone()),
            State::Consumed => return Err(BodyError::Consumed),
        };
        *state = match &result {
            Ok(bytes) => State::Read(bytes.clone()),
            Err(err) => State::Failed(err.clone()),
        };
        result
    }

    /// The body as a stream, to send it on without reading it: the original stream when nothing
    /// has read it (after the chunks a cancelled [`read`](Self::read) had taken, if any), or
    /// the bytes already read as one chunk. A body already streamed on gives
    /// [`BodyError::Consumed`].
    pub async fn into_stream(self) -> Result<BodyStream, BodyError> {
        let mut state = self.state.lock().await;
        match std::mem::replace(&mut *state, State::Consumed) {
            State::Unread { stream, taken } if taken.is_empty() => Ok(stream),
            State::Unread { stream, mut taken } => {
                let head = taken.take();
                Ok(Box::pin(
                    stream::once(future::ready(Ok(head))).chain(stream),
                ))
            }
            State::Read(bytes) => {
                *state = State::Read(bytes.clone());
                Ok(Box::pin(stream::once(future::ready(Ok(bytes)))))
            }
            State::Failed(err) => {
                *state = State::Failed(err.clone());
                Err(err)
            }
            State::Consumed => Err(BodyError::Consumed),
        }
    }

    /// The bytes, when the body has been read already (no waiting, no reading).
    pub fn read_already(&self) -> Option<Bytes> {
        let state = self.state.try_lock()?;
        match &*state {
            State::Read(bytes) => Some(bytes.clone()),
            _ => None,
        }
    }
}

/// Reads the rest of `stream` into `taken`, one chunk at a time: each chunk is in `taken` as
/// soon as it arrives, so dropping this future loses nothing.
async fn fill(
    stream: &mut BodyStream,
    taken: &mut Taken,
    content_length: Option<u64>,
    limit: usize,
) -> Result<Bytes, BodyError> {
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if taken.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        taken.push(chunk, content_length);
    }
    Ok(taken.take())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        futures::executor::block_on(f)
    }

    fn chunks(parts: &[&'static str]) -> PendingBody {
        PendingBody::from_chunks(parts.iter().map(|p| Bytes::from_static(p.as_bytes())))
    }

    #[test]
    fn reads_all_chunks_once_and_shares_them_between_clones() {
        let body = chunks(&["ab", "cd", "ef"]);
        let clone = body.clone();
        assert_eq!(block_on(body.read()).unwrap(), "abcdef");
        assert_eq!(block_on(clone.read()).unwrap(), "abcdef");
        assert_eq!(clone.read_already().unwrap(), "abcdef");
    }

    #[test]
    fn a_single_chunk_is_not_copied() {
        let data = Bytes::from(vec![7u8; 1000]);
        let ptr = data.as_ptr();
        let body = PendingBody::from_chunks([data]);
        assert_eq!(block_on(body.read()).unwrap().as_ptr(), ptr);
    }

    #[test]
    fn the_limit_is_checked_on_the_announced_length_and_on_what_arrives() {
        let announced = PendingBody::new(Box::pin(stream::empty()), Some(10)).with_limit(5);
        assert_eq!(
            block_on(announced.read()),
            Err(BodyError::TooLarge { limit: 5 })
        );
        let unannounced = PendingBody::new(
            Box::pin(stream::iter(
                ["abc", "def"].map(|s| Ok(Bytes::from_static(s.as_bytes()))),
            )),
            None,
        )
        .with_limit(5);
        assert_eq!(
            block_on(unannounced.read()),
            Err(BodyError::TooLarge { limit: 5 })
        );
        // Exactly at the limit is fine.
        assert_eq!(
            block_on(chunks(&["abc", "de"]).with_limit(5).read()).unwrap(),
            "abcde"
        );
    }

    #[test]
    fn a_read_error_is_reported_to_every_reader() {
        let body = PendingBody::new(
            Box::pin(stream::iter([
                Ok(Bytes::from_static(b"ab")),
                Err(BodyError::Read("connection reset".into())),
            ])),
            None,
        );
        let err = BodyError::Read("connection reset".into());
        assert_eq!(block_on(body.read()), Err(err.clone()));
        assert_eq!(block_on(body.clone().read()), Err(err));
    }

    #[test]
    fn a_streamed_body_cannot_be_read_but_a_read_one_streams_again() {
        let body = chunks(&["ab", "cd"]);
        let mut s = block_on(body.clone().into_stream()).unwrap();
        let got: Vec<Bytes> = block_on(async { (&mut s).map(|c| c.unwrap()).collect().await });
        assert_eq!(got.concat(), b"abcd");
        assert_eq!(block_on(body.read()), Err(BodyError::Consumed));
        assert!(matches!(
            block_on(body.into_stream()),
            Err(BodyError::Consumed)
        ));

        let read = chunks(&["x", "y"]);
        block_on(read.read()).unwrap();
        let again = block_on(read.clone().into_stream()).unwrap();
        let got: Vec<Bytes> = block_on(again.map(|c| c.unwrap()).collect());
        assert_eq!(got.concat(), b"xy");
    }

    /// A body fed by hand, chunk by chunk: the stream waits while nothing has been sent.
    fn fed() -> (
        futures::channel::mpsc::UnboundedSender<Result<Bytes, BodyError>>,
        PendingBody,
    ) {
        let (tx, rx) = futures::channel::mpsc::unbounded();
        (tx, PendingBody::new(Box::pin(rx), None))
    }

    fn send(
        tx: &futures::channel::mpsc::UnboundedSender<Result<Bytes, BodyError>>,
        s: &'static str,
    ) {
        tx.unbounded_send(Ok(Bytes::from_static(s.as_bytes())))
            .unwrap();
    }

    #[test]
    fn a_read_cancelled_part_way_loses_nothing() {
        use futures::FutureExt;
        let (tx, body) = fed();
        send(&tx, "ab");
        send(&tx, "cd");
        // The read takes both chunks, then waits for more: dropping it there (what a timeout
        // around it does) must keep "abcd" for the next reader.
        assert!(body.read().now_or_never().is_none());
        assert!(body.read_already().is_none());
        send(&tx, "ef");
        assert!(body.clone().read().now_or_never().is_none());
        send(&tx, "gh");
        drop(tx);
        let clone = body.clone();
        assert_eq!(block_on(clone.read()).unwrap(), "abcdefgh");
        assert_eq!(block_on(body.read()).unwrap(), "abcdefgh");
    }

    #[test]
    fn a_read_cancelled_before_any_chunk_leaves_the_body_unread() {
        use futures::FutureExt;
        let (tx, body) = fed();
        assert!(body.read().now_or_never().is_none());
        send(&tx, "only");
        drop(tx);
        let read = block_on(body.read()).unwrap();
        assert_eq!(read, "only");
    }

    #[test]
    fn a_body_whose_read_was_cancelled_streams_on_whole() {
        use futures::FutureExt;
        let (tx, body) = fed();
        send(&tx, "ab");
        assert!(body.read().now_or_never().is_none());
        send(&tx, "cd");
        drop(tx);
        let stream = block_on(body.clone().into_stream()).unwrap();
        let got: Vec<Bytes> = block_on(stream.map(|c| c.unwrap()).collect());
        assert_eq!(got.concat(), b"abcd");
        assert_eq!(block_on(body.read()), Err(BodyError::Consumed));
    }

    #[test]
    fn the_limit_counts_what_a_cancelled_read_took() {
        use futures::FutureExt;
        let (tx, body) = fed();
        let body = body.with_limit(5);
        send(&tx, "abc");
        assert!(body.read().now_or_never().is_none());
        send(&tx, "def");
        drop(tx);
        assert_eq!(block_on(body.read()), Err(BodyError::TooLarge { limit: 5 }));
    }

    #[test]
    fn a_read_cancelled_by_a_timeout_goes_on_in_the_next_read() {
        // The same with a real runtime and a timer-free "timeout": the read races a signal
        // that fires once the first chunks are in, as an endpoint timeout would.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let (tx, body) = fed();
            send(&tx, "<a>");
            send(&tx, "1</a>");
            let (fire, fired) = futures::channel::oneshot::channel::<()>();
            let reading = Box::pin(body.read());
            let feeder = async {
                tokio::task::yield_now().await;
                let _ = fire.send(());
            };
            let (raced, ()) =
                futures::future::join(futures::future::select(reading, fired), feeder).await;
            let futures::future::Either::Right((_, reading)) = raced else {
                panic!("the read cannot finish: the stream is still open");
            };
            // The timeout fired: the read is dropped part-way.
            drop(reading);
            send(&tx, "<b/>");
            drop(tx);
            assert_eq!(body.read().await.unwrap(), "<a>1</a><b/>");
        });
    }
}
