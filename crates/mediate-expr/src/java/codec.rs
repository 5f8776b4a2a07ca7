//! Charsets, Base64 and URL encodings as the Java libraries under MI do them. One implementation
//! serves both XPath's `base64Encode`/`url-encode` and `${…}`'s `base64encode`/`urlEncode`.
//!
//! | function | MI implementation | spaces | notes |
//! |---|---|---|---|
//! | XPath `url-encode(s[, cs])` | commons-httpclient `URIUtil.encodePathQuery` | `%20` | `/`, `:`, `@`… stay in the path part; the part after `?` keeps query characters |
//! | XPath `url-decode(s[, cs])` | `URIUtil.decode` | — | `%XX` only; `+` stays `+` |
//! | `${urlEncode(s[, cs])}` | `URLEncoder.encode` then `+`→`%20`, `*`→`%2A` | `%20` | only letters, digits, `.`, `-`, `_` stay |
//! | `${urlDecode(s[, cs])}` | `URLDecoder.decode` | `+` is a space | |
//!
//! Text becomes bytes the way Java's `String.getBytes(charset)` does it: a character the charset
//! cannot hold becomes `?`. Bytes become text as `new String(bytes, charset)`: a malformed
//! sequence becomes U+FFFD.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// An encoding failure, in words fit for a user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodecError(pub String);

#[derive(Clone, Copy)]
enum Charset {
    Utf16 {
        big_endian: bool,
        bom: bool,
    },
    /// ISO-8859-1 (`max` 0xFF) and US-ASCII (`max` 0x7F): the WHATWG labels that encoding_rs
    /// follows map both to windows-1252, which Java does not.
    SingleByte {
        max: u32,
    },
    Other(&'static encoding_rs::Encoding),
}

fn charset(name: Option<&str>) -> Result<Charset, CodecError> {
    let Some(name) = name else {
        return Ok(Charset::Other(encoding_rs::UTF_8));
    };
    let n = name.trim();
    // Java's UTF-16 family (encoding_rs follows the WHATWG standard, which differs here).
    if n.eq_ignore_ascii_case("utf-16") {
        return Ok(Charset::Utf16 {
            big_endian: true,
            bom: true,
        });
    }
    if n.eq_ignore_ascii_case("utf-16be") {
        return Ok(Charset::Utf16 {
            big_endian: true,
            bom: false,
        });
    }
    if n.eq_ignore_ascii_case("utf-16le") {
        return Ok(Charset::Utf16 {
            big_endian: false,
            bom: false,
        });
    }
    let lower = n.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "l1" | "iso-latin-1"
    ) {
        return Ok(Charset::SingleByte { max: 0xFF });
    }
    if matches!(lower.as_str(), "us-ascii" | "ascii" | "us") {
        return Ok(Charset::SingleByte { max: 0x7F });
    }
    let label = if lower == "utf8" { "utf-8" } else { n };
    encoding_rs::Encoding::for_label(label.as_bytes())
        .map(Charset::Other)
        .ok_or_else(|| CodecError(format!("unsupported charset '{name}'")))
}

