//! **mediate-test** is the test kit for mediator authors (and for mediate's own tests): build
//! messages, run a mediator or sequence on them, record what flows where, assert on payloads
//! and properties, and check a mediator against the [`Mediator`](mediate_core::Mediator)
//! contract. Use it from `tests/` (a dev-dependency).
//!
//! | item | what it is |
//! |---|---|
//! | [`TestMessage`] | builder: `json`/`xml`/`soap11`/`soap12`/`text`/`binary` payloads, properties, headers, variables, method, URI, query and path parameters |
//! | [`run`], [`run_in`], [`run_flow`] (+ `_async`) | run on a fresh current-thread runtime; [`Outcome`] = result + message |
//! | [`Recorder`], [`Fail`], [`Probe`] / [`trail`] | test mediators: record into a shared log, always fail, leave a trail property |
//! | [`assert_json_eq!`], [`assert_xml_eq!`], [`assert_property!`], [`assert_no_property!`] | assertions that list where things differ |
//! | [`diff_json`], [`diff_xml`] | the comparisons behind them |
//! | [`compliance`] | the Mediator contract over a corpus of messages: no panic, finishes, honest `reads_body`, errors with messages |
//!
//! ```
//! use mediate_core::{mediator_fn, Flow, MediationError, MessageContext, Sequence};
//! use mediate_test::{assert_json_eq, assert_property, compliance, json, run, Recorder, TestMessage};
//!
//! // The mediator under test: wraps the payload and stamps a property.
//! let wrap = mediator_fn("wrap", |msg: &mut MessageContext| {
//!     let body = msg.json()?.clone();
//!     msg.set_json(json!({ "wrapped": body }));
//!     msg.set_property("wrapped", true);
//!     Ok::<_, MediationError>(Flow::Continue)
//! });
//! let recorder = Recorder::new();
//! let seq = Sequence::named("main").then(wrap).then(recorder.clone());
//!
//! let out = run(&seq, TestMessage::json(r#"{"id":7}"#).header("X-Trace", "t1"));
//! assert!(out.is_continue());
//! assert_json_eq!(out, json!({ "wrapped": { "id": 7 } }));
//! assert_property!(out, "wrapped", true);
//! assert_eq!(recorder.count(), 1);
//! assert_eq!(recorder.messages()[0].headers["x-trace"], "t1");
//!
//! // The sequence must also survive malformed and unusual input.
//! let report = compliance::check(&seq);
//! assert!(report.is_compliant(), "{report}");
//! ```

mod assert;
pub mod compliance;
mod message;
mod quiet;
mod recorder;
mod run;

pub use assert::{
    AsMessage, assert_json_eq_impl, assert_no_property_impl, assert_property_impl,
    assert_xml_eq_impl, diff_json, diff_xml, diff_xml_nodes,
};
pub use message::{SOAP11_CONTENT_TYPE, SOAP12_CONTENT_TYPE, TestMessage};
pub use recorder::{Fail, Probe, Recorded, Recorder, TRAIL_PROPERTY, trail, trail_in};
pub use run::{Outcome, run, run_async, run_flow, run_flow_async, run_in, run_in_async};

/// Re-exported: build expected JSON for [`assert_json_eq!`].
///
/// ```
/// use mediate_test::json;
///
/// assert_eq!(json!({"a": [1]})["a"][0], 1);
/// ```
pub use serde_json::json;

#[doc(hidden)]
pub mod __private {
    pub use mediate_core::Scope;
}
