//! [`ResponseBody`]: the body hyper writes, for responses to clients and requests to endpoints.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use mediate_core::transport::ProtocolState;
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
    /// The backend connection's progress, for a request body ([`ResponseBody::track`]).
    progress: Option<Arc<Progress>>,
    /// Bytes of a tracked stream written so far.
    sent: u64,
}

/// How far the request on one HTTP/1 backend connection has got: its
/// [`ProtocolState`] (as Synapse's `TargetContext` keeps it) and how many body frames have
/// been written, which the sender's socket timeout counts as activity. One per connection,
/// reused by each request it carries: following a request costs no allocation.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    state: AtomicU8,
    frames: AtomicU32,
}

impl Progress {
    /// A request was submitted: `REQUEST_DONE` at once when it has no body to write (as
    /// Synapse's `TargetRequest.start`), else `REQUEST_HEAD` until its body has been written.
    pub(crate) fn start(&self, no_body: bool) {
        let state = if no_body {
            ProtocolState::RequestDone
        } else {
            ProtocolState::RequestHead
        };
        self.state.store(state as u8, Ordering::Relaxed);
    }

    fn wrote_frame(&self) {
        self.frames.fetch_add(1, Ordering::Relaxed);
    }

    fn done(&self) {
        self.state
            .store(ProtocolState::RequestDone as u8, Ordering::Relaxed);
    }

    /// The state of the request.
    pub(crate) fn state(&self) -> ProtocolState {
        match self.state.load(Ordering::Relaxed) {
            0 => ProtocolState::RequestReady,
            1 => ProtocolState::RequestHead,
            2 => ProtocolState::RequestBody,
            _ => ProtocolState::RequestDone,
        }
    }

    /// How many body frames have been written, ever (it wraps).
    pub(crate) fn frames(&self) -> u32 {
        self.frames.load(Ordering::Relaxed)
    }
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
            progress: None,
            sent: 0,
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
            progress: None,
            sent: 0,
        }
    }

    /// A body still streaming (never read into memory here), with the length its sender
    /// announced, if any.
    pub fn stream(body: PendingBody) -> Self {
        let length = body.content_length();
        Self {
            state: State::Opening(Box::pin(body.into_stream())),
            length,
            progress: None,
            sent: 0,
        }
    }

    /// A body from a stream of chunks; `length`, when given, must be the exact total.
    pub fn from_stream(stream: BodyStream, length: Option<u64>) -> Self {
        Self {
            state: State::Streaming(stream),
            length,
            progress: None,
            sent: 0,
        }
    }

    /// Sends this body as a request on the connection whose progress is `progress`: it
    /// starts the request's state and records each frame written and the body's end.
    pub(crate) fn track(&mut self, progress: Arc<Progress>) {
        progress.start(self.is_end_stream());
        self.progress = Some(progress);
    }

    /// The body has been written to its end.
    fn finished(&self) {
        if let Some(progress) = &self.progress {
            progress.done();
        }
    }

    /// The one frame of a body in memory has been written.
    fn wrote_frame(&self) {
        if let Some(progress) = &self.progress {
            progress.wrote_frame();
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
                State::Empty | State::Done => {
                    this.finished();
                    return Poll::Ready(None);
                }
                State::Full(_) => {
                    let State::Full(bytes) = std::mem::replace(&mut this.state, State::Done) else {
                        return Poll::Ready(None);
                    };
                    // The only frame: hyper asks for no more once the body says it has ended.
                    this.wrote_frame();
                    this.finished();
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
                        Some(Ok(chunk)) => {
                            if let Some(progress) = &this.progress {
                                progress.wrote_frame();
                                // hyper stops asking once a `Content-Length` is reached.
                                this.sent += chunk.len() as u64;
                                if this.length == Some(this.sent) {
                                    progress.done();
                                }
                            }
                            Poll::Ready(Some(Ok(Frame::data(chunk))))
                        }
                        Some(Err(err)) => {
                            this.state = State::Done;
                            Poll::Ready(Some(Err(err)))
                        }
                        None => {
                            this.state = State::Done;
                            this.finished();
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

/// Who sends a body the transport reads: named when the body's idle timeout fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    /// A client of the listener (a request body).
    Client,
    /// A backend the client sent to (a response body).
    Backend,
}

/// A hyper body as a [`BodyStream`]: its data frames, trailers dropped, errors as
/// [`BodyError::Read`]. With `idle`, a wait for the next frame that lasts that long ends the
/// stream with a [`BodyError::Read`] naming the silent `peer` ("the client sent no body data
/// for 180 s"), so that a reader fails instead of waiting for ever.
///
/// The timer costs nothing while frames are ready when asked for (a small body that came
/// with its head never starts one): it is made the first time the body has to wait, and
/// then reused for the whole body.
///
/// (HTTP/1 response bodies are read by [`crate::h1_client::H1Body`] instead.)
pub(crate) fn incoming_stream(
    body: hyper::body::Incoming,
    idle: Option<Duration>,
    peer: Peer,
) -> BodyStream {
    Box::pin(IncomingStream::new(body, idle, peer))
}

/// The stream [`incoming_stream`] makes (generic over the body for tests).
struct IncomingStream<B> {
    /// `None` once the body has ended (or failed, or timed out): it is dropped at once.
    body: Option<B>,
    idle: Option<IdleTimer>,
}

impl<B> IncomingStream<B> {
    /// The body ended (well or not): drop it.
    fn ended(&mut self) {
        self.body = None;
        self.idle = None;
    }

    fn failed(&mut self) {
        self.ended();
    }
}

impl<B: Body> IncomingStream<B> {
    fn new(body: B, idle: Option<Duration>, peer: Peer) -> Self {
        let idle = idle
            .filter(|_| !body.is_end_stream())
            .map(|limit| IdleTimer::new(limit, peer));
        Self {
            body: Some(body),
            idle,
        }
    }
}

impl<B> futures::Stream for IncomingStream<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::error::Error + 'static,
{
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            match Pin::new(&mut *body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    if let Some(idle) = &mut this.idle {
                        idle.reset();
                    }
                    if let Ok(data) = frame.into_data() {
                        // The last chunk (hyper counts `Content-Length`): let the body go now,
                        // as a writer that stops at the length never asks again.
                        if body.is_end_stream() {
                            this.ended();
                        }
                        return Poll::Ready(Some(Ok(data)));
                    }
                    // Trailers: dropped.
                }
                Poll::Ready(Some(Err(err))) => {
                    this.failed();
                    return Poll::Ready(Some(Err(BodyError::Read(error_chain(&err)))));
                }
                Poll::Ready(None) => {
                    this.ended();
                    return Poll::Ready(None);
                }
                Poll::Pending => break,
            }
        }
        if body.is_end_stream() {
            // All of it arrived (hyper counts `Content-Length`); no need to wait for the close.
            this.ended();
            return Poll::Ready(None);
        }
        match poll_idle(&mut this.idle, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(err) => {
                this.failed();
                Poll::Ready(Some(Err(err)))
            }
        }
    }
}

