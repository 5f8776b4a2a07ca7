//! Checks of endpoint addresses and RFC 6570 URI templates. They only decide whether the text
//! is acceptable; expanding a template is the runtime's job.

/// Whether `value` is a whole-value placeholder left as written: `$SYSTEM:NAME`, `$FILE:…`,
/// or an endpoint template's `$uri`. Such values are resolved before the endpoint is used.
pub(crate) fn is_placeholder(value: &str) -> bool {
    value.trim_start().starts_with('$') && !value.trim_start().starts_with("${")
}

/// Stands for a `${property}` part while an address is checked.
const PROPERTY: char = '\u{E000}';

/// Checks an endpoint address (`<address uri>`, a recipient list's URLs): an absolute URI
/// with a scheme (`http://…`, `jms:/…`, `vfs:file:///…`, `mailto:…`), with no spaces, control
/// characters or stray braces; `${property}` parts (which Synapse fills from the message's
/// properties) and a whole-value `$SYSTEM:`/`$FILE:` placeholder are accepted as written. For
/// `http`/`https` the authority must name a host and a numeric port, when it has one.
pub(crate) fn check_uri(value: &str) -> Result<(), String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("is empty (expected an absolute URI such as `http://host:port/path`)".into());
    }
    if is_placeholder(v) {
        return Ok(());
    }
    // Characters outside `${…}`.
    let mut plain = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(start) = rest.find("${") {
        plain.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!(
                "has an unclosed `${{` at character {}",
                v.len() - rest.len() + start + 1
            ));
        };
        // A property reference stands for some text the message supplies.
        plain.push(PROPERTY);
        rest = &after[end + 1..];
    }
    plain.push_str(rest);
    for (i, c) in plain.chars().enumerate() {
        if c.is_whitespace() || c.is_control() {
            return Err(format!(
                "contains a space or control character (character {})",
                i + 1
            ));
        }
        if matches!(c, '{' | '}') {
            return Err(
                "contains `{` or `}`: an address endpoint fills only `${property}` parts; \
                 `{uri.var.…}` templates belong to an `<http uri-template>` endpoint"
                    .into(),
            );
        }
        if matches!(c, '<' | '>' | '"' | '\\' | '^' | '`') {
            return Err(format!("contains `{c}`, which a URI cannot hold unescaped"));
        }
    }
    check_percent(&plain)?;
    let Some(colon) = plain.find(':') else {
        return Err(
            "has no scheme (expected an absolute URI such as `http://host:port/path` or `jms:/queue`)"
                .into(),
        );
    };
    let scheme = &plain[..colon];
    let valid_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme {
        return Err(format!(
            "`{scheme}` is not a URI scheme (expected an absolute URI such as `http://host:port/path`)"
        ));
    }
    let after = &plain[colon + 1..];
    if after.is_empty() {
        return Err(format!("has nothing after `{scheme}:`"));
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        let Some(hier) = after.strip_prefix("//") else {
            return Err(format!(
                "an `{scheme}` URI needs `//host` after `{scheme}:`"
            ));
        };
        let authority = hier.split(['/', '?', '#']).next().unwrap_or_default();
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
            match bracketed.split_once(']') {
                Some((_, rest)) => ("[ipv6]", rest.strip_prefix(':')),
                None => return Err("has an unclosed `[` in its host".into()),
            }
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            }
        };
        if host.is_empty() {
            return Err(format!("an `{scheme}` URI needs a host"));
        }
        if let Some(port) = port
            && !port.is_empty()
            && !port.contains(PROPERTY)
            && !port.chars().all(|c| c.is_ascii_digit())
        {
            return Err(format!("port `{port}` is not a number"));
        }
        if let Some(port) = port
            && port.chars().all(|c| c.is_ascii_digit())
            && !port.is_empty()
            && port.parse::<u32>().map_or(true, |p| p > 65535)
        {
            return Err(format!("port `{port}` is out of range (0 to 65535)"));
        }
    }
    Ok(())
}

fn check_percent(s: &str) -> Result<(), String> {
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return Err(format!(
                    "has a `%` not followed by two hex digits (character {})",
                    s[..i].chars().count() + 1
                ));
            }
        }
    }
    Ok(())
}

/// The prefix MI strips from an `<http uri-template>` to expand it with the legacy encoding.
pub(crate) const LEGACY_PREFIX: &str = "legacy-encoding:";

