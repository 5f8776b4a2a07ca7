//! Sequences and templates that call themselves, built from the built-in mediators as a
//! configuration would build them: runaway recursion ends at [`MAX_NESTING_DEPTH`] with a
//! [`codes::NESTING_LIMIT_EXCEEDED`] error that the fault machinery handles, never with a stack
//! overflow; bounded recursion works, and every level is given back.
//!
//! Synapse has no bound (a self-calling template ends in `StackOverflowError`): the code, the
//! limit and the messages are mediate's own (see `mediate_core::MAX_NESTING_DEPTH`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mediate_core::{
    Env, EnvBuilder, Flow, MAX_NESTING_DEPTH, MediationError, Mediator, MediatorSpec,
    MessageContext, PropertyValue, Scope, Sequence, Template, TemplateParameter, codes,
    mediator_fn,
};
use mediate_mediators::builtins;

/// Builds one mediator from its spec, as a configuration would.
fn build(spec: MediatorSpec) -> Arc<dyn Mediator> {
    builtins::registry().build(&spec).unwrap()
}

/// `<sequence key="…"/>`.
fn sequence_ref(key: &str) -> MediatorSpec {
    MediatorSpec::new("sequence").property("key", key)
}

/// `<call-template target="…"><with-param name value/>*</call-template>`.
fn call_template(target: &str, params: &[(&str, &str)]) -> MediatorSpec {
    params.iter().fold(
        MediatorSpec::new("call-template").property("target", target),
        |spec, (name, value)| {
            spec.child(
                MediatorSpec::new("with-param")
                    .property("name", *name)
                    .property("value", *value),
            )
        },
    )
}

/// `<filter xpath="…"><then>…</then></filter>`.
fn filter_then(xpath: &str, then: MediatorSpec) -> MediatorSpec {
    MediatorSpec::new("filter")
        .property("xpath", xpath)
        .child(MediatorSpec::new("then").child(then))
}

/// `<property name="…" expression="…"/>`.
fn property(name: &str, expression: &str) -> MediatorSpec {
    MediatorSpec::new("property")
        .property("name", name)
        .property("expression", expression)
}

/// A named sequence of the given mediators.
fn sequence(name: &str, specs: Vec<MediatorSpec>) -> Sequence {
    Sequence::new(
        Some(name.to_owned()),
        specs.into_iter().map(build).collect(),
    )
}

/// A mediator counting its runs in `counter`.
fn count(counter: &Arc<AtomicUsize>) -> Arc<dyn Mediator> {
    let counter = Arc::clone(counter);
    Arc::new(mediator_fn("count", move |_: &mut MessageContext| {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok::<_, MediationError>(Flow::Continue)
    }))
}

/// The default `fault` sequence: copies the fault facts into properties.
fn fault_sequence() -> Sequence {
    sequence(
        "fault",
        vec![
            property("fault_code", "get-property('ERROR_CODE')"),
            property("fault_message", "get-property('ERROR_MESSAGE')"),
        ],
    )
}

fn prop(msg: &MessageContext, name: &str) -> Option<String> {
    msg.property(name).map(PropertyValue::as_string)
}

/// A property holding a number (an XPath number prints as Java's `Double.toString`, `0.0`).
fn number(msg: &MessageContext, name: &str) -> Option<f64> {
    prop(msg, name)?.parse().ok()
}

fn run(env: &Env, main: &Sequence, msg: &mut MessageContext) -> Result<Flow, MediationError> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(env.run(main, msg))
}