/// The idle timeout of one body.
pub(crate) struct IdleTimer {
    limit: Duration,
    peer: Peer,
    /// When the wait for the next frame began; `None` while not waiting.
    waiting_since: Option<tokio::time::Instant>,
    /// Made at the first wait and reused: its deadline may be that of an earlier wait (earlier
    /// than the current one's), and is moved on only when it fires, so that a frame costs no
    /// timer update.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

pub(crate) enum Expiry {
    /// Not yet: the waker is registered for when it will be.
    Waiting,
    /// The current wait has lasted the limit.
    Expired,
    /// No timer can be had (polled outside a tokio runtime): no limit.
    NoTimer,
}

/// For a body whose read returned `Pending`: `Pending` while its idle timer (if any) has not
/// expired, or the error to end the body with once it has. A timer that cannot be had
/// (outside a tokio runtime) is dropped: no limit.
pub(crate) fn poll_idle(idle: &mut Option<IdleTimer>, cx: &mut Context<'_>) -> Poll<BodyError> {
    let Some(timer) = idle else {
        return Poll::Pending;
    };
    match timer.poll_expired(cx) {
        Expiry::Waiting => Poll::Pending,
        Expiry::NoTimer => {
            *idle = None;
            Poll::Pending
        }
        Expiry::Expired => {
            let err = timer.error();
            tracing::debug!(error = %err, "body idle timeout; abandoning the body");
            Poll::Ready(err)
        }
    }
}

impl IdleTimer {
    pub(crate) fn new(limit: Duration, peer: Peer) -> Self {
        Self {
            limit,
            peer,
            waiting_since: None,
            sleep: None,
        }
    }

    /// Data came: the next wait starts afresh.
    pub(crate) fn reset(&mut self) {
        self.waiting_since = None;
    }

    /// The error of a wait that lasted the limit ("the backend sent no body data for 180 s").
    pub(crate) fn error(&self) -> BodyError {
        BodyError::Read(format!(
            "the {} sent no body data for {}",
            match self.peer {
                Peer::Client => "client",
                Peer::Backend => "backend",
            },
            describe(self.limit)
        ))
    }

    /// Whether the current wait (begun at the first call since data last came) has lasted the
    /// limit; registers `cx` for when it will.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Expiry {
        let since = *self
            .waiting_since
            .get_or_insert_with(tokio::time::Instant::now);
        let Some(deadline) = since.checked_add(self.limit) else {
            return Expiry::NoTimer;
        };
        let sleep = match &mut self.sleep {
            Some(sleep) => sleep,
            None => {
                if tokio::runtime::Handle::try_current().is_err() {
                    return Expiry::NoTimer;
                }
                self.sleep
                    .insert(Box::pin(tokio::time::sleep_until(deadline)))
            }
        };
        loop {
            if sleep.as_mut().poll(cx).is_pending() {
                return Expiry::Waiting;
            }
            if sleep.deadline() >= deadline {
                return Expiry::Expired;
            }
            sleep.as_mut().reset(deadline);
        }
    }
}

