//! The mediate runtime: what runs deployed Synapse configuration.
//!
//! For now it holds one piece, [`dispatch`]: which REST API and which resource take an HTTP
//! request, exactly as Synapse (WSO2 Micro Integrator 4.4) decides, with the `uri.var.*` and
//! `query.param.*` values and the `REST_URL_POSTFIX` the resource's sequences see. It does no
//! networking. The next steps grow the crate into the runtime proper: the deployed snapshot
//! (a configuration built into mediators and swapped atomically on reload) and `mediate serve`
//! (the HTTP listener that feeds requests through dispatch into the sequences).
//!
//! ```
//! use std::sync::Arc;
//! use http::{HeaderMap, Method};
//! use mediate_config::{ArtifactConfig, load_str};
//! use mediate_runtime::dispatch::{Dispatch, Dispatcher};
//!
//! let registry = mediate_mediators::builtins::registry();
//! let xml = r#"<api xmlns="http://ws.apache.org/ns/synapse" name="StockQuote" context="/stockquote">
//!     <resource methods="GET" uri-template="/view/{symbol}"><inSequence><respond/></inSequence></resource>
//!     <resource methods="POST" url-mapping="/order/*"><inSequence><respond/></inSequence></resource>
//! </api>"#;
//! let apis = load_str(xml, "stockquote.xml".as_ref(), &registry)?
//!     .into_iter()
//!     .filter_map(|a| match a { ArtifactConfig::Api(api) => Some(Arc::new(api)), _ => None });
//! let dispatcher = Dispatcher::new(apis);
//! let headers = HeaderMap::new();
//!
//! let got = dispatcher.dispatch(&Method::GET, "/stockquote/view/IBM", None, &headers);
//! let m = got.matched().expect("a resource takes it");
//! assert_eq!((m.resource_index(), m.uri_var("symbol")), (0, Some("IBM")));
//!
//! let got = dispatcher.dispatch(&Method::POST, "/stockquote/order/new?qty=5", None, &headers);
//! assert_eq!(got.matched().map(|m| m.resource_index()), Some(1));
//!
//! let got = dispatcher.dispatch(&Method::GET, "/stockquote/other", None, &headers);
//! assert_eq!(got.status(), Some(http::StatusCode::NOT_FOUND));
//! assert!(matches!(dispatcher.dispatch(&Method::GET, "/elsewhere", None, &headers), Dispatch::NoApi));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod deploy;
pub mod dispatch;
pub mod engine;
pub mod management;
pub mod metrics;
mod runtime;
mod wsdl;

pub use runtime::{Runtime, RuntimeBuilder};

pub use mediate_transport_http::ServerConfig;

pub use http;
