//! Each mediator of a sequence runs inside a `mediator` span with `kind`, `index` and
//! `sequence` (the enclosing sequence's name, or `anonymous`) fields.

mod support;

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use mediate_core::{Env, Flow, Mediator, MessageContext, Sequence};
use support::mark;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records `name kind=… index=…` for every span created.
#[derive(Debug, Default, Clone)]
struct Spans(Arc<Mutex<Vec<String>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(span.metadata().name().to_owned());
        span.record(&mut fields);
        let mut spans = self.0.lock().unwrap();
        spans.push(fields.0);
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_mediator_gets_a_span_with_kind_and_index() {
    let spans = Spans::default();
    let seq = Sequence::named("main")
        .then(mark("first"))
        .then(Sequence::anonymous().then(mark("inner")));
    tracing::subscriber::with_default(spans.clone(), || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut msg = MessageContext::empty();
        let flow = rt.block_on(seq.mediate(&mut msg, &Env::default())).unwrap();
        assert_eq!(flow, Flow::Continue);
    });
    let recorded = spans.0.lock().unwrap().clone();
    assert_eq!(
        recorded,
        [
            r#"mediator kind="first" index=0 sequence="main""#,
            r#"mediator kind="sequence" index=1 sequence="main""#,
            r#"mediator kind="inner" index=0 sequence="anonymous""#,
        ]
    );
}
