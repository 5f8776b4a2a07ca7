//! The HTTP/1.1 wire format of the client ([`crate::h1_client`]) and the listener
//! ([`crate::h1_server`]): heads written into reused buffers, heads parsed with `httparse` into
//! an [`http::HeaderMap`] whose values share the bytes read (no copy per header), message
//! framing after RFC 9112 §6.3, and the chunked transfer coding (§7.1) in both directions.
//!
//! Why not hyper for HTTP/1.1: see the module documentation of [`crate::h1_client`].

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode, Version};
use mediate_core::format::connection_lists;

/// The most headers a response head may have.
pub(crate) const MAX_HEADERS: usize = 128;

/// The most bytes a response head may take.
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// The most bytes of chunk extensions and trailers one body may carry.
const MAX_CHUNK_OVERHEAD: usize = 16 * 1024;

/// How the body of a message is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// No body: an answer to `HEAD`, `1xx`, `204`, `304`, or `Content-Length: 0`.
    Empty,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// Until the connection closes (no length, or a transfer coding other than chunked last).
    Close,
}

/// Why a response could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError(pub(crate) String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn invalid(what: impl Into<String>) -> ParseError {
    ParseError(what.into())
}

/// A response head, parsed.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) framing: Framing,
    /// The connection may carry another request once this response's body has been read.
    pub(crate) keep_alive: bool,
}

/// Where one header's name and value lie in the head.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    name: (usize, usize),
    value: (usize, usize),
}

/// Parses a response head from the start of `buf`. `Ok(None)`: the head is not complete yet.
/// A complete head is split off `buf` (what follows, the start of the body, stays in it).
/// Interim `1xx` responses (`100 Continue`, `103 Early Hints`) are skipped; a `101` is an
/// error (this client never asks to switch protocols). `spans` is scratch space, reused.
pub(crate) fn parse_response(
    buf: &mut BytesMut,
    request_method: &Method,
    spans: &mut Vec<Span>,
) -> Result<Option<ResponseHead>, ParseError> {
    loop {
        // Uninitialised: zeroing 128 headers would cost more than parsing a typical head.
        let mut headers =
            [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut []);
        let base = buf.as_ptr() as usize;
        let parsed = httparse::ParserConfig::default().parse_response_with_uninit_headers(
            &mut response,
            buf,
            &mut headers,
        );
        let len = match parsed {
            Ok(httparse::Status::Complete(len)) if len > MAX_HEAD => {
                return Err(invalid(format!(
                    "the response head is larger than {MAX_HEAD} bytes"
                )));
            }
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD {
                    return Err(invalid(format!(
                        "the response head is larger than {MAX_HEAD} bytes"
                    )));
                }
                return Ok(None);
            }
            Err(httparse::Error::TooManyHeaders) => {
                return Err(invalid(format!(
                    "the response has more than {MAX_HEADERS} headers"
                )));
            }
            Err(err) => return Err(invalid(format!("the response head is malformed ({err})"))),
        };
        let code = response.code.unwrap_or(0);
        let status = StatusCode::from_u16(code)
            .map_err(|_| invalid(format!("the response status {code} is not valid")))?;
        let version = if response.version == Some(0) {
            Version::HTTP_10
        } else {
            Version::HTTP_11
        };
        if status.is_informational() {
            if status == StatusCode::SWITCHING_PROTOCOLS {
                return Err(invalid("the backend switched protocols unasked (101)"));
            }
            let _ = buf.split_to(len);
            continue;
        }
        record_spans(response.headers, base, spans);
        let head = buf.split_to(len).freeze();
        let headers = header_map(&head, spans)?;
        let framing = framing(status, request_method, &headers)?;
        let keep_alive = framing != Framing::Close && keeps_alive(version, &headers);
        return Ok(Some(ResponseHead {
            status,
            version,
            headers,
            framing,
            keep_alive,
        }));
    }
}

