//! The bound on nested named sequences and templates ([`MAX_NESTING_DEPTH`]): a flow that calls
//! itself fails with [`codes::NESTING_LIMIT_EXCEEDED`] through the usual onError/fault
//! handling, every level is given back on every path, and bounded recursion works.
//!
//! Synapse has no such bound (a self-calling sequence ends in `StackOverflowError`); what is
//! checked here is mediate's own contract, documented on `MAX_NESTING_DEPTH`.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mediate_core::{
    Env, Flow, MAX_NESTING_DEPTH, MediationError, Mediator, MessageContext, PropertyValue, Scope,
    Sequence, Template, async_trait, codes, mediator_fn,
};
use support::{fail, mark, stop, trail};

/// `<sequence key="…"/>` by hand: runs the sequence deployed under `key` while the message's
/// `budget` property (an integer, absent = unbounded) is positive, counting it down.
#[derive(Debug)]
struct ByKey(&'static str);

#[async_trait]
impl Mediator for ByKey {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        if !take_budget(msg) {
            return Ok(Flow::Continue);
        }
        let seq = env
            .get_sequence(self.0)
            .ok_or_else(|| MediationError::mediator(format!("no sequence {}", self.0)))?;
        seq.mediate(msg, env).await
    }
}

/// `<call-template target="…"/>` by hand, with the same `budget`.
#[derive(Debug)]
struct CallT(&'static str);

#[async_trait]
impl Mediator for CallT {
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
        if !take_budget(msg) {
            return Ok(Flow::Continue);
        }
        let template = env
            .get_template(self.0)
            .ok_or_else(|| MediationError::mediator(format!("no template {}", self.0)))?;
        template.invoke(HashMap::new(), msg, env).await
    }
}

/// Counts the `budget` property down; `false` when it was spent.
fn take_budget(msg: &mut MessageContext) -> bool {
    let Some(budget) = msg.property("budget") else {
        return true;
    };
    let left: i32 = budget.as_string().parse().unwrap_or(0);
    if left <= 0 {
        return false;
    }
    msg.set_property("budget", left - 1);
    true
}

/// How many times the trail holds `label`.
fn count(msg: &MessageContext, label: &str) -> usize {
    trail(msg).split(' ').filter(|l| *l == label).count()
}

/// A mediator recording the deepest nesting it saw in `max`.
fn deepest(max: &Arc<AtomicUsize>) -> impl Mediator + 'static {
    let max = Arc::clone(max);
    mediator_fn("deepest", move |msg: &mut MessageContext| {
        max.fetch_max(msg.nesting().len(), Ordering::Relaxed);
        Ok::<_, MediationError>(Flow::Continue)
    })
}

