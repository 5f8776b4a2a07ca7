//! The [`Mediator`] trait.

use std::fmt::Debug;

use async_trait::async_trait;
use mediate_message::MessageContext;

use crate::{Env, Flow, MediationError};

/// One step of a mediation flow: it reads and changes a message, then says whether the flow
/// goes on.
///
/// A mediator gets the message by `&mut` and the read-only [`Env`] (sequences by key, later
/// endpoints and local entries) beside it; the message never carries the configuration. It
/// returns:
///
/// - `Ok(`[`Flow::Continue`]`)`: the enclosing [`Sequence`](crate::Sequence) runs its next
///   mediator;
/// - `Ok(`[`Flow::Stop`]`)`: the message is consumed (dropped, responded to, sent on); every
///   enclosing sequence stops too, like Synapse's `mediate` returning `false`;
/// - `Err(`[`MediationError`]`)`: the mediation failed; the enclosing sequence records the
///   fault facts on the message (`ERROR_CODE`, `ERROR_MESSAGE`, …) and runs the nearest fault
///   handler, as Synapse does when a mediator throws.
///
/// A mediator is built once from its configuration and then shared by every message at once
/// (`Send + Sync`, behind an `Arc`), so it keeps per-message state on the message, not in
/// `self`. It must not panic on any input: bad input is an `Err`.
///
/// Two optional hooks have defaults:
///
/// - [`kind`](Self::kind) names the mediator in spans, logs and errors: `"log"`, `"filter"`, or
///   `"class:com.acme.Audit"` for a custom one. The default is `"custom"`.
/// - [`reads_body`](Self::reads_body) is Synapse's `isContentAware`: `false` promises the
///   mediator never looks at the payload, so a sequence made only of such mediators lets the
///   body pass unparsed. The default is `true`, the safe answer.
///
/// Timing, spans and counters are added by wrapping a mediator (see
/// [`Sequence`](crate::Sequence)), never by growing this trait. For a one-off mediator, a
/// closure is enough: see [`mediator_fn`](crate::mediator_fn).
///
/// The trait uses [`async_trait`](macro@crate::async_trait), so it is object safe: sequences
/// hold `Arc<dyn Mediator>`. Implement it with `#[async_trait]` too (re-exported as
/// [`mediate_core::async_trait`](macro@crate::async_trait)).
///
/// # Example
///
/// A complete custom mediator, as MI's `<class name="com.acme.Audit">` would be: it reads the
/// `user` property, refuses anonymous messages and stamps a header.
///
/// ```
/// use mediate_core::{async_trait, Env, Flow, MediationError, Mediator, MessageContext};
///
/// #[derive(Debug)]
/// struct Audit {
///     header: String,
/// }
///
/// #[async_trait]
/// impl Mediator for Audit {
///     async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
///         let Some(user) = msg.property("user").map(|v| v.as_string()) else {
///             return Err(MediationError::client(400, "no user on the message"));
///         };
///         msg.set_transport_header(&self.header, &user)?;
///         Ok(Flow::Continue)
///     }
///
///     fn kind(&self) -> &str {
///         "class:com.acme.Audit"
///     }
///
///     fn reads_body(&self) -> bool {
///         false // only properties and headers
///     }
/// }
///
/// let audit = Audit { header: "X-Audited-User".into() };
/// let mut msg = MessageContext::from_json(r#"{"a":1}"#);
/// msg.set_property("user", "alice");
/// let rt = tokio::runtime::Builder::new_current_thread().build()?;
/// let flow = rt.block_on(audit.mediate(&mut msg, &Env::default()))?;
/// assert_eq!(flow, Flow::Continue);
/// assert_eq!(msg.transport_header("X-Audited-User").as_deref(), Some("alice"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait Mediator: Send + Sync + Debug {
    /// Mediates one message; see the trait's documentation for what each outcome means.
    async fn mediate(&self, msg: &mut MessageContext, env: &Env) -> Result<Flow, MediationError>;

    /// The mediator's kind, for spans, logs and errors (`"log"`, `"class:com.acme.Audit"`).
    fn kind(&self) -> &str {
        "custom"
    }

    /// Whether the mediator reads the payload (Synapse's `isContentAware`); `true` unless
    /// overridden.
    fn reads_body(&self) -> bool {
        true
    }
}