/// The bytes of `s` in charset `cs` (UTF-8 when `None`), as Java's `String.getBytes`.
pub fn encode_charset(s: &str, cs: Option<&str>) -> Result<Vec<u8>, CodecError> {
    match charset(cs)? {
        Charset::Utf16 { big_endian, bom } => {
            let mut out = Vec::with_capacity(s.len() * 2 + 2);
            if bom {
                out.extend_from_slice(&[0xFE, 0xFF]);
            }
            for u in s.encode_utf16() {
                out.extend_from_slice(&if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            Ok(out)
        }
        Charset::SingleByte { max } => Ok(s
            .chars()
            .map(|c| {
                u8::try_from(u32::from(c))
                    .ok()
                    .filter(|b| u32::from(*b) <= max)
                    .unwrap_or(b'?')
            })
            .collect()),
        Charset::Other(enc) if enc == encoding_rs::UTF_8 => Ok(s.as_bytes().to_vec()),
        Charset::Other(enc) => {
            let mut encoder = enc.new_encoder();
            let mut out = Vec::with_capacity(s.len() + 8);
            let mut rest = s;
            loop {
                let need = encoder
                    .max_buffer_length_from_utf8_without_replacement(rest.len())
                    .unwrap_or(rest.len() * 4 + 16);
                let start = out.len();
                out.resize(start + need, 0);
                let (result, read, written) =
                    encoder.encode_from_utf8_without_replacement(rest, &mut out[start..], true);
                out.truncate(start + written);
                rest = &rest[read..];
                match result {
                    encoding_rs::EncoderResult::InputEmpty => return Ok(out),
                    encoding_rs::EncoderResult::Unmappable(_) => out.push(b'?'),
                    encoding_rs::EncoderResult::OutputFull => {}
                }
            }
        }
    }
}

/// Text from `bytes` in charset `cs` (UTF-8 when `None`), as Java's `new String(bytes, cs)`.
pub fn decode_charset(bytes: &[u8], cs: Option<&str>) -> Result<String, CodecError> {
    match charset(cs)? {
        Charset::Utf16 { big_endian, bom } => {
            let (be, body) = match (bom, bytes) {
                (true, [0xFE, 0xFF, rest @ ..]) => (true, rest),
                (true, [0xFF, 0xFE, rest @ ..]) => (false, rest),
                _ => (big_endian, bytes),
            };
            let units: Vec<u16> = body
                .chunks(2)
                .map(|c| {
                    let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                    if be {
                        u16::from_be_bytes(pair)
                    } else {
                        u16::from_le_bytes(pair)
                    }
                })
                .collect();
            Ok(String::from_utf16_lossy(&units))
        }
        Charset::SingleByte { max } => Ok(bytes
            .iter()
            .map(|&b| {
                if u32::from(b) <= max {
                    char::from(b)
                } else {
                    '\u{fffd}'
                }
            })
            .collect()),
        Charset::Other(enc) => Ok(enc.decode_without_bom_handling(bytes).0.into_owned()),
    }
}

/// `base64Encode(value[, charset])`: the value's bytes in `charset`, Base64 (with padding).
pub fn base64_encode(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    Ok(STANDARD.encode(encode_charset(value, cs)?))
}

/// `base64Decode(value[, charset])`: decode Base64 (padding optional, whitespace ignored) and
/// read the bytes as `charset` text.
pub fn base64_decode(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = engine
        .decode(cleaned.as_bytes())
        .map_err(|e| CodecError(format!("not valid Base64: {e}")))?;
    decode_charset(&bytes, cs)
}

fn percent_encode_into(bytes: &[u8], keep: impl Fn(u8) -> bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
        )
}

/// XPath `url-encode(value[, charset])`: httpclient's `URIUtil.encodePathQuery`. The part
/// before `?` is encoded as a URI path (letters, digits, `-_.!~*'()`, `/;:@&=$,` stay), the part
/// after it as a query (`+?[]` stay too). An empty value gives `""`.
pub fn url_encode_path_query(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    let abs_path = |b: u8| is_unreserved(b) || b"/;:@&=$,".contains(&b);
    let query = |b: u8| is_unreserved(b) || b";/?:@&=+$,[]".contains(&b);
    let mut out = String::with_capacity(value.len() + 8);
    match value.split_once('?') {
        None => percent_encode_into(&encode_charset(value, cs)?, abs_path, &mut out),
        Some((path, q)) => {
            percent_encode_into(&encode_charset(path, cs)?, abs_path, &mut out);
            out.push('?');
            percent_encode_into(&encode_charset(q, cs)?, query, &mut out);
        }
    }
    Ok(out)
}

/// `${urlEncode(value[, charset])}`: Java's `URLEncoder.encode` with `+` as `%20` and `*` as
/// `%2A`: only letters, digits, `.`, `-` and `_` stay.
pub fn url_encode_component(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    let mut out = String::with_capacity(value.len() + 8);
    percent_encode_into(
        &encode_charset(value, cs)?,
        |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'),
        &mut out,
    );
    Ok(out)
}

fn percent_decode(
    value: &str,
    plus_is_space: bool,
    cs: Option<&str>,
) -> Result<String, CodecError> {
    let src = value.as_bytes();
    let mut bytes = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'+' if plus_is_space => {
                bytes.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = src
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        CodecError(format!(
                            "incomplete or invalid %-escape at character {} of '{value}'",
                            value[..i].chars().count() + 1
                        ))
                    })?;
                bytes.push(hex);
                i += 3;
            }
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    decode_charset(&bytes, cs)
}