/// Checks an RFC 6570 URI template (level 4): literals without spaces, quotes or stray
/// braces, `%` only as a percent-escape, and expressions `{[op]var[:n|*],…}` with operator
/// `+ # . / ; ? &`, variable names of letters, digits, `_` and percent-escapes joined by
/// dots (`uri.var.id`), a prefix length of 1 to 9999. Errors say at which character.
pub(crate) fn check_uri_template(template: &str) -> Result<(), String> {
    if template.trim().is_empty() {
        return Err("is empty".into());
    }
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '{' => {
                let Some(len) = chars[i + 1..].iter().position(|&c| c == '}') else {
                    return Err(format!("the `{{` at character {} is never closed", i + 1));
                };
                check_expression(&chars[i + 1..i + 1 + len], i + 2)?;
                i += len + 2;
                continue;
            }
            '}' => return Err(format!("unmatched `}}` at character {}", i + 1)),
            '%' => {
                let ok = chars.get(i + 1).is_some_and(char::is_ascii_hexdigit)
                    && chars.get(i + 2).is_some_and(char::is_ascii_hexdigit);
                if !ok {
                    return Err(format!(
                        "`%` at character {} is not followed by two hex digits",
                        i + 1
                    ));
                }
            }
            c if c.is_whitespace() || c.is_control() => {
                return Err(format!(
                    "a space or control character at character {}",
                    i + 1
                ));
            }
            '"' | '\'' | '<' | '>' | '\\' | '^' | '`' | '|' => {
                return Err(format!(
                    "`{c}` at character {} cannot appear in a URI template outside an expression",
                    i + 1
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Checks one `{…}` expression's content; `column` is the 1-based character of its first
/// character in the template.
fn check_expression(body: &[char], column: usize) -> Result<(), String> {
    if body.is_empty() {
        return Err(format!(
            "empty expression `{{}}` at character {}",
            column - 1
        ));
    }
    let mut start = 0;
    match body[0] {
        '+' | '#' | '.' | '/' | ';' | '?' | '&' => start = 1,
        '=' | ',' | '!' | '@' | '|' => {
            return Err(format!(
                "operator `{}` at character {column} is reserved by RFC 6570",
                body[0]
            ));
        }
        _ => {}
    }
    let mut pos = start;
    loop {
        // varname
        let name_start = pos;
        let mut after_dot = true;
        while pos < body.len() {
            let c = body[pos];
            if c.is_ascii_alphanumeric() || c == '_' {
                after_dot = false;
                pos += 1;
            } else if c == '%' {
                let ok = body.get(pos + 1).is_some_and(char::is_ascii_hexdigit)
                    && body.get(pos + 2).is_some_and(char::is_ascii_hexdigit);
                if !ok {
                    return Err(format!(
                        "`%` at character {} is not followed by two hex digits",
                        column + pos
                    ));
                }
                after_dot = false;
                pos += 3;
            } else if c == '.' && !after_dot {
                after_dot = true;
                pos += 1;
            } else {
                break;
            }
        }
        if pos == name_start {
            return Err(format!(
                "expected a variable name at character {}{}",
                column + pos,
                body.get(pos)
                    .map(|c| format!(", found `{c}`"))
                    .unwrap_or_default()
            ));
        }
        if after_dot {
            return Err(format!(
                "variable name ends with `.` at character {}",
                column + pos - 1
            ));
        }
        // modifier
        match body.get(pos) {
            Some('*') => pos += 1,
            Some(':') => {
                let digits_start = pos + 1;
                let mut end = digits_start;
                while end < body.len() && body[end].is_ascii_digit() {
                    end += 1;
                }
                let digits: String = body[digits_start..end].iter().collect();
                let n: u32 = digits.parse().unwrap_or(0);
                if digits.is_empty() || digits.len() > 4 || n == 0 || digits.starts_with('0') {
                    return Err(format!(
                        "prefix length at character {} must be 1 to 9999",
                        column + digits_start
                    ));
                }
                pos = end;
            }
            _ => {}
        }
        match body.get(pos) {
            None => return Ok(()),
            Some(',') => pos += 1,
            Some(c) => {
                return Err(format!(
                    "unexpected `{c}` at character {} in an expression",
                    column + pos
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        for ok in [
            "http://localhost:9000/services/SimpleStockQuoteService",
            "https://[::1]:8243/x?a=b%20c",
            "jms:/SimpleStockQuoteService?transport.jms.ConnectionFactoryJNDIName=QueueConnectionFactory",
            "vfs:file:///home/user/directory",
            "mailto:guest@host",
            "fix://host:9876?BeginString=FIX4.4",
            "http://${host}:${port}/x",
            "http://localhost:${port}/x",
            "$SYSTEM:BACKEND_URL",
            "$FILE:backend",
            "$uri",
        ] {
            assert_eq!(check_uri(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("BACKEND_URL", "no scheme"),
            ("http://local host/x", "space"),
            ("http:/x", "//host"),
            ("http://:80/x", "host"),
            ("http://h:80a/x", "not a number"),
            ("http://h:99999/x", "out of range"),
            ("http://h/{uri.var.id}", "uri-template"),
            ("http://h/%zz", "hex"),
            ("http://h/${x", "unclosed"),
            ("1http://h", "not a URI scheme"),
            ("jms:", "nothing after"),
        ] {
            let err = check_uri(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn templates() {
        for ok in [
            "http://localhost:9192/service/foodservice",
            "http://{uri.var.host}:{uri.var.port}/{uri.var.context1}/services/{uri.var.context2}{uri.var.postfix}",
            "{+uri.var.base}/orders{?uri.var.q,uri.var.page}",
            "http://h/{uri.var.id:3}/{uri.var.list*}{#frag}",
            "http://h/a%20b",
        ] {
            assert_eq!(check_uri_template(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("http://h/{uri.var.id", "never closed"),
            ("http://h/}", "unmatched"),
            ("http://h/{}", "empty expression"),
            ("http://h/{=x}", "reserved"),
            ("http://h/{uri.var.}", "ends with `.`"),
            ("http://h/{a b}", "unexpected"),
            ("http://h/{a:0}", "1 to 9999"),
            ("http://h/{a:10000}", "1 to 9999"),
            ("http://h/a b", "space"),
            ("http://h/%g1", "hex"),
            ("http://h/{-x}", "variable name"),
        ] {
            let err = check_uri_template(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }
}