/// Runs `f` on a thread with a 2 MiB stack (the default test-thread size, fixed here so that
/// `RUST_MIN_STACK` cannot hide an overflow).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// The /tmp/review/loop reproduction: `<template name="T"><sequence><call-template
/// target="T"/></sequence></template>` called from `main`. The call fails at the limit, the
/// fault sequence runs with the fault facts, nothing is left on the message.
#[test]
fn self_calling_template_faults_instead_of_overflowing() {
    on_small_stack(|| {
        let entered = Arc::new(AtomicUsize::new(0));
        let body = Sequence::new(None, vec![count(&entered), build(call_template("T", &[]))]);
        let env = Env::builder()
            .template("T", Template::new("T", vec![], body))
            .sequence("fault", fault_sequence())
            .build();
        let main = sequence("main", vec![call_template("T", &[])]);
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Stop);
        // `main` takes the first level, each call of T one more.
        assert_eq!(entered.load(Ordering::Relaxed), MAX_NESTING_DEPTH - 1);
        assert_eq!(prop(&msg, "fault_code").as_deref(), Some("500102"));
        let message = prop(&msg, "fault_message").unwrap();
        assert_eq!(
            message,
            "Sequence template nesting exceeds 64 levels entering template `T`, which calls \
             itself: `T` → `T`"
        );
        let code = msg.scoped_property(Scope::Default, "ERROR_CODE");
        assert_eq!(
            code,
            Some(PropertyValue::Integer(codes::NESTING_LIMIT_EXCEEDED))
        );
        let detail = msg
            .scoped_property(Scope::Default, "ERROR_DETAIL")
            .map(|d| d.as_string())
            .unwrap_or_default();
        assert!(
            detail.starts_with("nesting: `main` → `T` → `T` → … (58 more)"),
            "{detail}"
        );
        assert!(msg.nesting().is_empty());
        assert_eq!(msg.function_depth(), 0);
    });
}

/// `A` → `B` → `A` … through `<sequence key>`: the error names the cycle and reaches the
/// default fault sequence.
#[test]
fn mutually_recursive_sequences_fault_instead_of_overflowing() {
    on_small_stack(|| {
        let env = Env::builder()
            .sequence("A", sequence("A", vec![sequence_ref("B")]))
            .sequence("B", sequence("B", vec![sequence_ref("A")]))
            .sequence("fault", fault_sequence())
            .build();
        let main = sequence("main", vec![sequence_ref("A")]);
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Stop);
        assert_eq!(prop(&msg, "fault_code").as_deref(), Some("500102"));
        // 64 levels: main, then A and B alternating; the 65th would be B.
        assert_eq!(
            prop(&msg, "fault_message").as_deref(),
            Some(
                "Sequence nesting exceeds 64 levels entering sequence `B`, which calls itself: \
                 `B` → `A` → `B`"
            )
        );
        assert!(msg.nesting().is_empty());
    });
}

/// The same loop through a filter branch's `sequence="key"`, with the error handled by the
/// call-template's `onError` and by an enclosing sequence's `onError`.
#[test]
fn loop_through_a_filter_branch_key_goes_to_the_nearest_on_error() {
    on_small_stack(|| {
        let branch_to_self = MediatorSpec::new("filter")
            .property("xpath", "true()")
            .child(MediatorSpec::new("then").property("sequence", "L"));
        let handled = sequence(
            "handler",
            vec![property("handled", "get-property('ERROR_CODE')")],
        );
        let env = Env::builder()
            .sequence("L", sequence("L", vec![branch_to_self]))
            .sequence("handler", handled)
            .sequence("fault", fault_sequence())
            .build();

        // The sequence at the top has the onError: the fault unwinds every level to it.
        let main = sequence("main", vec![sequence_ref("L")]).on_error("handler");
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Stop);
        assert_eq!(prop(&msg, "handled").as_deref(), Some("500102"));
        assert_eq!(prop(&msg, "fault_code"), None, "the onError handled it");
        assert!(msg.nesting().is_empty());

        // A template with an onError-carrying call in it.
        let env = Env::builder()
            .sequence(
                "L",
                sequence(
                    "L",
                    vec![
                        MediatorSpec::new("filter")
                            .property("xpath", "true()")
                            .child(MediatorSpec::new("then").property("sequence", "L")),
                    ],
                ),
            )
            .sequence(
                "handler",
                sequence("handler", vec![property("handled", "'yes'")]),
            )
            .template(
                "Wrap",
                Template::new("Wrap", vec![], sequence("body", vec![sequence_ref("L")])),
            )
            .build();
        let main = sequence(
            "main",
            vec![call_template("Wrap", &[]).property("onError", "handler")],
        );
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Stop);
        assert_eq!(prop(&msg, "handled").as_deref(), Some("yes"));
        assert!(msg.nesting().is_empty());
        assert_eq!(msg.function_depth(), 0);
    });
}

