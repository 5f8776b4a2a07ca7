//! Every built-in mediator in a [`Registry`], under its Synapse XML element name.
//!
//! ```
//! use mediate_core::{MediatorSpec, Registry};
//!
//! let registry = mediate_mediators::builtins::registry();
//! assert!(registry.contains("payloadFactory"));
//! let log = registry.build(&MediatorSpec::new("log").property("level", "custom"))?;
//! assert_eq!(log.kind(), "log");
//! # Ok::<(), mediate_core::BuildError>(())
//! ```

use std::sync::Arc;

use mediate_core::{BuildError, IntoMediator, Mediator, Registry};

use crate::call::CallConfig;
use crate::call_template::CallTemplateConfig;
use crate::enrich::EnrichConfig;
use crate::filter::FilterConfig;
use crate::header::HeaderConfig;
use crate::log::LogConfig;
use crate::makefault::MakeFaultConfig;
use crate::payload_factory::PayloadFactoryConfig;
use crate::property::PropertyConfig;
use crate::send::SendConfig;
use crate::simple::{Drop, Loopback, Respond, SequenceRefConfig};
use crate::switch::SwitchConfig;
use crate::variable::VariableConfig;

/// The element names of the built-in mediators, as [`register`] registers them.
pub const NAMES: &[&str] = &[
    "call",
    "call-template",
    "drop",
    "enrich",
    "filter",
    "header",
    "log",
    "loopback",
    "makefault",
    "payloadFactory",
    "property",
    "respond",
    "send",
    "sequence",
    "switch",
    "variable",
];

fn arc<M: Mediator + 'static>(m: M) -> Arc<dyn Mediator> {
    Arc::new(m)
}

/// Registers every built-in mediator in `registry` under its Synapse XML element name
/// (see [`NAMES`]). A name registered later (a program's own `log`) replaces the built-in.
pub fn register(registry: &mut Registry) {
    registry
        .register_nested("log", |s, r| Ok(arc(LogConfig::from_spec(s, r)?.build()?)))
        .register_nested("property", |s, r| {
            Ok(arc(PropertyConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("variable", |s, r| {
            Ok(arc(VariableConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("filter", |s, r| {
            Ok(arc(FilterConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("switch", |s, r| {
            Ok(arc(SwitchConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("payloadFactory", |s, r| {
            Ok(arc(PayloadFactoryConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("enrich", |s, r| {
            Ok(arc(EnrichConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("header", |s, r| {
            Ok(arc(HeaderConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("makefault", |s, r| {
            Ok(arc(MakeFaultConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("sequence", |s, r| {
            Ok(arc(SequenceRefConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("call-template", |s, r| {
            Ok(arc(CallTemplateConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("call", |s, r| {
            Ok(arc(CallConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("send", |s, r| {
            Ok(arc(SendConfig::from_spec(s, r)?.build()?))
        })
        .register_nested("drop", |s, r| Ok(arc(Drop::from_spec(s, r)?)))
        .register_nested("respond", |s, r| Ok(arc(Respond::from_spec(s, r)?)))
        .register_nested("loopback", |s, r| Ok(arc(Loopback::from_spec(s, r)?)));
}

/// A registry holding every built-in mediator.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    register(&mut registry);
    registry
}

macro_rules! into_mediator {
    ($($config:ty),* $(,)?) => {$(
        impl IntoMediator for $config {
            fn into_mediator(self) -> Result<Arc<dyn Mediator>, BuildError> {
                Ok(Arc::new(self.build()?))
            }
        }
    )*};
}

into_mediator!(
    LogConfig,
    PropertyConfig,
    VariableConfig,
    FilterConfig,
    SwitchConfig,
    PayloadFactoryConfig,
    EnrichConfig,
    HeaderConfig,
    MakeFaultConfig,
    SequenceRefConfig,
    CallTemplateConfig,
);

#[cfg(test)]
mod tests {
    use super::*;
    use mediate_core::MediatorSpec;

    #[test]
    fn every_name_is_registered() {
        let registry = registry();
        let names: Vec<&str> = registry.names().collect();
        assert_eq!(names, NAMES);
    }

    #[test]
    fn unknown_element_suggests_the_builtin() {
        let err = registry()
            .build(&MediatorSpec::new("paylodFactory"))
            .unwrap_err();
        assert!(
            err.to_string().contains("did you mean `payloadFactory`?"),
            "{err}"
        );
    }
}