/// Where `headers` (parsed from a buffer starting at address `base`) lie in it, into `spans`.
fn record_spans(headers: &[httparse::Header<'_>], base: usize, spans: &mut Vec<Span>) {
    spans.clear();
    for h in headers {
        let name = h.name.as_ptr() as usize - base;
        let value = h.value.as_ptr() as usize - base;
        spans.push(Span {
            name: (name, name + h.name.len()),
            value: (value, value + h.value.len()),
        });
    }
}

/// The headers of a parsed head, the values sharing `head`'s bytes.
pub(crate) fn header_map(head: &Bytes, spans: &[Span]) -> Result<HeaderMap, ParseError> {
    let mut map = mediate_core::header_pool::empty_map(spans.len());
    for span in spans {
        let name = header_name(&head[span.name.0..span.name.1])
            .map_err(|_| invalid("a response header name is not valid"))?;
        let value = HeaderValue::from_maybe_shared(head.slice(span.value.0..span.value.1))
            .map_err(|_| invalid(format!("the response header `{name}` has an invalid value")))?;
        map.append(name, value);
    }
    Ok(map)
}

/// The most header names [`header_name`] keeps per thread, and the longest it keeps.
const NAMES_KEPT: usize = 32;
const LONGEST_NAME_KEPT: usize = 64;

thread_local! {
    /// Header names this thread has parsed, by their bytes as written.
    static NAMES: std::cell::RefCell<Vec<(Box<[u8]>, HeaderName)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// [`HeaderName::from_bytes`], answered from the names this thread has parsed before when
/// `raw` is one of them byte for byte. A peer writes the same names in the same case head after
/// head; parsing one lowercases it through a table and matches it against the standard names
/// (about 120 instructions for `Content-Type`), and a name that is not a standard one is
/// copied into an allocation of its own each time. A name found here is a comparison away, and
/// a custom one is shared. The first [`NAMES_KEPT`] names of up to [`LONGEST_NAME_KEPT`] bytes
/// are kept.
pub(crate) fn header_name(raw: &[u8]) -> Result<HeaderName, header::InvalidHeaderName> {
    let found = NAMES.with(|names| {
        names
            .borrow()
            .iter()
            .find(|(bytes, _)| **bytes == *raw)
            .map(|(_, name)| name.clone())
    });
    if let Some(name) = found {
        return Ok(name);
    }
    let name = HeaderName::from_bytes(raw)?;
    if raw.len() <= LONGEST_NAME_KEPT {
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if names.len() < NAMES_KEPT {
                names.push((raw.into(), name.clone()));
            }
        });
    }
    Ok(name)
}

/// RFC 9112 §6.3: how the body of this response is delimited.
fn framing(
    status: StatusCode,
    request_method: &Method,
    headers: &HeaderMap,
) -> Result<Framing, ParseError> {
    if *request_method == Method::HEAD
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return Ok(Framing::Empty);
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        let last = headers
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|coding| !coding.is_empty());
        return Ok(match last {
            Some(coding) if coding.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            _ => Framing::Close,
        });
    }
    match content_length(headers)? {
        Some(0) => Ok(Framing::Empty),
        Some(n) => Ok(Framing::Length(n)),
        None => Ok(Framing::Close),
    }
}

/// The `Content-Length`, when there is one: every value (and every element of a list) must be
/// the same number, else the response is refused (RFC 9112 §6.3, rule 5).
pub(crate) fn content_length(headers: &HeaderMap) -> Result<Option<u64>, ParseError> {
    let mut length = None;
    for value in headers.get_all(header::CONTENT_LENGTH) {
        for part in value.as_bytes().split(|&b| b == b',') {
            let n = parse_decimal(trim(part))
                .ok_or_else(|| invalid("the response's Content-Length is not a number"))?;
            if length.is_some_and(|l| l != n) {
                return Err(invalid("the response has differing Content-Length values"));
            }
            length = Some(n);
        }
    }
    Ok(length)
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace());
    match (start, end) {
        (Some(s), Some(e)) => &bytes[s..=e],
        _ => &[],
    }
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Whether the connection stays open after this response: HTTP/1.1 unless `Connection: close`,
/// HTTP/1.0 only with `Connection: keep-alive`.
pub(crate) fn keeps_alive(version: Version, headers: &HeaderMap) -> bool {
    if version == Version::HTTP_10 {
        connection_lists(headers, "keep-alive")
    } else {
        !connection_lists(headers, "close")
    }
}

