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
    /// Nothing has touched the stream yet.
    Unread(BodyStream),
    /// Read into memory.
    Read(Bytes),
    /// Handed on as a stream.
    Consumed,
    /// Reading failed (the error is reported again to every later reader).
    Failed(BodyError),
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
            state: Arc::new(Mutex::new(State::Unread(stream))),
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
    pub async fn read(&self) -> Result<Bytes, BodyError> {
        let mut state = self.state.lock().await;
        let stream = match std::mem::replace(&mut *state, State::Consumed) {
            State::Unread(stream) => stream,
            State::Read(bytes) => {
                *state = State::Read(bytes.clone());
                return Ok(bytes);
            }
            State::Failed(err) => {
                *state = State::Failed(err.clone());
                return Err(err);
            }
            State::Consumed => return Err(BodyError::Consumed),
        };
        let result = collect(stream, self.content_length, self.limit).await;
        *state = match &result {
            Ok(bytes) => State::Read(bytes.clone()),
            Err(err) => State::Failed(err.clone()),
        };
        result
    }

    /// The body as a stream, to send it on without reading it: the original stream when nothing
    /// has read it, or the bytes already read as one chunk. A body already streamed on gives
    /// [`BodyError::Consumed`].
    pub async fn into_stream(self) -> Result<BodyStream, BodyError> {
        let mut state = self.state.lock().await;
        match std::mem::replace(&mut *state, State::Consumed) {
            State::Unread(stream) => Ok(stream),
            State::Read(bytes) => {
                *state = State::Read(bytes.clone());
                Ok(Box::pin(stream::once(async move { Ok(bytes) })))
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

async fn collect(
    mut stream: BodyStream,
    content_length: Option<u64>,
    limit: usize,
) -> Result<Bytes, BodyError> {
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        let have = first.as_ref().map_or(0, Bytes::len) + buf.len();
        if have + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        // One chunk (the common case for small bodies) is kept as it is, without a copy.
        match first.take() {
            None if buf.is_empty() => first = Some(chunk),
            Some(prev) => {
                // The announced length is a hint, capped: a client announcing 64 MiB and
                // sending two chunks must not get 64 MiB reserved.
                buf.reserve(
                    content_length
                        .map_or(0, |l| l as usize)
                        .min(RESERVE_CAP)
                        .max(prev.len() + chunk.len()),
                );
                buf.extend_from_slice(&prev);
                buf.extend_from_slice(&chunk);
            }
            None => buf.extend_from_slice(&chunk),
        }
    }
    Ok(match first {
        Some(bytes) => bytes,
        None => buf.freeze(),
    })
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
}
