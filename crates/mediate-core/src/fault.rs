//! Recording a [`MediationError`] as the message's fault facts, as Synapse's `FaultHandler` does.

use mediate_message::MessageContext;

use crate::{MediationError, codes};

/// Records `err` as the message's fault facts.
///
/// Synapse's `FaultHandler.handleFault(synCtx, e)` sets `ERROR_CODE`, `ERROR_MESSAGE`,
/// `ERROR_DETAIL` and `ERROR_EXCEPTION` only when `ERROR_CODE` is still unset, while endpoints
/// and transports set their specific codes (`101503`, `303001`…) themselves, overwriting, before
/// the fault handler runs. So: an error with a specific code always overwrites; a generic one
/// ([`codes::DEFAULT_ERROR`]) keeps facts already recorded (for example when a fault sequence
/// itself fails, its handler still sees the original code).
pub(crate) fn record_fault(msg: &mut MessageContext, err: &MediationError) {
    let already = msg.fault().is_some_and(|f| f.code.is_some());
    if err.code() != codes::DEFAULT_ERROR || !already {
        msg.set_fault(err.to_fault());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_error_keeps_earlier_code_specific_overwrites() {
        let mut msg = MessageContext::empty();
        record_fault(&mut msg, &MediationError::backend(101_504, "timeout"));
        record_fault(&mut msg, &MediationError::mediator("later"));
        assert_eq!(msg.fault().unwrap().code, Some(101_504));
        assert_eq!(msg.fault().unwrap().message.as_deref(), Some("timeout"));
        record_fault(&mut msg, &MediationError::backend(101_503, "refused"));
        assert_eq!(msg.fault().unwrap().code, Some(101_503));
    }
}
