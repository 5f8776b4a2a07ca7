//! Java's `URLEncoder`/`URLDecoder` and charset-aware Base64, as Synapse's XPath functions
//! `url-encode`, `url-decode`, `base64Encode` and `base64Decode` use them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// An encoding failure, in words fit for a user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodecError(pub String);

fn charset(name: Option<&str>) -> Result<&'static encoding_rs::Encoding, CodecError> {
    match name {
        None => Ok(encoding_rs::UTF_8),
        Some(n) => encoding_rs::Encoding::for_label(n.trim().as_bytes())
            .ok_or_else(|| CodecError(format!("unsupported charset '{n}'"))),
    }
}

fn encode_chars(s: &str, cs: Option<&str>) -> Result<Vec<u8>, CodecError> {
    let enc = charset(cs)?;
    // encoding_rs encodes UTF-16 labels as UTF-8 (per the WHATWG standard); Java does not,
    // so handle the UTF-16 family here.
    let name = enc.name();
    if name == "UTF-16LE" || name == "UTF-16BE" {
        let be = name == "UTF-16BE" || cs.is_some_and(|c| c.eq_ignore_ascii_case("utf-16"));
        let mut out = Vec::with_capacity(s.len() * 2 + 2);
        if cs.is_some_and(|c| c.eq_ignore_ascii_case("utf-16")) {
            out.extend_from_slice(&[0xFE, 0xFF]);
        }
        for u in s.encode_utf16() {
            out.extend_from_slice(&if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        return Ok(out);
    }
    let (bytes, _, unmappable) = enc.encode(s);
    if unmappable {
        return Err(CodecError(format!(
            "the value has characters that charset '{}' cannot encode",
            enc.name()
        )));
    }
    Ok(bytes.into_owned())
}

fn decode_chars(bytes: &[u8], cs: Option<&str>) -> Result<String, CodecError> {
    let enc = charset(cs)?;
    let (text, _, _) = enc.decode(bytes);
    Ok(text.into_owned())
}

/// `base64Encode(value[, charset])`: the value's bytes in `charset` (UTF-8 by default), Base64.
pub fn base64_encode(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    Ok(STANDARD.encode(encode_chars(value, cs)?))
}

/// `base64Decode(value[, charset])`: decode Base64 and read the bytes as `charset` text.
pub fn base64_decode(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| CodecError(format!("not valid Base64: {e}")))?;
    decode_chars(&bytes, cs)
}

/// `url-encode(value[, charset])`: Java's `URLEncoder.encode` — letters, digits and `.-*_`
/// stay, a space becomes `+`, every other byte `%XX` (upper-case hex).
pub fn url_encode(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    let bytes = encode_chars(value, cs)?;
    let mut out = String::with_capacity(bytes.len());
    for b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            }
        }
    }
    Ok(out)
}

/// `url-decode(value[, charset])`: Java's `URLDecoder.decode` — `+` is a space, `%XX` a byte.
pub fn url_decode(value: &str, cs: Option<&str>) -> Result<String, CodecError> {
    let src = value.as_bytes();
    let mut bytes = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        match src[i] {
            b'+' => {
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
    decode_chars(&bytes, cs)
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
        assert_eq!(base64_encode("é", Some("ISO-8859-1")).unwrap(), "6Q==");
        assert_eq!(base64_decode("6Q==", Some("ISO-8859-1")).unwrap(), "é");
        assert_eq!(base64_encode("é", None).unwrap(), "w6k=");
        assert!(base64_decode("not base64!", None).is_err());
        assert!(base64_encode("x", Some("no-such-charset")).is_err());
    }

    #[test]
    fn url_encoding_is_javas() {
        assert_eq!(
            url_encode("http://this is a test url", None).unwrap(),
            "http%3A%2F%2Fthis+is+a+test+url"
        );
        assert_eq!(url_encode("a.b-c*d_e~", None).unwrap(), "a.b-c*d_e%7E");
        assert_eq!(url_encode("é", None).unwrap(), "%C3%A9");
        assert_eq!(url_encode("é", Some("ISO-8859-1")).unwrap(), "%E9");
        assert_eq!(url_decode("a+b%20c%C3%A9", None).unwrap(), "a b cé");
        assert!(url_decode("bad%2", None).is_err());
        assert!(url_decode("bad%zz", None).is_err());
    }
}