/// A request head, parsed.
#[derive(Debug)]
pub(crate) struct RequestHead {
    pub(crate) parts: http::request::Parts,
    /// How the request's body is delimited: `Empty`, `Length` or `Chunked` (never `Close`).
    pub(crate) framing: Framing,
    /// The client allows the connection to carry another request.
    pub(crate) keep_alive: bool,
    /// `Expect: 100-continue`.
    pub(crate) expects_continue: bool,
}

/// A request that cannot be served, and the status it is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) reason: String,
}

fn refuse(status: StatusCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

/// Parses a request head from the start of `buf` (split off it when complete). `Ok(None)`: not
/// complete yet. Refused: a malformed head (`400`), one over `max_head` bytes or
/// `max_headers` headers (`431`, or `414` when the request line alone is over), a transfer
/// coding other than chunked last (`501` for an unknown one, `400` when chunked is not last, as
/// RFC 9112 §6.3 asks), conflicting `Content-Length`s (`400`).
pub(crate) fn parse_request(
    buf: &mut BytesMut,
    max_head: usize,
    max_headers: usize,
    spans: &mut Vec<Span>,
) -> Result<Option<RequestHead>, Refusal> {
    let mut fixed =
        [const { std::mem::MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut more = Vec::new();
    let headers: &mut [std::mem::MaybeUninit<httparse::Header<'_>>] = if max_headers <= MAX_HEADERS
    {
        &mut fixed[..max_headers]
    } else {
        more.resize_with(max_headers, std::mem::MaybeUninit::uninit);
        &mut more[..]
    };
    let mut request = httparse::Request::new(&mut []);
    let base = buf.as_ptr() as usize;
    let parsed = httparse::ParserConfig::default().parse_request_with_uninit_headers(
        &mut request,
        buf,
        headers,
    );
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) if len > max_head => {
            let line = buf.iter().position(|&b| b == b'\n').unwrap_or(len);
            return Err(if line >= max_head {
                refuse(
                    StatusCode::URI_TOO_LONG,
                    format!("the request line is longer than {max_head} bytes"),
                )
            } else {
                refuse(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    format!("the request head is larger than {max_head} bytes"),
                )
            });
        }
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => {
            if buf.len() > max_head {
                let line_done = buf.iter().take(max_head).any(|&b| b == b'\n');
                return Err(if line_done {
                    refuse(
                        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                        format!("the request head is larger than {max_head} bytes"),
                    )
                } else {
                    refuse(
                        StatusCode::URI_TOO_LONG,
                        format!("the request line is longer than {max_head} bytes"),
                    )
                });
            }
            return Ok(None);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(refuse(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("the request has more than {max_headers} headers"),
            ));
        }
        Err(err) => {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                format!("the request head is malformed ({err})"),
            ));
        }
    };
    let method = Method::from_bytes(request.method.unwrap_or_default().as_bytes())
        .map_err(|_| refuse(StatusCode::BAD_REQUEST, "the request method is not valid"))?;
    let path = request.path.unwrap_or_default();
    let path_span = {
        let start = path.as_ptr() as usize - base;
        (start, start + path.len())
    };
    let version = if request.version == Some(0) {
        Version::HTTP_10
    } else {
        Version::HTTP_11
    };
    record_spans(request.headers, base, spans);
    let head = buf.split_to(len).freeze();
    let uri = http::Uri::from_maybe_shared(head.slice(path_span.0..path_span.1)).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "the request target is not a valid URI",
        )
    })?;
    let headers = header_map(&head, spans).map_err(|e| refuse(StatusCode::BAD_REQUEST, e.0))?;
    let mut keep_alive = keeps_alive(version, &headers);
    let framing = if headers.contains_key(header::TRANSFER_ENCODING) {
        if version == Version::HTTP_10 {
            return Err(refuse(
                StatusCode::BAD_REQUEST,
                "an HTTP/1.0 request cannot use Transfer-Encoding",
            ));
        }
        let codings: Vec<&str> = headers
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .map(|v| v.to_str().unwrap_or("?"))
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        match codings.last() {
            Some(last) if last.eq_ignore_ascii_case("chunked") => {}
            Some(last) if !codings.iter().any(|c| c.eq_ignore_ascii_case("chunked")) => {
                return Err(refuse(
                    StatusCode::NOT_IMPLEMENTED,
                    format!("the transfer coding `{last}` is not supported"),
                ));
            }
            _ => {
                return Err(refuse(
                    StatusCode::BAD_REQUEST,
                    "chunked is not the last transfer coding of the request",
                ));
            }
        }
        // Both headers: Transfer-Encoding wins, and the connection is not trusted further.
        if headers.contains_key(header::CONTENT_LENGTH) {
            keep_alive = false;
        }
        Framing::Chunked
    } else {
        match content_length(&headers).map_err(|e| refuse(StatusCode::BAD_REQUEST, e.0))? {
            None | Some(0) => Framing::Empty,
            Some(n) => Framing::Length(n),
        }
    };
    let expects_continue = version == Version::HTTP_11
        && headers
            .get(header::EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let mut parts = http::Request::new(()).into_parts().0;
    parts.method = method;
    parts.uri = uri;
    parts.version = version;
    parts.headers = headers;
    Ok(Some(RequestHead {
        parts,
        framing,
        keep_alive,
        expects_continue,
    }))
}