/// `180 s`, or `250 ms` for a duration that is not whole seconds.
fn describe(limit: Duration) -> String {
    if limit.subsec_nanos() == 0 {
        format!("{} s", limit.as_secs())
    } else {
        format!("{} ms", limit.as_millis())
    }
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
    use http_body_util::BodyExt;

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

    type Frames = futures::channel::mpsc::UnboundedSender<Result<Frame<Bytes>, std::io::Error>>;

    /// A body fed by hand, and its stream with an idle limit.
    fn fed(
        idle: Duration,
    ) -> (
        Frames,
        IncomingStream<impl Body<Data = Bytes, Error = std::io::Error> + Unpin>,
    ) {
        let (tx, rx) = futures::channel::mpsc::unbounded();
        let body = http_body_util::StreamBody::new(rx);
        (tx, IncomingStream::new(body, Some(idle), Peer::Client))
    }

    fn send(tx: &Frames, data: &'static str) {
        tx.unbounded_send(Ok(Frame::data(Bytes::from_static(data.as_bytes()))))
            .unwrap();
    }

    /// Awaits `f`, failing the test if it hangs.
    async fn within<F: Future>(f: F) -> F::Output {
        tokio::time::timeout(Duration::from_secs(30), f)
            .await
            .expect("the test hung")
    }

    #[tokio::test]
    async fn a_body_silent_for_the_idle_limit_fails_naming_the_peer() {
        use futures::StreamExt;
        let (tx, mut stream) = fed(Duration::from_millis(50));
        send(&tx, "ab");
        assert_eq!(within(stream.next()).await.unwrap().unwrap(), "ab");
        // The sender stays open and sends nothing more.
        let err = within(stream.next()).await.unwrap().unwrap_err();
        assert_eq!(
            err,
            BodyError::Read("the client sent no body data for 50 ms".into())
        );
        assert!(stream.next().await.is_none());
        assert!(stream.body.is_none(), "the body is let go at once");
        drop(tx);
    }

    #[tokio::test]
    async fn the_limit_is_on_each_wait_not_on_the_whole_body() {
        use futures::StreamExt;
        let (tx, stream) = fed(Duration::from_secs(1));
        // Eight chunks 150 ms apart: 1.2 s in all, never 1 s without one. The timer made at the
        // first wait fires during a later one and must be moved on, not taken as expiry.
        let feeder = tokio::spawn(async move {
            for _ in 0..8 {
                tokio::time::sleep(Duration::from_millis(150)).await;
                send(&tx, "x");
            }
        });
        let got: Vec<_> = within(stream.collect::<Vec<_>>()).await;
        let got: Result<Vec<Bytes>, _> = got.into_iter().collect();
        assert_eq!(got.unwrap().concat(), b"xxxxxxxx");
        feeder.await.unwrap();
    }

    #[tokio::test]
    async fn a_body_that_never_waits_never_makes_a_timer() {
        use futures::StreamExt;
        let (tx, mut stream) = fed(Duration::from_millis(10));
        send(&tx, "a");
        send(&tx, "b");
        tx.unbounded_send(Ok(Frame::trailers(http::HeaderMap::new())))
            .unwrap();
        drop(tx);
        let mut got = Vec::new();
        while let Some(chunk) = stream.next().await {
            got.push(chunk.unwrap());
        }
        assert_eq!(got.concat(), b"ab", "trailers are dropped");
        assert!(stream.idle.is_none() && stream.body.is_none());

        let (tx, mut stream) = fed(Duration::from_millis(10));
        send(&tx, "a");
        assert_eq!(stream.next().await.unwrap().unwrap(), "a");
        assert!(
            stream
                .idle
                .as_ref()
                .is_some_and(|idle| idle.sleep.is_none())
        );
    }

    #[tokio::test]
    async fn an_errored_body_reports_its_error_once() {
        use futures::StreamExt;
        let (tx, mut stream) = fed(Duration::from_secs(60));
        tx.unbounded_send(Err(std::io::Error::other("connection reset")))
            .unwrap();
        assert_eq!(
            stream.next().await.unwrap().unwrap_err(),
            BodyError::Read("connection reset".into())
        );
        assert!(stream.next().await.is_none());
    }

    #[test]
    fn outside_a_runtime_a_body_waits_without_a_limit() {
        use futures::StreamExt;
        let (tx, mut stream) = fed(Duration::from_millis(1));
        let feeder = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            send(&tx, "late");
        });
        let chunk = futures::executor::block_on(stream.next());
        assert_eq!(chunk.unwrap().unwrap(), "late");
        feeder.join().unwrap();
    }

    #[test]
    fn idle_limits_are_described_in_seconds_or_milliseconds() {
        assert_eq!(describe(Duration::from_secs(180)), "180 s");
        assert_eq!(describe(Duration::from_millis(250)), "250 ms");
    }
}
