//! `url-mapping` matching as Synapse's `URLMappingHelper` does it (wso2-synapse
//! `api/dispatch/URLMappingHelper.java`), over the sub-path (the path after the API context,
//! query included).

use super::decode::{java_split, java_split_iter};

/// A url-mapping: `/a/*` (path prefix), `*.ext` (extension) or anything else (exact path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlMapping {
    /// `/orders/*`: its segments (none for `/*`).
    Prefix(Vec<String>),
    /// `*.jsp`: the suffix, dot included (`.jsp`).
    Extension(String),
    /// Anything else, one trailing `/` removed (except from `/`).
    Exact(String),
}

impl UrlMapping {
    /// Reads a mapping as `URLMappingHelper`'s constructor does.
    pub(crate) fn parse(mapping: &str) -> Self {
        if mapping.starts_with('/') && mapping.ends_with("/*") {
            let inner = mapping
                .get(1..mapping.len().saturating_sub(2))
                .unwrap_or("");
            if mapping.len() > 2 {
                UrlMapping::Prefix(
                    java_split(inner, '/')
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                )
            } else {
                UrlMapping::Prefix(Vec::new())
            }
        } else if let Some(ext) = mapping.strip_prefix('*') {
            if ext.starts_with('.') {
                return UrlMapping::Extension(ext.to_owned());
            }
            UrlMapping::Exact(mapping.to_owned())
        } else if mapping.len() > 1 && mapping.ends_with('/') {
            UrlMapping::Exact(mapping[..mapping.len() - 1].to_owned())
        } else {
            UrlMapping::Exact(mapping.to_owned())
        }
    }

    /// `isExactMatch`: trailing `/`s removed (except from `/`), then the query.
    pub(crate) fn is_exact_match(&self, url: &str) -> bool {
        let UrlMapping::Exact(exact) = self else {
            return false;
        };
        let mut url = if url == "/" {
            url
        } else {
            url.trim_end_matches('/')
        };
        match url.find('?') {
            Some(0) => url = "/",
            Some(i) => url = &url[..i],
            None => {}
        }
        exact == url
    }

    /// `isExtensionMatch`: the path (query removed) ends with the extension.
    pub(crate) fn is_extension_match(&self, url: &str) -> bool {
        let UrlMapping::Extension(ext) = self else {
            return false;
        };
        let path = url.split_once('?').map_or(url, |(p, _)| p);
        path.ends_with(ext.as_str())
    }

    /// `getPrefixMatchingLength`: how many segments of a path-prefix mapping the path starts
    /// with (`/*` counts 1), 0 when it does not start with all of them.
    pub(crate) fn prefix_matching_length(&self, url: &str) -> usize {
        let UrlMapping::Prefix(segments) = self else {
            return 0;
        };
        if segments.is_empty() {
            return 1;
        }
        // Synapse's `trimSlashes`: drops a leading `/`, and — as written — the last character
        // when a second `/` leads.
        let mut url = url.strip_prefix('/').unwrap_or(url);
        if url.starts_with('/') {
            let mut chars = url.chars();
            chars.next_back();
            url = chars.as_str();
        }
        // The first piece must be the first segment: most resources are ruled out here.
        if !url.starts_with(segments[0].as_str()) {
            return 0;
        }
        // `?` is ASCII: its position is a char boundary.
        let url = url
            .bytes()
            .position(|b| b == b'?')
            .and_then(|q| url.get(..q))
            .unwrap_or(url);
        let mut parts = java_split_iter(url, b'/');
        if segments.iter().all(|s| parts.next() == Some(s.as_str())) {
            segments.len()
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(UrlMapping::parse("/*"), UrlMapping::Prefix(vec![]));
        assert_eq!(
            UrlMapping::parse("/a/b/*"),
            UrlMapping::Prefix(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            UrlMapping::parse("*.jsp"),
            UrlMapping::Extension(".jsp".into())
        );
        assert_eq!(
            UrlMapping::parse("/list/"),
            UrlMapping::Exact("/list".into())
        );
        assert_eq!(UrlMapping::parse("/"), UrlMapping::Exact("/".into()));
    }

    #[test]
    fn matching() {
        let exact = UrlMapping::parse("/list");
        assert!(exact.is_exact_match("/list"));
        assert!(exact.is_exact_match("/list//"));
        assert!(exact.is_exact_match("/list?x=1"));
        assert!(!exact.is_exact_match("/list/?x=1"));
        assert!(UrlMapping::parse("/").is_exact_match("?x=1"));
        let prefix = UrlMapping::parse("/a/b/*");
        assert_eq!(prefix.prefix_matching_length("/a/b"), 2);
        assert_eq!(prefix.prefix_matching_length("/a/b/c?x"), 2);
        assert_eq!(prefix.prefix_matching_length("/a/bc"), 0);
        assert_eq!(prefix.prefix_matching_length("/a"), 0);
        assert_eq!(UrlMapping::parse("/*").prefix_matching_length("/zz"), 1);
        // Synapse's `trimSlashes` drops the last character after a leading `//`
        assert_eq!(prefix.prefix_matching_length("//a/b/\u{e9}"), 0);
        assert_eq!(UrlMapping::parse("/a/*").prefix_matching_length("//a/b"), 0);
        let ext = UrlMapping::parse("*.jsp");
        assert!(ext.is_extension_match("/x/index.jsp?a=b"));
        assert!(!ext.is_extension_match("/x/index.jspx"));
    }
}
