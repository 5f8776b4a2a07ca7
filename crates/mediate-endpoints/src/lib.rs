//! The typed, immutable definitions of Synapse endpoints: what an `<endpoint>` element says,
//! checked and comparable, read from and written back to the element-shaped
//! [`MediatorSpec`](mediate_core::MediatorSpec) that `mediate-config` makes of Synapse XML.
//!
//! Configuration is data, runtime is behaviour: this crate holds the data (Synapse's
//! `EndpointDefinition` and the endpoint factories' reading of the XML), MI's suspension state
//! machine as pure logic ([`EndpointStateMachine`]: active, timeout, suspended, off, with time
//! passed in), and the [`runtime`] built from them ([`Endpoints`]): it sends messages over an
//! [`HttpSender`](mediate_core::transport::HttpSender), times them out, fails over, balances
//! load and keeps each leaf endpoint's state. Durations are [`std::time::Duration`], error
//! codes `i32` (Java ints; `-1` is MI's "no code"), settings MI lets compute per message are
//! [`Dynamic`].
//!
//! | MI form | [`EndpointKind`] |
//! |---|---|
//! | `<endpoint><address uri>` | [`Address`](EndpointKind::Address) ([`AddressEndpoint`]) |
//! | `<endpoint><http uri-template [method]>` | [`Http`](EndpointKind::Http) ([`HttpEndpoint`], with [`Authentication`]) |
//! | `<endpoint><default>` | [`Default`](EndpointKind::Default) ([`DefaultEndpoint`]) |
//! | `<endpoint>[<session>]<loadbalance>` | [`Loadbalance`](EndpointKind::Loadbalance) ([`LoadbalanceEndpoint`]) |
//! | `<endpoint><failover>` | [`Failover`](EndpointKind::Failover) ([`FailoverEndpoint`]) |
//! | `<endpoint><recipientlist>` | [`RecipientList`](EndpointKind::RecipientList) ([`RecipientListEndpoint`]) |
//! | `<endpoint template="T" [uri]><parameter/>` | [`Template`](EndpointKind::Template) ([`TemplateEndpoint`]) |
//! | `<endpoint key="K"/>` | [`Indirect`](EndpointKind::Indirect) |
//! | `<endpoint key-expression="…"/>` | [`Resolving`](EndpointKind::Resolving) |
//! | `<endpoint><wsdl>`, `<dynamicLoadbalance>`, `<serviceDynamicLoadbalance>`, `<class>` | refused: not supported |
//!
//! A leaf endpoint's [`EndpointSettings`] hold its `format`, `optimize`, `encoding`,
//! `statistics`, `trace`, `<enableAddressing>`, `<enableSec>` and `<enableRM>` (both
//! accepted and recorded; mediate implements neither WS-Security nor WS-RM, so the runtime
//! must refuse to send through such an endpoint), `<timeout>`, `<markForSuspension>`,
//! `<suspendOnFailure>` and `<retryConfig>`; [`defaults`] says what MI does without them.
//!
//! ```
//! use std::time::Duration;
//! use mediate_core::MediatorSpec;
//! use mediate_endpoints::{defaults, Dynamic, EndpointDefinition, EndpointKind, TimeoutAction};
//!
//! // <endpoint name="StockQuoteEP">
//! //   <address uri="http://localhost:9000/services/SimpleStockQuoteService">
//! //     <timeout><duration>60000</duration><responseAction>fault</responseAction></timeout>
//! //     <suspendOnFailure><errorCodes>101503,101504</errorCodes>
//! //       <initialDuration>1000</initialDuration><progressionFactor>2</progressionFactor>
//! //     </suspendOnFailure>
//! //   </address>
//! // </endpoint>
//! let leaf = |name: &str, text: &str| MediatorSpec::new(name).text(text);
//! let spec = MediatorSpec::new("endpoint").property("name", "StockQuoteEP").child(
//!     MediatorSpec::new("address")
//!         .property("uri", "http://localhost:9000/services/SimpleStockQuoteService")
//!         .child(MediatorSpec::new("timeout")
//!             .child(leaf("duration", "60000"))
//!             .child(leaf("responseAction", "fault")))
//!         .child(MediatorSpec::new("suspendOnFailure")
//!             .child(leaf("errorCodes", "101503,101504"))
//!             .child(leaf("initialDuration", "1000"))
//!             .child(leaf("progressionFactor", "2"))),
//! );
//! let ep = EndpointDefinition::from_spec(&spec)?;
//! assert_eq!(ep.name.as_deref(), Some("StockQuoteEP"));
//! assert!(matches!(ep.kind, EndpointKind::Address(_)));
//!
//! let settings = ep.settings().expect("a leaf endpoint");
//! let timeout = settings.timeout.as_ref().unwrap();
//! assert_eq!(timeout.duration, Some(Dynamic::Value(Duration::from_secs(60))));
//! assert_eq!(timeout.response_action, Some(Dynamic::Value(TimeoutAction::Fault)));
//! let suspend = settings.suspend_on_failure.as_ref().unwrap();
//! assert_eq!(suspend.error_codes, Some(Dynamic::Value(vec![101503, 101504])));
//! assert_eq!(suspend.maximum_duration, None); // MI: defaults::MAXIMUM_SUSPEND_DURATION
//! assert_eq!(defaults::INITIAL_SUSPEND_DURATION, Duration::from_secs(30));
//!
//! // Written back, it reads as the same definition.
//! assert_eq!(EndpointDefinition::from_spec(&ep.to_spec())?, ep);
//!
//! // Errors name the element and say what is expected.
//! let bad = MediatorSpec::new("endpoint")
//!     .child(MediatorSpec::new("address").property("uri", "http://h/x").property("formt", "pox"));
//! let err = EndpointDefinition::from_spec(&bad).unwrap_err();
//! assert!(err.to_string().contains("did you mean `format`?"), "{err}");
//! # Ok::<(), mediate_core::BuildError>(())
//! ```
//!
//! The definitions are written by hand: no crate models Synapse's endpoint configuration,
//! and its rules (which child decides the kind, MI's defaults, which values may be
//! `{expression}`s, what the factories refuse) are MI's own. They follow wso2-synapse's
//! endpoint factories (`EndpointFactory`, `AddressEndpointFactory`, `HTTPEndpointFactory`,
//! `DefaultEndpointFactory`, `EndpointDefinitionFactory`, `LoadbalanceEndpointFactory`,
//! `SALoadbalanceEndpointFactory`, `FailoverEndpointFactory`, `RecipientListEndpointFactory`,
//! `TemplateEndpointFactory`, `IndirectEndpointFactory`) and MI 4.4's "Endpoint Properties"
//! page. [`EndpointDefinition::references`] lists the keys a definition refers to, for the
//! cross-artifact checks of a loader.

