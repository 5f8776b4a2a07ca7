//! drop, respond, loopback and sequence-reference tests. Facts cited from Synapse's
//! `DropMediator.java`, `RespondMediator.java`, `LoopBackMediator.java` and
//! `SequenceMediator.java`.

use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry,
    Sequence, mediator_fn,
};
use mediate_mediators::simple::{Drop, Loopback, Respond, SequenceRefConfig};

fn recorder(name: &'static str, flow: Flow) -> Sequence {
    Sequence::named(name).then(mediator_fn(name, move |msg: &mut MessageContext| {
        msg.set_property("ran", name);
        Ok::<_, MediationError>(flow)
    }))
}

fn ran(msg: &MessageContext) -> Option<String> {
    msg.property("ran").map(|v| v.as_string())
}

fn with_to(json: &str) -> MessageContext {
    let mut msg = MessageContext::from_json(json.to_owned());
    msg.addressing_mut().to = Some("http://backend/x".into());
    msg
}

// DropMediator: setTo(null), returns false; does not mark a response.
#[tokio::test(flavor = "current_thread")]
async fn drop_stops_and_clears_to() {
    let mut msg = with_to("{}");
    assert_eq!(
        Drop.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert_eq!(msg.to(), None);
    assert!(!msg.is_response());
    assert_eq!(Drop.kind(), "drop");
    assert!(!Drop.reads_body());
}

// A drop inside a sequence stops every mediator after it.
#[tokio::test(flavor = "current_thread")]
async fn drop_stops_the_enclosing_sequence() {
    let seq =
        Sequence::anonymous()
            .then(Drop)
            .then(mediator_fn("after", |msg: &mut MessageContext| {
                msg.set_property("ran", "after");
                Ok::<_, MediationError>(Flow::Continue)
            }));
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(
        seq.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert_eq!(ran(&msg), None);
}

// RespondMediator: setTo(null), setResponse(true), sendBack, returns false.
#[tokio::test(flavor = "current_thread")]
async fn respond_marks_response_and_stops() {
    let mut msg = with_to(r#"{"a":1}"#);
    assert_eq!(
        Respond.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert!(msg.is_response());
    assert_eq!(msg.to(), None);
    assert_eq!(Respond.kind(), "respond");
    assert!(!Respond.reads_body());
}

// LoopBackMediator: only when !isResponse: setResponse(true), setTo(null); always false.
#[tokio::test(flavor = "current_thread")]
async fn loopback_moves_request_to_response_flow_once() {
    let mut msg = with_to("{}");
    assert_eq!(
        Loopback.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert!(msg.is_response());
    assert_eq!(msg.to(), None);

    let mut resp = with_to("{}");
    resp.set_response(true);
    assert_eq!(
        Loopback.mediate(&mut resp, &Env::default()).await.unwrap(),
        Flow::Stop
    );
    assert_eq!(
        resp.to(),
        Some("http://backend/x"),
        "already a response: untouched"
    );
    assert_eq!(Loopback.kind(), "loopback");
    assert!(!Loopback.reads_body());
}

// SequenceMediator with key: getSequence(key.evaluateValue) and return its result.
#[tokio::test(flavor = "current_thread")]
async fn static_key_runs_the_sequence_and_returns_its_flow() {
    let env = Env::builder()
        .sequence("audit", recorder("audit", Flow::Continue))
        .sequence("stopper", recorder("stopper", Flow::Stop))
        .build();
    let r = SequenceRefConfig::new("audit").build().unwrap();
    let mut msg = MessageContext::from_xml("<a/>");
    assert_eq!(r.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
    assert_eq!(ran(&msg).as_deref(), Some("audit"));
    let r = SequenceRefConfig::new("stopper").build().unwrap();
    assert_eq!(r.mediate(&mut msg, &env).await.unwrap(), Flow::Stop);
    assert_eq!(r.kind(), "sequence");
}

// Dynamic key `key="{expr}"` (ValueFactory): the expression's string names the sequence.
#[tokio::test(flavor = "current_thread")]
async fn dynamic_keys_xpath_json_and_synapse() {
    let env = Env::builder()
        .sequence("gold", recorder("gold", Flow::Continue))
        .build();
    for key in [
        "{get-property('seq')}",
        "{json-eval($.route)}",
        "${vars.seq}",
    ] {
        let r = SequenceRefConfig::new(key).build().unwrap();
        let mut msg = MessageContext::from_json(r#"{"route":"gold"}"#);
        msg.set_property("seq", "gold");
        msg.set_variable("seq", "gold");
        assert_eq!(r.mediate(&mut msg, &env).await.unwrap(), Flow::Continue);
        assert_eq!(ran(&msg).as_deref(), Some("gold"), "{key}");
    }
}

// SequenceMediator: m == null → handleException("Sequence named " + key + " cannot be found"),
// key being Value.toString() ("Value {name ='key', keyValue ='…'}").
#[tokio::test(flavor = "current_thread")]
async fn unknown_key_is_an_error_with_mi_message() {
    let r = SequenceRefConfig::new("nope").build().unwrap();
    let mut msg = MessageContext::from_json("{}");
    let err = r.mediate(&mut msg, &Env::default()).await.unwrap_err();
    assert_eq!(
        err.message(),
        "Sequence named Value {name ='key', keyValue ='nope'} cannot be found"
    );
    let r = SequenceRefConfig::new("{get-property('seq')}")
        .build()
        .unwrap();
    let err = r.mediate(&mut msg, &Env::default()).await.unwrap_err();
    assert_eq!(
        err.message(),
        "Sequence named Value {name ='key', expression =get-property('seq')} cannot be found"
    );
}

#[test]
fn empty_or_bad_key_is_a_build_error() {
    assert!(matches!(
        SequenceRefConfig::new(" ").build().unwrap_err(),
        BuildError::MissingProperty { .. }
    ));
    assert!(matches!(
        SequenceRefConfig::new("{count(}").build().unwrap_err(),
        BuildError::InvalidProperty { .. }
    ));
}

// ---- from_spec: the Synapse XML shapes ----

// `<drop/>`, `<respond/>`, `<loopback/>` take no attributes (but MI's common `description`) and
// no children.
#[test]
fn from_spec_empty_elements() {
    let r = Registry::new();
    for kind in ["drop", "respond", "loopback"] {
        let build = |spec: &MediatorSpec| -> Result<(), BuildError> {
            match kind {
                "drop" => Drop::from_spec(spec, &r).map(|_| ()),
                "respond" => Respond::from_spec(spec, &r).map(|_| ()),
                _ => Loopback::from_spec(spec, &r).map(|_| ()),
            }
        };
        assert!(build(&MediatorSpec::new(kind)).is_ok());
        assert!(build(&MediatorSpec::new(kind).property("description", "bye")).is_ok());
        let e = build(&MediatorSpec::new(kind).property("key", "x")).unwrap_err();
        assert!(e.to_string().contains("unknown attribute `key`"), "{e}");
        let e = build(&MediatorSpec::new(kind).child(MediatorSpec::new("log"))).unwrap_err();
        assert!(
            e.to_string().contains("unknown child element `<log>`"),
            "{e}"
        );
        let e = build(&MediatorSpec::new(kind).text("x")).unwrap_err();
        assert!(e.to_string().contains("unexpected content"), "{e}");
    }
}

// SequenceMediatorFactory: `<sequence key="…"/>` refers to a deployed sequence; `{expr}` keys are
// dynamic.
#[tokio::test(flavor = "current_thread")]
async fn from_spec_sequence_reference() {
    let r = Registry::new();
    let env = Env::builder()
        .sequence("audit", recorder("audit", Flow::Continue))
        .build();
    let static_ref =
        SequenceRefConfig::from_spec(&MediatorSpec::new("sequence").property("key", "audit"), &r)
            .unwrap()
            .build()
            .unwrap();
    let mut msg = with_to("{}");
    assert_eq!(
        static_ref.mediate(&mut msg, &env).await.unwrap(),
        Flow::Continue
    );
    assert_eq!(ran(&msg).as_deref(), Some("audit"));

    let dynamic = SequenceRefConfig::from_spec(
        &MediatorSpec::new("sequence").property("key", "{get-property('seq')}"),
        &r,
    )
    .unwrap()
    .build()
    .unwrap();
    let mut msg = with_to("{}");
    msg.set_property("seq", "audit");
    assert_eq!(
        dynamic.mediate(&mut msg, &env).await.unwrap(),
        Flow::Continue
    );
    assert_eq!(ran(&msg).as_deref(), Some("audit"));
}

#[test]
fn from_spec_sequence_refusals() {
    let r = Registry::new();
    let err = |spec: MediatorSpec| {
        SequenceRefConfig::from_spec(&spec, &r)
            .unwrap_err()
            .to_string()
    };
    assert!(err(MediatorSpec::new("sequence")).contains("missing property `key`"));
    assert!(
        err(MediatorSpec::new("sequence")
            .property("key", "a")
            .property("name", "b"))
        .contains("unknown attribute `name`")
    );
    assert!(
        err(MediatorSpec::new("sequence")
            .property("key", "a")
            .child(MediatorSpec::new("log")))
        .contains("unknown child element `<log>`")
    );
}

// The Rust examples of docs/mediators/{drop,respond,loopback,sequence}.md build.
#[test]
fn docs_examples_build() -> Result<(), BuildError> {
    use mediate_mediators::property::PropertyConfig;

    let drop_seq = Sequence::anonymous().then(Drop);
    let respond_seq = Sequence::anonymous()
        .then(
            PropertyConfig::set_value("HTTP_SC", "200")
                .with_scope("axis2")
                .build()?,
        )
        .then(Respond);
    let in_sequence = Sequence::anonymous().then(Loopback);
    assert_eq!(
        (
            drop_seq.mediators().len(),
            respond_seq.mediators().len(),
            in_sequence.mediators().len()
        ),
        (1, 2, 1)
    );
    let audit = SequenceRefConfig::new("audit").build()?;
    let routed = SequenceRefConfig::new("{get-property('route')}").build()?;
    assert_eq!((audit.kind(), routed.kind()), ("sequence", "sequence"));
    Ok(())
}