/// A template counting down `$func:n` through a filter: MI's documented way to loop.
fn countdown_env(fault: bool) -> EnvBuilder {
    let body = Sequence::new(
        None,
        vec![
            build(property("reached", "$func:n")),
            build(filter_then(
                "$func:n > 0",
                call_template("Down", &[("n", "{$func:n - 1}")]),
            )),
        ],
    );
    let env = Env::builder().template(
        "Down",
        Template::new("Down", vec![TemplateParameter::new("n").mandatory()], body),
    );
    if fault {
        env.sequence("fault", fault_sequence())
    } else {
        env
    }
}

/// Recursion that ends by itself works, and gives back its levels: two calls 60 deep in a row
/// both reach the bottom (61 levels each with `main`, 62 with the top call).
#[test]
fn bounded_recursion_runs_and_levels_are_given_back() {
    on_small_stack(|| {
        let env = countdown_env(true).build();
        let main = sequence(
            "main",
            vec![
                call_template("Down", &[("n", "10")]),
                property("first", "get-property('reached')"),
                call_template("Down", &[("n", "60")]),
                property("second", "get-property('reached')"),
                call_template("Down", &[("n", "60")]),
            ],
        );
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Continue);
        assert_eq!(number(&msg, "first"), Some(0.0));
        assert_eq!(number(&msg, "second"), Some(0.0));
        assert_eq!(number(&msg, "reached"), Some(0.0));
        assert_eq!(prop(&msg, "fault_code"), None);
        assert!(msg.nesting().is_empty());
        assert_eq!(msg.function_depth(), 0);
    });
}

/// One level more than the limit allows fails; exactly the limit does not.
#[test]
fn the_limit_is_exact() {
    on_small_stack(|| {
        let env = countdown_env(true).build();
        // main + (n + 1) calls of Down.
        let deepest_ok = (MAX_NESTING_DEPTH - 2).to_string();
        let main = sequence("main", vec![call_template("Down", &[("n", &deepest_ok)])]);
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Continue);
        assert_eq!(number(&msg, "reached"), Some(0.0));

        let one_more = (MAX_NESTING_DEPTH - 1).to_string();
        let main = sequence("main", vec![call_template("Down", &[("n", &one_more)])]);
        let mut msg = MessageContext::empty();
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Stop);
        assert_eq!(number(&msg, "reached"), Some(1.0));
        assert_eq!(prop(&msg, "fault_code").as_deref(), Some("500102"));
        assert!(msg.nesting().is_empty());
    });
}

/// Stack use at the limit, on the heaviest chain the built-ins make (a template whose body's
/// filter branch refers to a sequence that calls the template, so each level runs a call-
/// template, a template, a filter, an inline branch, a sequence reference and a named
/// sequence): 64 levels must fit a 2 MiB stack in a debug build with room to spare.
#[test]
fn nesting_to_the_limit_fits_a_small_stack() {
    let used = on_small_stack(|| {
        let deepest = Arc::new(AtomicUsize::new(usize::MAX));
        let probe = {
            let deepest = Arc::clone(&deepest);
            mediator_fn("probe", move |_: &mut MessageContext| {
                let here = 0u8;
                deepest.fetch_min(std::ptr::from_ref(&here) as usize, Ordering::Relaxed);
                Ok::<_, MediationError>(Flow::Continue)
            })
        };
        let body = Sequence::new(
            None,
            vec![
                Arc::new(probe),
                build(filter_then("$func:n > 0", sequence_ref("S"))),
            ],
        );
        let env = Env::builder()
            .template(
                "T",
                Template::new("T", vec![TemplateParameter::new("n")], body),
            )
            .sequence(
                "S",
                sequence("S", vec![call_template("T", &[("n", "{$func:n - 1}")])]),
            )
            .build();
        // Levels: main, then T and S alternating: 1 + 2 * 31 + 1 = 64 with n = 31.
        let main = sequence("main", vec![call_template("T", &[("n", "31")])]);
        let mut msg = MessageContext::empty();
        let here = 0u8;
        let top = std::ptr::from_ref(&here) as usize;
        assert_eq!(run(&env, &main, &mut msg).unwrap(), Flow::Continue);
        assert!(msg.nesting().is_empty());
        top.saturating_sub(deepest.load(Ordering::Relaxed))
    });
    eprintln!(
        "stack used by {MAX_NESTING_DEPTH} levels: {} KiB ({} bytes a level)",
        used / 1024,
        used / MAX_NESTING_DEPTH
    );
    assert!(used > 0);
    assert!(
        used < 1 << 20,
        "{used} bytes: more than half of a 2 MiB stack"
    );
}