mod check;
mod definition;
mod dynamic;
mod group;
mod key;
mod leaf;
pub mod runtime;
mod settings;
mod state;
mod uri;
mod write;

pub use definition::{
    EndpointDefinition, EndpointKind, EndpointProperty, EndpointPropertyValue, PropertyScope,
    Reference, ReferenceKind, TemplateEndpoint,
};
pub use dynamic::Dynamic;
pub use group::{
    FailoverEndpoint, GroupTargets, LoadbalanceAlgorithm, LoadbalanceEndpoint, Member,
    RecipientListEndpoint, RecipientTargets, Session, SessionType,
};
pub use key::KeyRef;
pub use leaf::{
    AddressEndpoint, Authentication, DefaultEndpoint, HttpEndpoint, HttpMethod, OAuth, OAuthGrant,
};
pub use runtime::{
    BLOCKING_SENDER_OPERATION_FAILED, CallOptions, CallOutcome, DEFAULT_GLOBAL_TIMEOUT, Deliveries,
    Delivery, ENDPOINT_CUSTOM_ERROR, EndpointStatus, Endpoints, EndpointsBuilder, EndpointsError,
    FORCE_ERROR_ON_SOAP_FAULT, FailedResponse, payload_value,
};
pub use settings::{
    Addressing, AddressingVersion, EndpointSettings, MarkForSuspension, MessageFormat, Optimize,
    ReliableMessaging, RetryConfig, Security, SuspendOnFailure, Timeout, TimeoutAction, defaults,
};
pub use state::{
    EndpointState, EndpointStateMachine, FailureClass, FailureOutcome, SuspensionSettings,
};