fn fault_sequence() -> Sequence {
    Sequence::named("fault").then(mark("fault"))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn error_code(msg: &MessageContext) -> Option<PropertyValue> {
    msg.scoped_property(Scope::Default, "ERROR_CODE")
}

fn error_message(msg: &MessageContext) -> String {
    msg.scoped_property(Scope::Default, "ERROR_MESSAGE")
        .map(|v| v.as_string())
        .unwrap_or_default()
}

fn limit_code() -> Option<PropertyValue> {
    Some(PropertyValue::Integer(codes::NESTING_LIMIT_EXCEEDED))
}

#[test]
fn self_calling_sequence_ends_in_the_fault_sequence() {
    let env = Env::builder()
        .sequence("A", Sequence::named("A").then(mark("a")).then(ByKey("A")))
        .sequence("fault", fault_sequence())
        .build();
    let main = Sequence::named("main").then(ByKey("A"));
    let mut msg = MessageContext::empty();
    assert_eq!(rt().block_on(env.run(&main, &mut msg)).unwrap(), Flow::Stop);
    assert_eq!(count(&msg, "a"), MAX_NESTING_DEPTH - 1);
    assert!(trail(&msg).ends_with("a fault"));
    assert_eq!(error_code(&msg), limit_code());
    assert_eq!(
        error_message(&msg),
        "Sequence nesting exceeds 64 levels entering sequence `A`, which calls itself: `A` → `A`"
    );
    assert!(msg.nesting().is_empty());
    // Each level counted its fault.
    let stats = env.get_sequence("A").unwrap().stats();
    assert_eq!(stats.faulted, (MAX_NESTING_DEPTH - 1) as u64);
}

#[test]
fn self_calling_template_ends_in_the_fault_sequence() {
    // A named body takes no level of its own: only the template's call does.
    let body = Sequence::named("T-body").then(mark("t")).then(CallT("T"));
    let env = Env::builder()
        .template("T", Template::new("T", vec![], body))
        .sequence("fault", fault_sequence())
        .build();
    let main = Sequence::named("main").then(CallT("T"));
    let mut msg = MessageContext::empty();
    assert_eq!(rt().block_on(env.run(&main, &mut msg)).unwrap(), Flow::Stop);
    assert_eq!(count(&msg, "t"), MAX_NESTING_DEPTH - 1);
    assert_eq!(count(&msg, "fault"), 1);
    assert_eq!(error_code(&msg), limit_code());
    assert!(
        error_message(&msg).contains("entering template `T`, which calls itself: `T` → `T`"),
        "{}",
        error_message(&msg)
    );
    assert!(msg.nesting().is_empty());
    assert_eq!(msg.function_depth(), 0);
}

#[test]
fn without_a_fault_sequence_the_error_is_returned() {
    let env = Env::builder()
        .sequence("A", Sequence::named("A").then(ByKey("B")))
        .sequence("B", Sequence::named("B").then(ByKey("A")))
        .build();
    let main = Sequence::named("main").then(ByKey("A"));
    let mut msg = MessageContext::empty();
    let err = rt().block_on(env.run(&main, &mut msg)).unwrap_err();
    assert!(err.is_nesting_limit() && err.is_internal() && !err.is_retryable());
    assert_eq!(err.code(), codes::NESTING_LIMIT_EXCEEDED);
    assert!(
        err.message().contains("`B` → `A` → `B`"),
        "{}",
        err.message()
    );
    assert!(
        err.detail()
            .unwrap()
            .starts_with("nesting: `main` → `A` → `B` → … (58 more)")
    );
    assert!(msg.nesting().is_empty());
}

// The innermost onError handles the fault: the faulted sequence's level is given back before its
// handler runs, so the handler runs even though the nesting was full, once, and the flow stops.
#[test]
fn the_innermost_on_error_handles_the_limit() {
    let env = Env::builder()
        .sequence(
            "A",
            Sequence::named("A")
                .then(mark("a"))
                .then(ByKey("A"))
                .on_error("H"),
        )
        .sequence("H", Sequence::named("H").then(mark("h")))
        .sequence("fault", fault_sequence())
        .build();
    let main = Sequence::named("main").then(ByKey("A")).then(mark("after"));
    let mut msg = MessageContext::empty();
    assert_eq!(rt().block_on(env.run(&main, &mut msg)).unwrap(), Flow::Stop);
    assert_eq!(count(&msg, "h"), 1);
    assert_eq!(count(&msg, "a"), MAX_NESTING_DEPTH - 1);
    assert!(trail(&msg).ends_with("a h"));
    assert_eq!(error_code(&msg), limit_code());
    assert!(msg.nesting().is_empty());
}

// A sequence that cannot be entered never starts: its own onError does not run, and nothing is
// pushed.
#[test]
fn a_sequence_refused_at_the_limit_does_not_run_its_own_on_error() {
    let env = Env::builder()
        .sequence("H", Sequence::named("H").then(mark("h")))
        .build();
    let seq = Sequence::named("X").then(mark("x")).on_error("H");
    let mut msg = MessageContext::empty();
    for _ in 0..MAX_NESTING_DEPTH {
        msg.push_nesting("outer".into());
    }
    let err = rt().block_on(seq.mediate(&mut msg, &env)).unwrap_err();
    assert!(err.is_nesting_limit());
    assert_eq!(
        err.message(),
        "Sequence nesting exceeds 64 levels entering sequence `X`"
    );
    assert_eq!(trail(&msg), "");
    assert_eq!(msg.nesting().len(), MAX_NESTING_DEPTH);
    assert_eq!(seq.stats().messages_in, 0);

    // One level less and it runs.
    msg.truncate_nesting(MAX_NESTING_DEPTH - 1);
    assert_eq!(
        rt().block_on(seq.mediate(&mut msg, &env)).unwrap(),
        Flow::Continue
    );
    assert_eq!(trail(&msg), "x");
    assert_eq!(msg.nesting().len(), MAX_NESTING_DEPTH - 1);
}

// Recursion that ends by itself works, however it ends (continue, stop, error), and every level
// is given back each time.
#[test]
fn bounded_recursion_gives_back_every_level() {
    let max = Arc::new(AtomicUsize::new(0));
    let env = Env::builder()
        .sequence(
            "R",
            Sequence::named("R").then(deepest(&max)).then(ByKey("R")),
        )
        .template(
            "T",
            Template::new(
                "T",
                vec![],
                Sequence::anonymous().then(deepest(&max)).then(CallT("T")),
            ),
        )
        .build();
    let rt = rt();
    for call in [ByKey("R"), ByKey("R")] {
        let mut msg = MessageContext::empty();
        msg.set_property("budget", 10);
        assert_eq!(
            rt.block_on(call.mediate(&mut msg, &env)).unwrap(),
            Flow::Continue
        );
        assert!(msg.nesting().is_empty());
    }
    assert_eq!(max.load(Ordering::Relaxed), 10);

    // Two calls 60 deep in a row on one message: the first gives its levels back.
    let main = Sequence::named("main")
        .then(CallT("T"))
        .then(mediator_fn("refill", |msg: &mut MessageContext| {
            assert_eq!(msg.nesting().len(), 1);
            msg.set_property("budget", 60);
            Ok::<_, MediationError>(Flow::Continue)
        }))
        .then(CallT("T"));
    let mut msg = MessageContext::empty();
    msg.set_property("budget", 60);
    max.store(0, Ordering::Relaxed);
    assert_eq!(
        rt.block_on(env.run(&main, &mut msg)).unwrap(),
        Flow::Continue
    );
    assert_eq!(max.load(Ordering::Relaxed), 61);
    assert!(msg.nesting().is_empty());
    assert_eq!(msg.function_depth(), 0);

    // Ending in a stop or an error deep down gives the levels back too.
    for (last, expect_err) in [
        (Arc::new(stop("end")) as Arc<dyn Mediator>, false),
        (
            Arc::new(fail("end", || MediationError::mediator("deep"))),
            true,
        ),
    ] {
        let env = Env::builder()
            .sequence(
                "R",
                Sequence::named("R")
                    .then(ByKey("R"))
                    .then_arc(Arc::clone(&last)),
            )
            .build();
        let mut msg = MessageContext::empty();
        msg.set_property("budget", 20);
        let result = rt.block_on(ByKey("R").mediate(&mut msg, &env));
        assert_eq!(result.is_err(), expect_err);
        assert!(msg.nesting().is_empty());
    }
}

// A deployed anonymous sequence is named by its key, so it takes a level like any other.
#[test]
fn an_anonymous_sequence_deployed_under_a_key_takes_a_level() {
    let env = Env::builder()
        .sequence("loop", Sequence::anonymous().then(ByKey("loop")))
        .build();
    assert_eq!(env.get_sequence("loop").unwrap().name(), Some("loop"));
    let mut msg = MessageContext::empty();
    let err = rt()
        .block_on(ByKey("loop").mediate(&mut msg, &env))
        .unwrap_err();
    assert!(err.is_nesting_limit());
    assert!(msg.nesting().is_empty());
}

// Levels an inner flow left behind (a future dropped half-way) are given back when the
// enclosing sequence or template returns: leaving truncates to the depth on entry.
#[test]
fn leaving_truncates_what_an_inner_flow_left_behind() {
    let leak = || {
        mediator_fn("leak", |msg: &mut MessageContext| {
            msg.push_nesting("stale".into());
            msg.push_function_frame(HashMap::new());
            Ok::<_, MediationError>(Flow::Continue)
        })
    };
    let env = Env::builder()
        .template(
            "T",
            Template::new("T", vec![], Sequence::anonymous().then(leak())),
        )
        .build();
    let rt = rt();
    let seq = Sequence::named("S").then(leak());
    let mut msg = MessageContext::empty();
    let flow = rt.block_on(seq.mediate(&mut msg, &env)).unwrap();
    assert_eq!(flow, Flow::Continue);
    assert!(msg.nesting().is_empty());

    let mut msg = MessageContext::empty();
    let flow = rt.block_on(CallT("T").mediate(&mut msg, &env)).unwrap();
    assert_eq!(flow, Flow::Continue);
    assert!(msg.nesting().is_empty());
    assert_eq!(msg.function_depth(), 0);
}
