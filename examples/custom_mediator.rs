//! Run with: cargo run -p examples --example custom_mediator
//!
//! A custom mediator, `com.acme.Audit`, registered by name, built from the configuration MI's
//! `<class name="com.acme.Audit"><property name="level" value="3"/></class>` carries, and run
//! in a sequence beside a one-off `mediator_fn`.

use std::sync::Arc;

use mediate::core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Registry,
    Sequence, async_trait, mediator_fn,
};

/// Stamps the audit level and the order id on the message.
#[derive(Debug)]
struct Audit {
    level: u8,
}

#[async_trait]
impl Mediator for Audit {
    async fn mediate(&self, msg: &mut MessageContext, _env: &Env) -> Result<Flow, MediationError> {
        let id = msg.json()?["order"]["id"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        msg.set_transport_header("X-Audit-Level", &self.level.to_string())?;
        msg.set_property("audited.order", id);
        Ok(Flow::Continue)
    }

    fn kind(&self) -> &str {
        "class:com.acme.Audit"
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut registry = Registry::new();
    registry.register("com.acme.Audit", |spec: &MediatorSpec| {
        let level = spec.parse("level")?.unwrap_or(1);
        Ok(Arc::new(Audit { level }) as Arc<dyn Mediator>)
    });

    let audit = registry.build(&MediatorSpec::new("com.acme.Audit").property("level", "3"))?;
    let main = Sequence::named("main").then_arc(audit).then(mediator_fn(
        "mark",
        |msg: &mut MessageContext| {
            msg.set_property("marked", true);
            Ok::<_, MediationError>(Flow::Continue)
        },
    ));

    let mut msg = MessageContext::from_json(r#"{"order":{"id":"A-1001","total":1500}}"#);
    let flow = futures::executor::block_on(Env::default().run(&main, &mut msg))?;

    println!("flow: {flow:?}");
    println!(
        "X-Audit-Level: {}",
        msg.transport_header("X-Audit-Level").unwrap_or_default()
    );
    println!(
        "audited.order: {}",
        msg.property("audited.order")
            .map(|v| v.as_string())
            .unwrap_or_default()
    );
    println!("stats: {:?}", main.stats());

    if let Err(BuildError::UnknownMediator { kind, suggestions }) =
        registry.build(&MediatorSpec::new("com.acme.Audti"))
    {
        println!("unknown `{kind}`, did you mean {suggestions:?}");
    }
    Ok(())
}
