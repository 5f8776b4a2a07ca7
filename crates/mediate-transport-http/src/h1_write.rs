//! Writing an HTTP/1.1 message body after its head, shared by the client (request bodies) and
//! the listener (response bodies): what of the body is ready goes out with the head in one
//! write, the rest frame by frame, as chunks when the length is not known.

use std::io;

use bytes::Bytes;
use futures::FutureExt;
use http_body_util::BodyExt;
use mediate_message::BodyError;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::body::ResponseBody;
use crate::h1::write_chunk_size;

/// Bytes of body copied next to the head so that both go out in one write; a larger piece is
/// written from its own buffer.
pub(crate) const COALESCE: usize = 16 * 1024;

/// The next piece of `body`'s data, skipping trailers and empty frames; `None` at its end.
async fn next_data(body: &mut ResponseBody) -> Option<Result<Bytes, BodyError>> {
    loop {
        match body.frame().await? {
            Err(err) => return Some(Err(err)),
            Ok(frame) => {
                if let Ok(data) = frame.into_data()
                    && !data.is_empty()
                {
                    return Some(Ok(data));
                }
            }
        }
    }
}

/// What [`coalesce`] took of a body.
pub(crate) struct Coalesced {
    /// The body ended (its last chunk, when chunked, is in the buffer).
    pub(crate) ended: bool,
    /// A piece over [`COALESCE`] bytes, to be written right after the buffer (its chunk size
    /// line is in the buffer; its CRLF is not).
    pub(crate) large: Option<Bytes>,
}

/// Appends to `out`, which holds the head, what of `body` is ready now (until `out` holds
/// [`COALESCE`] bytes), framed as chunks when `chunked`, adding the bytes taken to `sent`.
/// A body that fails leaves in `out` what came before the failure.
pub(crate) fn coalesce(
    body: &mut ResponseBody,
    out: &mut Vec<u8>,
    chunked: bool,
    sent: &mut u64,
) -> Result<Coalesced, BodyError> {
    let mut ended = false;
    let mut large = None;
    while out.len() < COALESCE {
        match next_data(body).now_or_never() {
            None => break,
            Some(None) => {
                ended = true;
                break;
            }
            Some(Some(Err(err))) => return Err(err),
            Some(Some(Ok(data))) => {
                *sent += data.len() as u64;
                if chunked {
                    write_chunk_size(out, data.len());
                }
                if data.len() > COALESCE {
                    large = Some(data);
                    break;
                }
                out.extend_from_slice(&data);
                if chunked {
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
    }
    if ended && chunked {
        out.extend_from_slice(b"0\r\n\r\n");
    }
    Ok(Coalesced { ended, large })
}

/// Writes `out` (the head and what [`coalesce`] put with it), then its `large` piece.
pub(crate) async fn write_first<W: AsyncWrite + Unpin + ?Sized>(
    io: &mut W,
    out: &[u8],
    large: Option<&Bytes>,
    chunked: bool,
) -> io::Result<()> {
    match large {
        None => io.write_all(out).await,
        Some(data) => {
            let tail: &[u8] = if chunked { b"\r\n" } else { b"" };
            write_all_vectored(io, &[out, data, tail]).await
        }
    }
}

/// Why [`write_rest`] stopped.
pub(crate) enum RestFailed {
    /// The body failed.
    Body(BodyError),
    /// Writing failed.
    Write(io::Error),
}

/// Writes the rest of `body` frame by frame (as chunks, with the last one, when `chunked`),
/// adding the bytes written to `sent`; `scratch` holds the chunk size lines.
pub(crate) async fn write_rest<W: AsyncWrite + Unpin + ?Sized>(
    io: &mut W,
    scratch: &mut Vec<u8>,
    body: &mut ResponseBody,
    chunked: bool,
    sent: &mut u64,
) -> Result<(), RestFailed> {
    while let Some(data) = next_data(body).await {
        let data = data.map_err(RestFailed::Body)?;
        *sent += data.len() as u64;
        if chunked {
            scratch.clear();
            write_chunk_size(scratch, data.len());
            write_all_vectored(io, &[scratch, &data, b"\r\n"]).await
        } else {
            io.write_all(&data).await
        }
        .map_err(RestFailed::Write)?;
    }
    if chunked {
        io.write_all(b"0\r\n\r\n")
            .await
            .map_err(RestFailed::Write)?;
    }
    Ok(())
}

/// Writes all of `parts`, in as few system calls as the stream allows.
pub(crate) async fn write_all_vectored<W: AsyncWrite + Unpin + ?Sized>(
    io: &mut W,
    parts: &[&[u8]],
) -> io::Result<()> {
    let mut index = 0;
    let mut offset = 0;
    while index < parts.len() {
        if parts[index].len() == offset {
            index += 1;
            offset = 0;
            continue;
        }
        let slices: Vec<io::IoSlice<'_>> =
            std::iter::once(io::IoSlice::new(&parts[index][offset..]))
                .chain(parts[index + 1..].iter().map(|p| io::IoSlice::new(p)))
                .collect();
        let mut n = io.write_vectored(&slices).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        while n > 0 && index < parts.len() {
            let left = parts[index].len() - offset;
            if n >= left {
                n -= left;
                index += 1;
                offset = 0;
            } else {
                offset += n;
                n = 0;
            }
        }
    }
    Ok(())
}
