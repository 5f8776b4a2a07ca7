//! The one-pass read of a simple XPath over a plain-XML payload (`mediate_message::xml_scan`)
//! against the envelope's tree: for any payload and path the string Synapse gives
//! (`stringValueOf`) and the errors are the same whichever way the value was found.

use mediate_expr::xpath::SynapseXPath;
use mediate_message::xml_scan::scan_pox;
use mediate_message::{MessageContext, PathValue, SOAP11_NS, SimplePath};
use mediate_xpath::Namespaces;
use proptest::prelude::*;

fn namespaces() -> Namespaces {
    let mut ns = Namespaces::new();
    ns.insert("p", "urn:p");
    ns.insert("soapenv", SOAP11_NS);
    ns
}

/// `(through the scan when it answers, through the tree)`, each as the string or the error.
fn both_ways(doc: &str, path: &str) -> (Result<String, String>, Result<String, String>) {
    let xpath = SynapseXPath::compile(path, &namespaces()).expect("compiles");
    let scanned = xpath
        .string_value_of(&MessageContext::from_xml(doc.to_owned()))
        .map_err(|e| e.to_string());
    let built = MessageContext::from_xml(doc.to_owned());
    // Building the envelope first takes the scan away.
    let _ = built.envelope();
    let parsed = xpath.string_value_of(&built).map_err(|e| e.to_string());
    (scanned, parsed)
}

fn scan(doc: &str, path: &str) -> Option<PathValue> {
    let path = SimplePath::parse(path, |p| namespaces().get(p).map(str::to_owned)).unwrap();
    scan_pox(doc.as_bytes(), &path)
}

const PATHS: &[&str] = &[
    "//a",
    "//b",
    "//a/b",
    "//a//b",
    "/a",
    "//p:a",
    "//p:a/b",
    "/soapenv:Envelope/soapenv:Body/a",
    "/soapenv:Envelope/soapenv:Body/a/b",
    "//soapenv:Body",
    "/soapenv:Envelope",
    "//order/type",
    "$body/a",
    "$body//b",
    "$body/a/b",
];

#[test]
fn the_scan_answers_routing_payloads() {
    let order = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<order xmlns:p=\"urn:p\">\
                 <id>7</id><type> gold </type><p:a x='1' p:y=\"2\">in &lt;p&gt;</p:a>\
                 <!-- note --><items><item>1</item></items></order>";
    assert_eq!(
        scan(order, "//order/type"),
        Some(PathValue::Text("gold".into()))
    );
    assert_eq!(scan(order, "//p:a"), Some(PathValue::Text("in <p>".into())));
    assert_eq!(scan(order, "//order/missing"), Some(PathValue::NoMatch));
    for path in [
        "//order/type",
        "//p:a",
        "//order/missing",
        "//item",
        "//order",
    ] {
        let (scanned, parsed) = both_ways(order, path);
        assert_eq!(scanned, parsed, "{path}");
    }
}

#[test]
fn a_flaw_after_the_element_is_still_an_error() {
    let doc = "<order><type>gold</type><items><item></items></order>";
    assert_eq!(scan(doc, "//order/type"), None);
    let (scanned, parsed) = both_ways(doc, "//order/type");
    assert!(scanned.is_err(), "{scanned:?}");
    assert_eq!(scanned, parsed);
}

#[test]
fn only_the_first_reader_scans() {
    let msg = MessageContext::from_xml("<order><type>gold</type></order>");
    let xpath = SynapseXPath::compile("//order/type", &namespaces()).unwrap();
    assert_eq!(xpath.string_value_of(&msg).unwrap(), "gold");
    assert!(
        msg.envelope_if_parsed().is_none(),
        "the first read builds nothing"
    );
    assert_eq!(xpath.string_value_of(&msg).unwrap(), "gold");
    assert!(
        msg.envelope_if_parsed().is_some(),
        "the second read builds the tree"
    );
}

