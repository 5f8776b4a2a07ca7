//! Arbitrary bytes as an artifact file never panic: they load or give diagnostics.

use std::path::Path;

use mediate_config::load_bytes;
use proptest::prelude::*;

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

fn xmlish() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        "<sequence ".to_owned(),
        format!("{NS} "),
        "name=\"s\">".to_owned(),
        "<log level=\"full\"/>".to_owned(),
        "<filter xpath=\"//a[\">".to_owned(),
        "<then>".to_owned(),
        "</then>".to_owned(),
        "</filter>".to_owned(),
        "<payloadFactory><format>".to_owned(),
        "<a xmlns=\"\">$1</a>".to_owned(),
        "</format></payloadFactory>".to_owned(),
        "<class name=\"X\"><property name=\"p\" value=\"v\"/></class>".to_owned(),
        "<localEntry ".to_owned(),
        "key=\"k\">".to_owned(),
        "</localEntry>".to_owned(),
        "</sequence>".to_owned(),
        "&lt;".to_owned(),
        "é\n".to_owned(),
        "\"".to_owned(),
        "<!-- c -->".to_owned(),
    ]);
    prop::collection::vec(pieces, 0..16).prop_map(|v| v.concat().into_bytes())
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let registry = mediate_mediators::builtins::registry();
        let _ = load_bytes(&bytes, Path::new("any.xml"), &registry);
    }

    #[test]
    fn xml_like_text_never_panics_and_diagnostics_are_in_the_file(bytes in xmlish()) {
        let registry = mediate_mediators::builtins::registry();
        if let Err(diags) = load_bytes(&bytes, Path::new("any.xml"), &registry) {
            prop_assert!(!diags.is_empty());
            let lines = bytes.iter().filter(|b| **b == b'\n').count() as u32 + 1;
            for d in &diags {
                prop_assert!(d.position.line >= 1 && d.position.line <= lines, "{d}");
                prop_assert!(d.position.column >= 1, "{d}");
            }
        }
    }
}
