//! Secrets hidden from what the management API shows: the text of `<password>`,
//! `<clientSecret>` and `<refreshToken>` elements (an endpoint's basic or OAuth credentials, a
//! local entry holding a data source's settings) becomes `*****`.

/// What a secret is replaced with (MI's mask for a local entry's `<password>`).
pub(crate) const MASK: &str = "*****";

/// The local names of the elements whose text is secret.
const SECRET_ELEMENTS: &[&str] = &["password", "clientSecret", "refreshToken"];

/// `xml` with the text of every secret element (in the Synapse namespace or in none) replaced
/// by [`MASK`]. Text that is not well-formed XML is returned as it is: it holds no element.
pub(crate) fn mask_secrets(xml: &str) -> String {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return xml.to_owned();
    };
    let mut spans: Vec<(usize, usize)> = doc
        .descendants()
        .filter(|n| {
            n.is_element()
                && SECRET_ELEMENTS.contains(&n.tag_name().name())
                && matches!(
                    n.tag_name().namespace(),
                    None | Some("") | Some(mediate_config::SYNAPSE_NS)
                )
                && !n.children().any(|c| c.is_element())
        })
        .filter_map(|n| {
            let first = n.first_child()?;
            let last = n.last_child()?;
            Some((first.range().start, last.range().end))
        })
        .collect();
    spans.sort_unstable();
    let mut out = String::with_capacity(xml.len());
    let mut at = 0;
    for (start, end) in spans {
        if start < at || end > xml.len() {
            continue;
        }
        out.push_str(&xml[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&xml[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_text_in_the_synapse_namespace_or_none() {
        let xml = r#"<localEntry xmlns="http://ws.apache.org/ns/synapse" key="db"><db><user>u</user><password>s3cr&amp;t</password></db></localEntry>"#;
        assert_eq!(
            mask_secrets(xml),
            r#"<localEntry xmlns="http://ws.apache.org/ns/synapse" key="db"><db><user>u</user><password>*****</password></db></localEntry>"#
        );
        let xml = "<auth><clientSecret>x</clientSecret><refreshToken>y</refreshToken></auth>";
        assert_eq!(
            mask_secrets(xml),
            "<auth><clientSecret>*****</clientSecret><refreshToken>*****</refreshToken></auth>"
        );
    }

    #[test]
    fn leaves_other_namespaces_empty_elements_and_non_xml_alone() {
        let xml = r#"<a xmlns:o="urn:other"><o:password>keep</o:password><password/></a>"#;
        assert_eq!(mask_secrets(xml), xml);
        assert_eq!(mask_secrets("plain text password"), "plain text password");
        assert_eq!(
            mask_secrets(r#"<a xmlns=""><password>x</password></a>"#),
            r#"<a xmlns=""><password>*****</password></a>"#
        );
    }
}
