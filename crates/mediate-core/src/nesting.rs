//! The bound on nested sequences and templates: a configuration that calls itself fails with a
//! [`MediationError`] instead of exhausting the thread's stack.

use std::fmt::Write as _;
use std::sync::Arc;

use mediate_message::MessageContext;

use crate::{MediationError, Origin, codes};

/// How many named sequences and sequence templates one message may be running inside at once.
///
/// Each entry of a named [`Sequence`](crate::Sequence) (the top of a flow, a `<sequence key>`,
/// a filter or switch branch's `sequence="key"`, an `onError` or fault sequence, a clone or
/// iterate target…) and each [`Template::invoke`](crate::Template::invoke) (`call-template`)
/// takes one level, given back when it finishes, whatever the outcome; inline anonymous
/// sequences (a filter's `<then>`, a template's body) take none. Entering one more is a
/// [`MediationError`] with code
/// [`codes::NESTING_LIMIT_EXCEEDED`](crate::codes::NESTING_LIMIT_EXCEEDED), which the enclosing
/// `onError` and fault sequences handle as any other error.
///
/// Synapse has no such bound: a sequence or template that calls itself without end ends in a
/// `StackOverflowError`. 64 is far deeper than any legitimate recursion over a bounded payload
/// and stays well inside a 2 MiB thread stack in a debug build (the engine's futures are boxed
/// at each mediator, so one level costs a few poll frames, not a whole state machine).
///
/// ```
/// use mediate_core::{async_trait, codes, Env, Flow, MediationError, Mediator, MessageContext,
///     Sequence, MAX_NESTING_DEPTH};
///
/// /// `<sequence key="loop"/>`, by hand.
/// #[derive(Debug)]
/// struct CallLoop;
///
/// #[async_trait]
/// impl Mediator for CallLoop {
///     async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError> {
///         let seq = env.get_sequence("loop").ok_or_else(|| MediationError::mediator("no loop"))?;
///         seq.mediate(msg, env).await
///     }
/// }
///
/// // `loop` calls itself for ever.
/// let env = Env::builder().sequence("loop", Sequence::named("loop").then(CallLoop)).build();
/// let mut msg = MessageContext::empty();
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let err = rt.block_on(env.get_sequence("loop").unwrap().mediate(&mut msg, &env)).unwrap_err();
/// assert_eq!(err.code(), codes::NESTING_LIMIT_EXCEEDED);
/// assert!(err.message().contains("entering sequence `loop`"));
/// assert!(msg.nesting().is_empty()); // every level was left
/// assert_eq!(MAX_NESTING_DEPTH, 64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_NESTING_DEPTH: usize = 64;

/// What is being entered, for the error message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Entered {
    Sequence,
    Template,
}

impl Entered {
    fn as_str(self) -> &'static str {
        match self {
            Entered::Sequence => "sequence",
            Entered::Template => "template",
        }
    }
}

/// Enters `name` on the message's nesting, returning the depth to
/// [truncate](MessageContext::truncate_nesting) back to when it is left.
///
/// # Errors
///
/// The message is already [`MAX_NESTING_DEPTH`] levels deep: nothing is pushed.
pub(crate) fn enter(
    msg: &mut MessageContext,
    entered: Entered,
    name: &Arc<str>,
) -> Result<usize, MediationError> {
    let depth = msg.nesting().len();
    if depth >= MAX_NESTING_DEPTH {
        return Err(too_deep(msg.nesting(), entered, name));
    }
    msg.push_nesting(Arc::clone(name));
    Ok(depth)
}

/// The error for entering `name` on a full `nesting`: the message names what was entered and,
/// when it is already running, the cycle that leads back to it; the detail shows the chain
/// (its first and last levels).
fn too_deep(nesting: &[Arc<str>], entered: Entered, name: &str) -> MediationError {
    let mut message = format!(
        "{} nesting exceeds {MAX_NESTING_DEPTH} levels entering {} `{name}`",
        match entered {
            Entered::Sequence => "Sequence",
            Entered::Template => "Sequence template",
        },
        entered.as_str(),
    );
    if let Some(start) = nesting.iter().rposition(|n| &**n == name) {
        message.push_str(", which calls itself: ");
        push_chain(&mut message, nesting[start..].iter().map(|n| &**n));
        let _ = write!(message, " → `{name}`");
    }
    const SHOWN: usize = 3;
    let mut detail = String::from("nesting: ");
    if nesting.len() <= 2 * SHOWN {
        push_chain(&mut detail, nesting.iter().map(|n| &**n));
    } else {
        push_chain(&mut detail, nesting[..SHOWN].iter().map(|n| &**n));
        let _ = write!(detail, " → … ({} more) → ", nesting.len() - 2 * SHOWN);
        push_chain(
            &mut detail,
            nesting[nesting.len() - SHOWN..].iter().map(|n| &**n),
        );
    }
    let _ = write!(detail, " → `{name}`");
    MediationError::new(codes::NESTING_LIMIT_EXCEEDED, Origin::Internal, message)
        .with_detail(detail)
}

fn push_chain<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push_str(" → ");
        }
        let _ = write!(out, "`{name}`");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<Arc<str>> {
        list.iter().map(|n| Arc::from(*n)).collect()
    }

    #[test]
    fn full_nesting_is_refused_and_untouched() {
        let mut msg = MessageContext::empty();
        let t: Arc<str> = "T".into();
        for i in 0..MAX_NESTING_DEPTH {
            assert_eq!(enter(&mut msg, Entered::Template, &t).unwrap(), i);
        }
        let err = enter(&mut msg, Entered::Template, &t).unwrap_err();
        assert_eq!(err.code(), codes::NESTING_LIMIT_EXCEEDED);
        assert!(err.is_internal() && !err.is_retryable());
        assert_eq!(
            err.message(),
            "Sequence template nesting exceeds 64 levels entering template `T`, which calls \
             itself: `T` → `T`"
        );
        assert_eq!(
            err.detail(),
            Some("nesting: `T` → `T` → `T` → … (58 more) → `T` → `T` → `T` → `T`")
        );
        assert_eq!(msg.nesting().len(), MAX_NESTING_DEPTH);
        msg.truncate_nesting(0);
        assert!(msg.nesting().is_empty());
    }

    #[test]
    fn message_names_the_cycle_or_only_the_entered_key() {
        let chain = names(&["main", "A", "B"]);
        let err = too_deep(&chain, Entered::Sequence, "A");
        assert_eq!(
            err.message(),
            "Sequence nesting exceeds 64 levels entering sequence `A`, which calls itself: `A` \
             → `B` → `A`"
        );
        assert_eq!(err.detail(), Some("nesting: `main` → `A` → `B` → `A`"));
        let err = too_deep(&chain, Entered::Sequence, "C");
        assert_eq!(
            err.message(),
            "Sequence nesting exceeds 64 levels entering sequence `C`"
        );
        // ERROR_MESSAGE is one line.
        assert!(!err.message().contains('\n'));
    }
}
