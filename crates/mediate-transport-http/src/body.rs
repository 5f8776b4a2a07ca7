//! [`ResponseBody`]: the body hyper writes, for responses to clients and requests to endpoints.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use mediate_message::{BodyError, BodyStream, PendingBody};

type Opening = Pin<Box<dyn Future<Output = Result<BodyStream, BodyError>> + Send>>;

enum State {
    Empty,
    Full(Bytes),
    /// A [`PendingBody`] whose stream is being taken ([`PendingBody::into_stream`]).
    Opening(Opening),
    Streaming(BodyStream),
    Done,
}

/// A body to write: nothing, bytes in memory, or a stream sent chunk by chunk as it arrives
/// (a [`PendingBody`] passed through unread). It implements [`http_body::Body`], so hyper
/// writes it directly: with `Content-Length` when the length is known (empty, in memory, or a
/// stream whose sender announced one), chunked (HTTP/1.1) otherwise.
///
/// A stream that fails mid-way ([`BodyError`]) aborts the message: hyper closes the
/// connection (HTTP/1.1) or resets the stream (HTTP/2), so the peer never mistakes a cut body
/// for a whole one.
///
/// ```
/// use bytes::Bytes;
/// use http_body::Body as _;
/// use mediate_message::PendingBody;
/// use mediate_transport_http::ResponseBody;
///
/// assert_eq!(ResponseBody::empty().size_hint().exact(), Some(0));
/// assert_eq!(ResponseBody::full("hello").size_hint().exact(), Some(5));
/// let streamed = ResponseBody::stream(PendingBody::from_chunks([Bytes::from_static(b"ab")]));
/// assert_eq!(streamed.size_hint().exact(), Some(2)); // the announced length
/// ```
pub struct ResponseBody {
    state: State,
    /// The length announced for a stream (becomes `Content-Length`).
    length: Option<u64>,
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.state {
            State::Empty => "empty",
            State::Full(_) => "full",
            State::Opening(_) | State::Streaming(_) => "stream",
            State::Done => "done",
        };
        f.debug_struct("ResponseBody")
            .field("kind", &kind)
            .field("length", &self.length)
            .finish()
    }
}

impl Default for ResponseBody {
    fn default() -> Self {
        Self::empty()
    }
}

impl ResponseBody {
    /// No body.
    pub fn empty() -> Self {
        Self {
            state: State::Empty,
            length: Some(0),
        }
    }

    /// A body in memory.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes: Bytes = bytes.into();
        if bytes.is_empty() {
            return Self::empty();
        }
        Self {
            length: Some(bytes.len() as u64),
            state: State::Full(bytes),
        }
    }

    /// A body still streaming (never read into memory here), with the length its sender
    /// announced, if any.
    pub fn stream(body: PendingBody) -> Self {
        let length = body.content_length();
        Self {
            state: State::Opening(Box::pin(body.into_stream())),
            length,
        }
    }

    /// A body from a stream of chunks; `length`, when given, must be the exact total.
    pub fn from_stream(stream: BodyStream, length: Option<u64>) -> Self {
        Self {
            state: State::Streaming(stream),
            length,
        }
    }

    /// The length, when known before sending.
    pub fn length(&self) -> Option<u64> {
        self.length
    }
}

impl From<Bytes> for ResponseBody {
    fn from(bytes: Bytes) -> Self {
        Self::full(bytes)
    }
}

impl From<PendingBody> for ResponseBody {
    fn from(body: PendingBody) -> Self {
        Self::stream(body)
    }
}

impl From<Option<PendingBody>> for ResponseBody {
    fn from(body: Option<PendingBody>) -> Self {
        body.map_or_else(Self::empty, Self::stream)
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Empty | State::Done => return Poll::Ready(None),
                State::Full(_) => {
                    let State::Full(bytes) = std::mem::replace(&mut this.state, State::Done) else {
                        return Poll::Ready(None);
                    };
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                State::Opening(opening) => match ready!(opening.as_mut().poll(cx)) {
                    Ok(stream) => this.state = State::Streaming(stream),
                    Err(err) => {
                        this.state = State::Done;
                        return Poll::Ready(Some(Err(err)));
                    }
                },
                State::Streaming(stream) => {
                    return match ready!(stream.as_mut().poll_next(cx)) {
                        Some(Ok(chunk)) if chunk.is_empty() => continue,
                        Some(Ok(chunk)) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
                        Some(Err(err)) => {
                            this.state = State::Done;
                            Poll::Ready(Some(Err(err)))
                        }
                        None => {
                            this.state = State::Done;
                            Poll::Ready(None)
                        }
                    };
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.state, State::Empty | State::Done)
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.state, self.length) {
            (State::Empty | State::Done, _) => SizeHint::with_exact(0),
            (_, Some(len)) => SizeHint::with_exact(len),
            _ => SizeHint::default(),
        }
    }
}

/// A hyper body as a [`BodyStream`]: its data frames, trailers dropped, errors as
/// [`BodyError::Read`].
pub(crate) fn incoming_stream(body: hyper::body::Incoming) -> BodyStream {
    use futures::TryStreamExt;
    Box::pin(
        body.into_data_stream()
            .map_err(|e| BodyError::Read(error_chain(&e))),
    )
}

/// An error and its causes, `: `-separated.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(body: ResponseBody) -> Result<Bytes, BodyError> {
        futures::executor::block_on(async { Ok(body.collect().await?.to_bytes()) })
    }

    #[test]
    fn empty_full_and_streamed_bodies_give_their_bytes() {
        assert_eq!(collect(ResponseBody::empty()).unwrap(), "");
        assert_eq!(collect(ResponseBody::full("abc")).unwrap(), "abc");
        let pending = PendingBody::from_chunks([&b"a"[..], b"", b"bc"].map(Bytes::from_static));
        assert_eq!(collect(ResponseBody::stream(pending)).unwrap(), "abc");
    }

    #[test]
    fn a_stream_error_is_reported() {
        let stream: BodyStream = Box::pin(futures::stream::iter([
            Ok(Bytes::from_static(b"a")),
            Err(BodyError::Read("reset".into())),
        ]));
        let err = collect(ResponseBody::from_stream(stream, None)).unwrap_err();
        assert_eq!(err, BodyError::Read("reset".into()));
    }

    #[test]
    fn a_consumed_body_cannot_be_sent_again() {
        let pending = PendingBody::from_chunks([Bytes::from_static(b"x")]);
        assert_eq!(collect(ResponseBody::stream(pending.clone())).unwrap(), "x");
        assert_eq!(
            collect(ResponseBody::stream(pending)).unwrap_err(),
            BodyError::Consumed
        );
    }

    #[test]
    fn size_hints() {
        assert_eq!(ResponseBody::full("").size_hint().exact(), Some(0));
        let unknown: BodyStream = Box::pin(futures::stream::empty());
        assert_eq!(
            ResponseBody::from_stream(unknown, None).size_hint().exact(),
            None
        );
        assert!(ResponseBody::empty().is_end_stream());
        assert!(!ResponseBody::full("x").is_end_stream());
    }
}