/// How a request body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFraming {
    /// No body, and no length header (a method without payload semantics).
    None,
    /// `Content-Length: n` (also `0` for `POST`, `PUT` and `PATCH` without a body).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Writes a request head into `out`: the request line (`target` is the path and query, or the
/// absolute URI), `headers` (names in lower case, as hyper writes them; any framing headers in
/// them are left out, the framing is `framing`'s), `Host` unless `headers` has one, and
/// `connection: keep-alive` for HTTP/1.0.
pub(crate) fn write_request_head(
    out: &mut Vec<u8>,
    method: &Method,
    target: &str,
    version: Version,
    headers: &HeaderMap,
    host: &HeaderValue,
    framing: RequestFraming,
) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(if version == Version::HTTP_10 {
        b" HTTP/1.0\r\n"
    } else {
        b" HTTP/1.1\r\n"
    });
    if !headers.contains_key(header::HOST) {
        write_header(out, b"host", host.as_bytes());
    }
    for (name, value) in headers {
        if *name == header::CONTENT_LENGTH || *name == header::TRANSFER_ENCODING {
            continue;
        }
        write_header(out, name.as_str().as_bytes(), value.as_bytes());
    }
    match framing {
        RequestFraming::None => {}
        RequestFraming::Length(n) => {
            out.extend_from_slice(b"content-length: ");
            write_decimal(out, n);
            out.extend_from_slice(b"\r\n");
        }
        RequestFraming::Chunked => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    if version == Version::HTTP_10 && !headers.contains_key(header::CONNECTION) {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn write_header(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

pub(crate) fn write_decimal(out: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// The line that starts a chunk of `len` bytes (`len` in hex, CRLF).
pub(crate) fn write_chunk_size(out: &mut Vec<u8>, len: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 16];
    let mut i = digits.len();
    let mut n = len;
    loop {
        i -= 1;
        digits[i] = HEX[n & 0xf];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// What [`ChunkedDecoder::decode`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded {
    /// Body bytes.
    Data(Bytes),
    /// The input ran out before the next data or the end.
    NeedMore,
    /// The last chunk and the trailers have been read: the body is complete.
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Reading the hex digits of a chunk size.
    Size,
    /// Blanks after the size, before `;` or CR.
    SizeBlank,
    /// A chunk extension: skipped up to CR.
    Extension,
    /// The LF ending a size line.
    SizeLf,
    /// Chunk data, `remaining` bytes still to come.
    Data,
    /// The CR after chunk data.
    DataCr,
    /// The LF after chunk data.
    DataLf,
    /// At the start of a trailer line (or of the final empty line).
    TrailerStart,
    /// Inside a trailer field line (skipped).
    TrailerLine,
    /// The LF ending a trailer line.
    TrailerLf,
    /// The LF of the final empty line.
    EndLf,
    /// Done.
    End,
}

/// The chunked transfer coding, decoded incrementally from whatever bytes have arrived.
/// Chunk extensions and trailer fields are read and dropped (with a limit on their size).
#[derive(Debug)]
pub(crate) struct ChunkedDecoder {
    state: ChunkState,
    /// The size being read, then the data left in the current chunk.
    remaining: u64,
    /// Hex digits of the size read so far.
    digits: u8,
    /// Bytes of extensions and trailers seen (limited).
    overhead: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        Self {
            state: ChunkState::Size,
            remaining: 0,
            digits: 0,
            overhead: 0,
        }
    }
}

impl ChunkedDecoder {
    /// Decodes from the start of `buf`, consuming what it reads: the next data (a slice of
    /// `buf`, not copied), `NeedMore` once `buf` is used up, or `End`.
    pub(crate) fn decode(&mut self, buf: &mut BytesMut) -> Result<Decoded, ParseError> {
        use ChunkState::*;
        loop {
            if self.state == End {
                return Ok(Decoded::End);
            }
            if self.state == Data {
                if buf.is_empty() {
                    return Ok(Decoded::NeedMore);
                }
                let n = usize::try_from(self.remaining)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                self.remaining -= n as u64;
                if self.remaining == 0 {
                    self.state = DataCr;
                }
                return Ok(Decoded::Data(buf.split_to(n).freeze()));
            }
            let Some(&byte) = buf.first() else {
                return Ok(Decoded::NeedMore);
            };
            let _ = buf.split_to(1);
            self.state = match (self.state, byte) {
                (Size, b) if b.is_ascii_hexdigit() => {
                    if self.digits >= 15 {
                        return Err(invalid("a chunk size is too large"));
                    }
                    self.digits += 1;
                    let digit = (b as char).to_digit(16).unwrap_or(0);
                    self.remaining = self.remaining * 16 + u64::from(digit);
                    Size
                }
                (Size, _) if self.digits == 0 => {
                    return Err(invalid("a chunk size is not a hex number"));
                }
                (Size | SizeBlank, b' ' | b'\t') => SizeBlank,
                (Size | SizeBlank, b';') => Extension,
                (Size | SizeBlank | Extension, b'\r') => SizeLf,
                (Extension, b'\n') => {
                    return Err(invalid("a chunk extension holds a bare line feed"));
                }
                (Extension, _) => {
                    self.count_overhead()?;
                    Extension
                }
                (SizeLf, b'\n') if self.remaining == 0 => TrailerStart,
                (SizeLf, b'\n') => {
                    self.digits = 0;
                    Data
                }
                (DataCr, b'\r') => DataLf,
                (DataLf, b'\n') => Size,
                (TrailerStart, b'\r') => EndLf,
                (TrailerStart | TrailerLine, b'\n') => {
                    return Err(invalid("a chunked trailer holds a bare line feed"));
                }
                (TrailerLine, b'\r') => TrailerLf,
                (TrailerStart | TrailerLine, _) => {
                    self.count_overhead()?;
                    TrailerLine
                }
                (TrailerLf, b'\n') => TrailerStart,
                (EndLf, b'\n') => End,
                (state, b) => {
                    return Err(invalid(format!(
                        "the chunked body is malformed (byte 0x{b:02x} in state {state:?})"
                    )));
                }
            };
        }
    }

    fn count_overhead(&mut self) -> Result<(), ParseError> {
        self.overhead += 1;
        if self.overhead > MAX_CHUNK_OVERHEAD {
            return Err(invalid(format!(
                "the chunk extensions and trailers exceed {MAX_CHUNK_OVERHEAD} bytes"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str, method: Method) -> Result<Option<(ResponseHead, BytesMut)>, ParseError> {
        let mut buf = BytesMut::from(text);
        let mut spans = Vec::new();
        Ok(parse_response(&mut buf, &method, &mut spans)?.map(|h| (h, buf)))
    }

    #[test]
    fn a_response_head_is_parsed_and_the_body_stays() {
        let (head, rest) = parse(
            "HTTP/1.1 201 Made\r\nContent-Type: text/plain\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 5\r\n\r\nhello",
            Method::POST,
        )
        .unwrap()
        .unwrap();
        assert_eq!(head.status, StatusCode::CREATED);
        assert_eq!(head.version, Version::HTTP_11);
        assert_eq!(head.headers["content-type"], "text/plain");
        assert_eq!(head.headers.get_all("x-a").iter().count(), 2);
        assert_eq!(head.framing, Framing::Length(5));
        assert!(head.keep_alive);
        assert_eq!(&rest[..], b"hello");
    }

    #[test]
    fn a_partial_head_needs_more() {
        assert!(
            parse("HTTP/1.1 200 OK\r\nA: b\r\n", Method::GET)
                .unwrap()
                .is_none()
        );
        assert!(parse("HTTP/1.", Method::GET).unwrap().is_none());
    }

    #[test]
    fn interim_responses_are_skipped_and_101_refused() {
        let (head, rest) = parse(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            Method::POST,
        )
        .unwrap()
        .unwrap();
        assert_eq!(head.status, StatusCode::OK);
        assert!(head.headers.get("link").is_none());
        assert_eq!(&rest[..], b"ok");
        assert!(parse("HTTP/1.1 101 Switching\r\n\r\n", Method::GET).is_err());
    }

    #[test]
    fn framing_follows_rfc_9112() {
        let framing =
            |text: &str, method: Method| parse(text, method).map(|r| r.unwrap().0.framing);
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", Method::HEAD),
            Ok(Framing::Empty)
        );
        assert_eq!(
            framing("HTTP/1.1 204 No\r\n\r\n", Method::GET),
            Ok(Framing::Empty)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 304 Same\r\nContent-Length: 9\r\n\r\n",
                Method::GET
            ),
            Ok(Framing::Empty)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Method::GET),
            Ok(Framing::Empty)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 4\r\n\r\n",
                Method::GET
            ),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                Method::GET
            ),
            Ok(Framing::Close)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n", Method::GET),
            Ok(Framing::Close)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n",
                Method::GET
            ),
            Ok(Framing::Length(7))
        );
        assert!(
            framing(
                "HTTP/1.1 200 OK\r\nContent-Length: 7, 8\r\n\r\n",
                Method::GET
            )
            .is_err()
        );
        assert!(framing("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", Method::GET).is_err());
        assert!(
            framing(
                "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
                Method::GET
            )
            .is_err()
        );
    }

    #[test]
    fn keep_alive_follows_version_and_connection() {
        let alive = |text: &str| parse(text, Method::GET).unwrap().unwrap().0.keep_alive;
        assert!(alive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"));
        assert!(!alive(
            "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 1\r\n\r\n"
        ));
        assert!(!alive("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n"));
        assert!(alive(
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n"
        ));
        assert!(
            !alive("HTTP/1.1 200 OK\r\n\r\n"),
            "a body delimited by the close"
        );
    }

    #[test]
    fn malformed_heads_are_errors() {
        for text in [
            "HTTP/1.1 abc OK\r\n\r\n",
            "HTTP/2.0 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
            "<html>\r\n\r\n",
            "HTTP/1.1 099 X\r\n\r\n",
        ] {
            assert!(parse(text, Method::GET).is_err(), "{text:?}");
        }
        let huge = format!("HTTP/1.1 200 OK\r\nX: {}", "a".repeat(MAX_HEAD + 1));
        assert!(parse(&huge, Method::GET).is_err());
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        assert!(parse(&format!("HTTP/1.1 200 OK\r\n{many}\r\n"), Method::GET).is_err());
    }

    #[test]
    fn request_heads_carry_host_and_framing() {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("content-length", HeaderValue::from_static("999"));
        let mut out = Vec::new();
        let host = HeaderValue::from_static("backend:8080");
        write_request_head(
            &mut out,
            &Method::POST,
            "/a?b=c",
            Version::HTTP_11,
            &headers,
            &host,
            RequestFraming::Length(1024),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /a?b=c HTTP/1.1\r\nhost: backend:8080\r\ncontent-type: application/json\r\ncontent-length: 1024\r\n\r\n"
        );
        let mut out = Vec::new();
        headers.insert("host", HeaderValue::from_static("mine"));
        write_request_head(
            &mut out,
            &Method::GET,
            "/",
            Version::HTTP_10,
            &headers,
            &host,
            RequestFraming::None,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET / HTTP/1.0\r\ncontent-type: application/json\r\nhost: mine\r\nconnection: keep-alive\r\n\r\n"
        );
        let mut out = Vec::new();
        write_request_head(
            &mut out,
            &Method::PUT,
            "/",
            Version::HTTP_11,
            &HeaderMap::new(),
            &host,
            RequestFraming::Chunked,
        );
        assert!(
            String::from_utf8(out)
                .unwrap()
                .ends_with("transfer-encoding: chunked\r\n\r\n")
        );
    }

    #[test]
    fn numbers_are_written_in_decimal_and_hex() {
        for n in [0u64, 7, 10, 1024, u64::MAX] {
            let mut out = Vec::new();
            write_decimal(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
        for n in [0usize, 9, 10, 255, 4096, 0xdead_beef] {
            let mut out = Vec::new();
            write_chunk_size(&mut out, n);
            assert_eq!(out, format!("{n:x}\r\n").into_bytes());
        }
    }

    fn decode_all(input: &[u8], pieces: &[usize]) -> Result<(Vec<u8>, bool, Vec<u8>), ParseError> {
        let mut decoder = ChunkedDecoder::default();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        let mut offset = 0;
        let mut cuts = pieces.iter().copied().chain(std::iter::repeat(usize::MAX));
        loop {
            match decoder.decode(&mut buf)? {
                Decoded::Data(data) => out.extend_from_slice(&data),
                Decoded::End => return Ok((out, true, buf.to_vec())),
                Decoded::NeedMore => {
                    if offset == input.len() {
                        return Ok((out, false, Vec::new()));
                    }
                    let n = cuts.next().unwrap_or(1).clamp(1, input.len() - offset);
                    buf.extend_from_slice(&input[offset..offset + n]);
                    offset += n;
                }
            }
        }
    }

    #[test]
    fn chunked_bodies_decode_with_extensions_and_trailers() {
        let (body, done, rest) = decode_all(
            b"5;name=v\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT",
            &[3, 4, 1],
        )
        .unwrap();
        assert_eq!(body, b"hello0123456789");
        assert!(done);
        assert_eq!(rest, b"NEXT", "bytes after the body stay");
        let (body, done, _) = decode_all(b"3\r\nabc\r\n", &[]).unwrap();
        assert_eq!(body, b"abc");
        assert!(!done, "no last chunk yet");
    }

    #[test]
    fn malformed_chunked_bodies_are_errors() {
        for input in [
            &b"x\r\n"[..],
            b"5\r\nhelloX\r\n",
            b"5\nhello\r\n",
            b"1234567890abcdef0\r\n",
            b"5 z\r\nhello\r\n",
            b"0\r\nX: 1\n\r\n",
            b"2;a\nb\r\nhi\r\n",
        ] {
            assert!(
                decode_all(input, &[]).is_err(),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
        let ext = format!("1;{}\r\na\r\n0\r\n\r\n", "e".repeat(MAX_CHUNK_OVERHEAD + 1));
        assert!(decode_all(ext.as_bytes(), &[]).is_err());
    }

    fn encode(chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in chunks.iter().filter(|c| !c.is_empty()) {
            write_chunk_size(&mut out, chunk.len());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
        out
    }

    #[test]
    fn header_names_come_back_the_same_from_the_thread_s_list() {
        std::thread::spawn(|| {
            for raw in [
                "Content-Type",
                "content-type",
                "X-Request-Id",
                "x-request-id",
                "ETag",
            ] {
                let first = header_name(raw.as_bytes()).unwrap();
                let again = header_name(raw.as_bytes()).unwrap();
                assert_eq!(first, HeaderName::from_bytes(raw.as_bytes()).unwrap());
                assert_eq!(again, first, "{raw}");
            }
            // Each spelling is kept apart, and every one means the same name.
            assert_eq!(NAMES.with(|n| n.borrow().len()), 5);
            assert_eq!(header_name(b"CONTENT-TYPE").unwrap(), header::CONTENT_TYPE);
            // Invalid names are refused every time and not kept.
            for _ in 0..2 {
                assert!(header_name(b"bad name").is_err());
                assert!(header_name(b"").is_err());
            }
            assert_eq!(NAMES.with(|n| n.borrow().len()), 6);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn the_thread_s_list_of_header_names_is_bounded() {
        std::thread::spawn(|| {
            for i in 0..100 {
                let raw = format!("x-custom-{i}");
                let name = header_name(raw.as_bytes()).unwrap();
                assert_eq!(name.as_str(), raw);
            }
            let long = "x".repeat(LONGEST_NAME_KEPT + 1);
            assert_eq!(header_name(long.as_bytes()).unwrap().as_str(), long);
            NAMES.with(|names| {
                let names = names.borrow();
                assert_eq!(names.len(), NAMES_KEPT);
                assert!(names.iter().all(|(raw, _)| raw.len() <= LONGEST_NAME_KEPT));
            });
            // Past the bound, names are still parsed right.
            assert_eq!(header_name(b"X-Custom-99").unwrap().as_str(), "x-custom-99");
        })
        .join()
        .unwrap();
    }

    proptest! {
        /// Whatever the chunks and however the bytes arrive, the decoder gives the body back.
        #[test]
        fn chunked_round_trip(
            chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
            pieces in proptest::collection::vec(1usize..64, 0..40),
        ) {
            let encoded = encode(&chunks);
            let (body, done, rest) = decode_all(&encoded, &pieces).unwrap();
            prop_assert_eq!(body, chunks.concat());
            prop_assert!(done);
            prop_assert!(rest.is_empty());
        }

        /// Arbitrary bytes never panic the decoder, and it never gives more data than it got.
        #[test]
        fn chunked_decoder_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200), pieces in proptest::collection::vec(1usize..16, 0..20)) {
            if let Ok((body, _, _)) = decode_all(&input, &pieces) {
                prop_assert!(body.len() <= input.len());
            }
        }

        /// Arbitrary bytes never panic the head parser.
        #[test]
        fn header_names_from_the_thread_s_list_are_what_parsing_gives(
            names in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'B'), Just(b'-'), Just(b' '), Just(b'1'), any::<u8>()], 0..6),
                1..20,
            ),
        ) {
            for _ in 0..2 {
                for raw in &names {
                    let parsed = HeaderName::from_bytes(raw);
                    match header_name(raw) {
                        Ok(name) => prop_assert_eq!(Some(name), parsed.ok()),
                        Err(_) => prop_assert!(parsed.is_err()),
                    }
                }
            }
        }

        #[test]
        fn head_parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut buf = BytesMut::from(&input[..]);
            let _ = parse_response(&mut buf, &Method::GET, &mut Vec::new());
        }
    }
}
