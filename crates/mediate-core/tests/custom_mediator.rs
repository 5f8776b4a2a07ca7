//! A custom mediator as an author writes it: about twenty lines.

use mediate_core::{Env, Flow, MediationError, Mediator, MessageContext, Sequence, async_trait};

/// Copies the `tenant` property into the `X-Tenant` header; refuses messages without one.
#[derive(Debug)]
struct TenantHeader;

#[async_trait]
impl Mediator for TenantHeader {
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        let tenant = msg
            .property("tenant")
            .map(|v| v.as_string())
            .ok_or_else(|| MediationError::client(400, "no tenant"))?;
        msg.set_transport_header("X-Tenant", &tenant)?;
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        "class:com.acme.TenantHeader"
    }

    fn reads_body(&self) -> bool {
        false
    }
}

#[tokio::test(flavor = "current_thread")]
async fn sets_the_header_from_the_property() {
    let mut msg = MessageContext::from_json(r#"{"x":1}"#);
    msg.set_property("tenant", "acme");
    let flow = TenantHeader
        .mediate(&mut msg, &Env::default())
        .await
        .unwrap();
    assert_eq!(flow, Flow::Continue);
    assert_eq!(msg.transport_header("X-Tenant").as_deref(), Some("acme"));
}

#[tokio::test(flavor = "current_thread")]
async fn missing_property_is_a_client_error_with_fault_facts() {
    let seq = Sequence::anonymous().then(TenantHeader);
    assert!(!seq.reads_body());
    let mut msg = MessageContext::empty();
    let err = seq.mediate(&mut msg, &Env::default()).await.unwrap_err();
    assert!(err.is_client());
    assert_eq!(msg.fault().unwrap().code, Some(400));
    assert_eq!(msg.fault().unwrap().message.as_deref(), Some("no tenant"));
}

#[tokio::test(flavor = "current_thread")]
async fn bad_header_value_becomes_a_mediation_error() {
    let mut msg = MessageContext::empty();
    msg.set_property("tenant", "bad\nvalue");
    let err = TenantHeader
        .mediate(&mut msg, &Env::default())
        .await
        .unwrap_err();
    assert!(err.is_internal());
    assert!(std::error::Error::source(&err).is_some());
}
