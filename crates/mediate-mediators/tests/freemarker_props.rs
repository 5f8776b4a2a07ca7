//! Property tests of the FreeMarker engine: no input makes the parser or the renderer panic,
//! and argument values pass through `${args.argN}` verbatim (no escaping, as in MI).

use mediate_core::MessageContext;
use mediate_mediators::freemarker::Template;
use proptest::prelude::*;

/// Template-ish text: FreeMarker syntax fragments mixed with arbitrary characters.
fn template_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("${".to_owned()),
        Just("}".to_owned()),
        Just("<#if ".to_owned()),
        Just("</#if>".to_owned()),
        Just("<#list ".to_owned()),
        Just(" as x>".to_owned()),
        Just("</#list>".to_owned()),
        Just("<#sep>".to_owned()),
        Just("<#else>".to_owned()),
        Just("<#assign a=".to_owned()),
        Just("<#--".to_owned()),
        Just("-->".to_owned()),
        Just("payload.a".to_owned()),
        Just("?c".to_owned()),
        Just("?size".to_owned()),
        Just("!".to_owned()),
        Just("??".to_owned()),
        Just("[0]".to_owned()),
        Just("..".to_owned()),
        Just("\"s${x}\"".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(">".to_owned()),
        Just("\n".to_owned()),
        "[ -~é€]{0,6}",
        any::<String>(),
    ];
    prop::collection::vec(fragment, 0..16).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn parse_never_panics(src in template_text()) {
        let _ = Template::parse(&src);
    }

    #[test]
    fn parse_never_panics_on_any_string(src in any::<String>()) {
        let _ = Template::parse(&src);
    }

    #[test]
    fn render_never_panics(src in template_text(), n in 0_i64..5) {
        if let Ok(t) = Template::parse(&src) {
            let json = format!(r#"{{"a": [{n}, "x", {{"b": true}}], "x": "{n}"}}"#);
            let msg = MessageContext::from_json(json);
            let _ = t.render(&msg, &["v".to_owned()]);
            let msg = MessageContext::from_xml("<a><x>1</x><x k=\"v\">2</x></a>");
            let _ = t.render(&msg, &[]);
        }
    }

    // Synapse puts `<arg>` values into the template as plain strings: `args.arg1`…
    #[test]
    fn args_render_verbatim(values in prop::collection::vec(any::<String>(), 1..5), pick in 0_usize..5) {
        let i = pick % values.len();
        let t = Template::parse(&format!("${{args.arg{}}}", i + 1)).expect("parses");
        let msg = MessageContext::from_json("{}");
        prop_assert_eq!(t.render(&msg, &values).expect("renders"), values[i].clone());
    }

    // Text outside FreeMarker syntax is copied unchanged.
    #[test]
    fn plain_text_is_copied(text in "[a-zA-Z0-9 ,.:;{}\\[\\]\"'\n/=+-]{0,64}") {
        let t = Template::parse(&text).expect("plain text parses");
        prop_assert_eq!(t.render(&MessageContext::empty(), &[]).expect("renders"), text);
    }
}