/// XPath `url-decode(value[, charset])`: `%XX` escapes decoded (`URIUtil.decode`); `+` stays.
pub fn url_decode_path_query(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    percent_decode(value, false, cs)
}

/// `${urlDecode(value[, charset])}`: Java's `URLDecoder.decode`: `+` is a space, `%XX` a byte.
pub fn url_decode_form(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    percent_decode(value, true, cs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip_and_charsets() {
        assert_eq!(
            base64_encode("This is a test value", None).unwrap(),
            "VGhpcyBpcyBhIHRlc3QgdmFsdWU="
        );
        assert_eq!(
            base64_decode("VGhpcyBpcyBhIHRlc3QgdmFsdWU=", None).unwrap(),
            "This is a test value"
        );
        assert_eq!(
            base64_decode("VGhpcyBpcyBhIHRlc3QgdmFsdWU", None).unwrap(),
            "This is a test value"
        );
        assert_eq!(base64_encode("é", Some("ISO-8859-1")).unwrap(), "6Q==");
        assert_eq!(base64_decode("6Q==", Some("ISO-8859-1")).unwrap(), "é");
        assert_eq!(base64_encode("é", None).unwrap(), "w6k=");
        assert_eq!(base64_encode("a", Some("UTF-16")).unwrap(), "/v8AYQ==");
        assert_eq!(base64_decode("/v8AYQ==", Some("UTF-16")).unwrap(), "a");
        assert!(base64_decode("not base64!", None).is_err());
        assert!(base64_encode("x", Some("no-such-charset")).is_err());
    }

    #[test]
    fn unmappable_characters_become_question_marks_as_in_java() {
        assert_eq!(
            encode_charset("aé€", Some("ISO-8859-1")).unwrap(),
            b"a\xe9?"
        );
        assert_eq!(encode_charset("a€b", Some("US-ASCII")).unwrap(), b"a?b");
        assert_eq!(
            decode_charset(b"\x80\xe9", Some("ISO-8859-1")).unwrap(),
            "\u{80}é"
        );
        assert_eq!(encode_charset("€", Some("windows-1252")).unwrap(), b"\x80");
    }

    #[test]
    fn xpath_url_encode_is_encode_path_query() {
        // The MI docs' example.
        assert_eq!(
            url_encode_path_query("http://this is a test url", None).unwrap(),
            "http://this%20is%20a%20test%20url"
        );
        assert_eq!(url_encode_path_query("a+b c", None).unwrap(), "a%2Bb%20c");
        assert_eq!(
            url_encode_path_query("/p q?a=b c&d=1+2", None).unwrap(),
            "/p%20q?a=b%20c&d=1+2"
        );
        assert_eq!(url_encode_path_query("é%", None).unwrap(), "%C3%A9%25");
        assert_eq!(
            url_encode_path_query("é", Some("ISO-8859-1")).unwrap(),
            "%E9"
        );
        assert_eq!(url_encode_path_query("", None).unwrap(), "");
        assert_eq!(
            url_decode_path_query("a%20b+c%C3%A9", None).unwrap(),
            "a b+cé"
        );
    }

    #[test]
    fn expression_url_encode_is_urlencoder() {
        assert_eq!(
            url_encode_component("a b*c+d~", None).unwrap(),
            "a%20b%2Ac%2Bd%7E"
        );
        assert_eq!(
            url_encode_component("é", Some("ISO-8859-1")).unwrap(),
            "%E9"
        );
        assert_eq!(url_decode_form("a+b%20c%C3%A9", None).unwrap(), "a b cé");
        assert!(url_decode_form("bad%2", None).is_err());
        assert!(url_decode_form("bad%zz", None).is_err());
    }
}