/// Pieces of payload: well-formed parts and flaws, put together at random.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("<a>".to_owned()),
        4 => Just("</a>".to_owned()),
        3 => Just("<b>".to_owned()),
        3 => Just("</b>".to_owned()),
        2 => Just("<p:a>".to_owned()),
        2 => Just("</p:a>".to_owned()),
        2 => Just("<a xmlns:p='urn:p'>".to_owned()),
        1 => Just("<b xmlns='urn:p'>".to_owned()),
        1 => Just("<b xmlns=\"\">".to_owned()),
        1 => Just("<a x='1' y=\"2\">".to_owned()),
        1 => Just("<a x='1' x='2'>".to_owned()),
        1 => Just("<a x='1'y='2'>".to_owned()),
        1 => Just("<a xmlns:p='urn:p' xmlns:q='urn:p' p:x='1' q:x='2'>".to_owned()),
        2 => Just("<b/>".to_owned()),
        1 => Just("<a />".to_owned()),
        6 => "[ a-z0-9]{0,6}".prop_map(|s| s),
        1 => Just("\u{a0}".to_owned()),
        1 => Just("\n\t".to_owned()),
        1 => Just("&amp;&lt;&#65;&#x42;".to_owned()),
        1 => Just("&nbsp;".to_owned()),
        1 => Just("&#0;".to_owned()),
        1 => Just("<!-- c -->".to_owned()),
        1 => Just("<!-- a -- b -->".to_owned()),
        1 => Just("<![CDATA[x<y]]>".to_owned()),
        1 => Just("]]>".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just("\u{1}".to_owned()),
        1 => Just("<".to_owned()),
        1 => Just("&".to_owned()),
        1 => Just("<?pi x?>".to_owned()),
        1 => Just("<q:a>".to_owned()),
        1 => Just("<soapenv:Body>".to_owned()),
        1 => Just("é".to_owned()),
    ]
}

/// Well-formed content: elements (some namespaced, some with attributes or declarations),
/// text with references and no-break spaces, comments and CDATA sections.
fn content() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => "[ a-z0-9]{0,5}".prop_map(|s| s),
        1 => Just("\u{a0}x\u{a0}".to_owned()),
        1 => Just(" \n\t".to_owned()),
        1 => Just("&amp;&lt;&gt;&quot;&apos;&#65;&#x42;".to_owned()),
        1 => Just("<!-- c -->".to_owned()),
        1 => Just("<![CDATA[x<y]]>".to_owned()),
        1 => Just("<b/>".to_owned()),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        (
            prop::sample::select(vec![
                "a",
                "b",
                "type",
                "order",
                "p:a",
                "p:b",
                "a x='1'",
                "b y=\"2\" p:z='3'",
                "a xmlns='urn:p'",
                "b xmlns=''",
                "a xmlns:p='urn:other'",
            ]),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(tag, children)| {
                let name = tag.split(' ').next().unwrap_or(tag);
                format!("<{tag}>{}</{name}>", children.concat())
            })
    })
}

/// A payload: usually a well-formed document, sometimes with one flaw put in anywhere.
fn payload() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["a", "b", "order", "p:a"]),
        prop::bool::ANY,
        prop::collection::vec(content(), 0..4),
        prop::bool::ANY,
        prop::option::weighted(0.3, (piece(), any::<prop::sample::Index>())),
    )
        .prop_map(|(root, declare, children, decl, flaw)| {
            let mut doc = String::new();
            if decl {
                doc.push_str("<?xml version=\"1.0\"?>\n");
            }
            let ns = if declare { " xmlns:p='urn:p'" } else { "" };
            doc.push_str(&format!("<{root}{ns}>{}</{root}>\n", children.concat()));
            if let Some((piece, at)) = flaw {
                let mut at = at.index(doc.len() + 1);
                while !doc.is_char_boundary(at) {
                    at -= 1;
                }
                doc.insert_str(at, &piece);
            }
            doc
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scanning_and_building_give_the_same_answer(
        doc in payload(),
        path in prop::sample::select(PATHS),
    ) {
        let (scanned, parsed) = both_ways(&doc, path);
        prop_assert_eq!(scanned, parsed, "payload {:?} path {}", doc, path);
    }

    #[test]
    fn random_bytes_never_fool_the_scan(
        doc in prop::collection::vec(piece(), 0..12).prop_map(|p| p.concat()),
        path in prop::sample::select(PATHS),
    ) {
        let (scanned, parsed) = both_ways(&doc, path);
        prop_assert_eq!(scanned, parsed, "payload {:?} path {}", doc, path);
    }
}

/// The property above is only worth something if the scan answers often: most generated
/// payloads are well-formed enough for it.
#[test]
fn the_generated_payloads_exercise_the_scan() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (payload(), prop::sample::select(PATHS));
    let (mut answered, mut texts) = (0, 0);
    for _ in 0..1000 {
        let (doc, path) = strategy.new_tree(&mut runner).unwrap().current();
        match scan(&doc, path) {
            Some(PathValue::Text(_)) => {
                answered += 1;
                texts += 1;
            }
            Some(PathValue::NoMatch) => answered += 1,
            None => {}
        }
    }
    assert!(
        answered >= 200 && texts >= 15,
        "answered {answered}, texts {texts}"
    );
}
