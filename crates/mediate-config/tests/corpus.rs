//! The corpus (`tests/fixtures/corpus`): an MI project of Synapse artifacts written in the style
//! of the WSO2 Micro Integrator 4.x documentation examples (the stock quote service, the hospital
//! channelling tutorial, an order service), loaded with `load_dir` and checked artifact by
//! artifact against the typed configuration; a few of its sequences deployed and run. Also the
//! MI-style example project `examples/mi-project`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use mediate_config::{
    ApiConfig, ArtifactKind, Configuration, EndpointConfig, EndpointRef, LocalEntryConfig,
    LocalEntryValue, Method, Protocol, ProxyConfig, ResourceConfig, ResourceDispatch,
    SequenceConfig, SequenceRef, TemplateBody, TemplateConfig, VersionType, load_dir,
};
use mediate_core::{
    Env, Flow, MediatorSpec, MessageContext, PropertyValue, Registry, Scope, Sequence,
    VariableValue,
};
use mediate_endpoints::{
    AddressEndpoint, Dynamic, EndpointDefinition, EndpointKind, EndpointSettings, GroupTargets,
    HttpEndpoint, HttpMethod, LoadbalanceAlgorithm, MessageFormat, PropertyScope, RecipientTargets,
    SessionType, TimeoutAction,
};

fn registry() -> Registry {
    mediate_mediators::builtins::registry()
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// The corpus, loaded once for all tests.
fn corpus() -> &'static Configuration {
    static CORPUS: OnceLock<Configuration> = OnceLock::new();
    CORPUS.get_or_init(|| match load_dir(&corpus_dir(), &registry()) {
        Ok(configuration) => configuration,
        Err(d) => panic!("the corpus loads without diagnostics:\n{d}"),
    })
}

fn api(name: &str) -> &'static ApiConfig {
    corpus()
        .apis()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("API {name}"))
}

fn proxy(name: &str) -> &'static ProxyConfig {
    corpus()
        .proxies()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("proxy {name}"))
}

fn endpoint(name: &str) -> &'static EndpointConfig {
    corpus()
        .endpoints()
        .find(|e| e.name() == name)
        .unwrap_or_else(|| panic!("endpoint {name}"))
}

fn sequence(name: &str) -> &'static SequenceConfig {
    corpus()
        .sequences()
        .find(|s| s.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("sequence {name}"))
}

fn template(name: &str) -> &'static TemplateConfig {
    corpus()
        .templates()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("template {name}"))
}

fn local_entry(key: &str) -> &'static LocalEntryConfig {
    corpus()
        .local_entries()
        .find(|e| e.key == key)
        .unwrap_or_else(|| panic!("local entry {key}"))
}

/// The kinds of `specs`, in order.
fn kinds(specs: &[MediatorSpec]) -> Vec<&str> {
    specs.iter().map(|s| s.kind.as_str()).collect()
}

/// The mediators of an inline sequence.
fn inline(sequence: Option<&SequenceRef>) -> &SequenceConfig {
    match sequence {
        Some(SequenceRef::Inline(s)) => s,
        other => panic!("expected an inline sequence, found {other:?}"),
    }
}

/// The key of a sequence used by key.
fn key(sequence: Option<&SequenceRef>) -> &str {
    match sequence {
        Some(SequenceRef::Key { key, .. }) => key,
        other => panic!("expected a sequence key, found {other:?}"),
    }
}

/// The child `name` of `spec`, which must exist.
fn child<'a>(spec: &'a MediatorSpec, name: &str) -> &'a MediatorSpec {
    spec.child_named(name)
        .unwrap_or_else(|| panic!("`<{}>` has a `<{name}>`", spec.kind))
}

/// The text of the child `name` of `spec`, trimmed.
fn child_text<'a>(spec: &'a MediatorSpec, name: &str) -> &'a str {
    child(spec, name).text.as_deref().unwrap_or_default().trim()
}

/// The `key` of the `<endpoint key>` inside a `<call>` or `<send>`.
fn endpoint_key(mediator: &MediatorSpec) -> &str {
    child(mediator, "endpoint")
        .get("key")
        .unwrap_or_else(|| panic!("`<{}>` names its endpoint by key", mediator.kind))
}

fn resource(api: &ApiConfig, index: usize) -> &ResourceConfig {
    api.resources
        .get(index)
        .unwrap_or_else(|| panic!("{} has a resource {index}", api.name))
}

fn run(env: &Env, seq: &Sequence, msg: &mut MessageContext) -> Flow {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(env.run(seq, msg)).expect("runs")
}

fn string_property(msg: &MessageContext, name: &str) -> Option<String> {
    msg.property(name).map(PropertyValue::as_string)
}

// ---------------------------------------------------------------------------------------------
// The whole corpus
// ---------------------------------------------------------------------------------------------

#[test]
fn corpus_loads_with_zero_diagnostics_and_every_kind() {
    let configuration = corpus();
    assert!(
        configuration.check().is_empty(),
        "{}",
        configuration.check()
    );
    let count = |kind| {
        configuration
            .artifacts
            .iter()
            .filter(|a| a.kind() == kind)
            .count()
    };
    assert_eq!(count(ArtifactKind::Api), 11);
    assert_eq!(count(ArtifactKind::Proxy), 7);
    assert_eq!(count(ArtifactKind::Sequence), 16);
    assert_eq!(count(ArtifactKind::Endpoint), 15);
    assert_eq!(count(ArtifactKind::Template), 5);
    assert_eq!(count(ArtifactKind::LocalEntry), 6);
    assert_eq!(count(ArtifactKind::Unsupported), 0);
    assert_eq!(configuration.artifacts.len(), 60);
}

#[test]
fn artifacts_are_read_in_file_order_and_named_as_their_files() {
    // `load_dir` reads files sorted by path; each corpus file is named after its artifact.
    for artifact in &corpus().artifacts {
        let file = artifact.span().file.as_deref().expect("read from a file");
        assert_eq!(
            file.file_stem().and_then(|s| s.to_str()),
            Some(artifact.name()),
            "{}",
            artifact.span()
        );
        let folder = file
            .parent()
            .and_then(Path::file_name)
            .and_then(|s| s.to_str());
        let expected = match artifact.kind() {
            ArtifactKind::Api => "api",
            ArtifactKind::Proxy => "proxy-services",
            ArtifactKind::Sequence => "sequences",
            ArtifactKind::Endpoint => "endpoints",
            ArtifactKind::Template => "templates",
            ArtifactKind::LocalEntry => "local-entries",
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(folder, Some(expected), "{}", artifact.span());
    }
    let names: Vec<&str> = corpus().apis().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "CatalogAPI",
            "CustomerAPI",
            "EchoAPI",
            "GreetingAPI",
            "HealthcareAPI",
            "InventoryAPI",
            "OrderServiceAPI",
            "PaymentAPI",
            "PizzaShopAPI",
            "ReportAPI",
            "StockQuoteAPI"
        ]
    );
}

/// Every mediator kind written anywhere in the corpus (sequences, templates, API resources,
/// proxy targets), nested ones included.
fn used_mediators() -> BTreeSet<String> {
    fn walk(specs: &[MediatorSpec], out: &mut BTreeSet<String>) {
        for spec in specs {
            out.insert(spec.kind.clone());
            match spec.kind.as_str() {
                "filter" | "switch" => {
                    for branch in &spec.children {
                        walk(&branch.children, out);
                    }
                }
                _ => {}
            }
        }
    }
    fn walk_ref(r: Option<&SequenceRef>, out: &mut BTreeSet<String>) {
        if let Some(SequenceRef::Inline(s)) = r {
            walk(&s.mediators, out);
        }
    }
    let mut out = BTreeSet::new();
    let c = corpus();
    for s in c.sequences() {
        walk(&s.mediators, &mut out);
    }
    for t in c.templates() {
        if let TemplateBody::Sequence(s) = &t.body {
            walk(&s.mediators, &mut out);
        }
    }
    for a in c.apis() {
        for r in &a.resources {
            walk_ref(r.in_sequence.as_ref(), &mut out);
            walk_ref(r.out_sequence.as_ref(), &mut out);
            walk_ref(r.fault_sequence.as_ref(), &mut out);
        }
    }
    for p in c.proxies() {
        walk_ref(p.target.in_sequence.as_ref(), &mut out);
        walk_ref(p.target.out_sequence.as_ref(), &mut out);
        walk_ref(p.target.fault_sequence.as_ref(), &mut out);
    }
    out
}

#[test]
fn every_built_in_mediator_is_used() {
    let used = used_mediators();
    for name in mediate_mediators::builtins::NAMES {
        assert!(used.contains(*name), "no artifact uses `{name}`");
    }
    assert!(used.contains("call") && used.contains("send"));
}

// ---------------------------------------------------------------------------------------------
// APIs
// ---------------------------------------------------------------------------------------------

// MI "Using a Simple REST API": a uri-template GET that builds a SOAP request, and a url-mapping
// POST that places an order one way.
#[test]
fn stock_quote_api() {
    let api = api("StockQuoteAPI");
    assert_eq!(api.context, "/stockquote");
    assert_eq!(api.version, None);
    assert_eq!(api.qualified_name(), "StockQuoteAPI");
    assert_eq!(api.resources.len(), 2);

    let view = resource(api, 0);
    assert_eq!(view.methods, [Method::Get]);
    assert_eq!(
        view.dispatch,
        ResourceDispatch::UriTemplate("/view/{symbol}".into())
    );
    let seq = inline(view.in_sequence.as_ref());
    assert_eq!(
        kinds(&seq.mediators),
        ["payloadFactory", "header", "call", "respond"]
    );
    assert_eq!(
        child(&seq.mediators[0], "format").get("key"),
        Some("StockQuoteRequest")
    );
    assert_eq!(seq.mediators[1].get("value"), Some("urn:getQuote"));
    assert_eq!(endpoint_key(&seq.mediators[2]), "StockQuoteEP");
    assert!(view.out_sequence.is_none() && view.fault_sequence.is_none());

    let order = resource(api, 1);
    assert_eq!(order.methods, [Method::Post]);
    assert_eq!(
        order.dispatch,
        ResourceDispatch::UrlMapping("/order/*".into())
    );
    let seq = inline(order.in_sequence.as_ref());
    assert_eq!(
        kinds(&seq.mediators),
        ["property", "property", "header", "call"]
    );
    assert_eq!(seq.mediators[0].get("name"), Some("FORCE_SC_ACCEPTED"));
    assert_eq!(seq.mediators[0].get("scope"), Some("axis2"));
    assert_eq!(endpoint_key(&seq.mediators[3]), "QuoteServiceEP");
}

// MI "Exposing Several Services as a Single Service" (the hospital tutorial): inline sequences,
// sequences by key, a fault sequence both ways, a template with a literal query.
#[test]
fn healthcare_api() {
    let api = api("HealthcareAPI");
    assert_eq!(api.context, "/healthcare");
    assert_eq!(api.resources.len(), 3);

    let query = resource(api, 0);
    assert_eq!(query.methods, [Method::Get]);
    assert_eq!(
        query.dispatch,
        ResourceDispatch::UriTemplate("/querydoctor/{category}".into())
    );
    let seq = inline(query.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["log", "call", "respond"]);
    assert_eq!(endpoint_key(&seq.mediators[1]), "HospitalServicesEP");
    let fault = inline(query.fault_sequence.as_ref());
    assert_eq!(kinds(&fault.mediators), ["sequence"]);
    assert_eq!(fault.mediators[0].get("key"), Some("HealthcareFaultSeq"));

    let reserve = resource(api, 1);
    assert_eq!(reserve.methods, [Method::Post]);
    assert_eq!(
        reserve.dispatch,
        ResourceDispatch::UriTemplate("/categories/{category}/reserve".into())
    );
    assert_eq!(key(reserve.in_sequence.as_ref()), "HospitalRoutingSeq");
    assert_eq!(key(reserve.fault_sequence.as_ref()), "HealthcareFaultSeq");
    assert!(reserve.out_sequence.is_none());

    let hospitals = resource(api, 2);
    assert_eq!(
        hospitals.dispatch,
        ResourceDispatch::UriTemplate("/hospitals?code={code}".into())
    );
    assert_eq!(key(hospitals.in_sequence.as_ref()), "HospitalLookupSeq");
}

// A context-versioned API: `{version}` in the context.
#[test]
fn order_service_api() {
    let api = api("OrderServiceAPI");
    assert_eq!(api.context, "/orderservice/{version}");
    let version = api.version.as_ref().expect("versioned");
    assert_eq!(version.version, "1.0.0");
    assert_eq!(version.version_type, VersionType::Context);
    assert_eq!(api.effective_context(), "/orderservice/1.0.0");
    assert_eq!(api.qualified_name(), "OrderServiceAPI:v1.0.0");

    let create = resource(api, 0);
    assert_eq!(create.methods, [Method::Post]);
    assert_eq!(
        create.dispatch,
        ResourceDispatch::UriTemplate("/orders".into())
    );
    let seq = inline(create.in_sequence.as_ref());
    assert_eq!(
        kinds(&seq.mediators),
        ["sequence", "sequence", "payloadFactory", "call", "respond"]
    );
    assert_eq!(seq.mediators[0].get("key"), Some("OrderValidationSeq"));
    assert_eq!(seq.mediators[1].get("key"), Some("OrderEnrichSeq"));
    let factory = &seq.mediators[2];
    assert_eq!(factory.get("media-type"), Some("json"));
    assert_eq!(
        child(factory, "format").get("key"),
        Some("OrderConfirmation")
    );
    assert_eq!(child(factory, "args").children.len(), 3);
    assert_eq!(endpoint_key(&seq.mediators[3]), "OrderRecipientListEP");
    let fault = inline(create.fault_sequence.as_ref());
    assert_eq!(kinds(&fault.mediators), ["call-template"]);
    assert_eq!(fault.mediators[0].get("target"), Some("SetErrorResponse"));

    let get = resource(api, 1);
    assert_eq!(get.methods, [Method::Get]);
    assert_eq!(
        get.dispatch,
        ResourceDispatch::UriTemplate("/orders/{orderId}".into())
    );
    let seq = inline(get.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["property", "call", "respond"]);
    assert_eq!(endpoint_key(&seq.mediators[1]), "InventoryFailoverEP");
}

// A URL-versioned API using an endpoint template, by a named template endpoint and inline
// (MI "Using Endpoint Templates").
#[test]
fn catalog_api() {
    let api = api("CatalogAPI");
    assert_eq!(api.context, "/catalog");
    let version = api.version.as_ref().expect("versioned");
    assert_eq!(version.version, "2.0");
    assert_eq!(version.version_type, VersionType::Url);
    assert_eq!(api.effective_context(), "/catalog");
    assert_eq!(api.qualified_name(), "CatalogAPI:v2.0");
    assert_eq!(api.resources.len(), 2);

    let items = resource(api, 0);
    assert_eq!(items.methods, [Method::Get]);
    assert_eq!(
        items.dispatch,
        ResourceDispatch::UriTemplate("/items".into())
    );
    let seq = inline(items.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["call", "respond"]);
    assert_eq!(endpoint_key(&seq.mediators[0]), "CatalogEP");

    let item = resource(api, 1);
    assert_eq!(
        item.dispatch,
        ResourceDispatch::UriTemplate("/featured".into())
    );
    let seq = inline(item.in_sequence.as_ref());
    let ep = child(&seq.mediators[0], "endpoint");
    assert_eq!(ep.get("template"), Some("CatalogEndpointTemplate"));
    assert_eq!(
        ep.get("uri"),
        Some("http://localhost:8290/catalog-backend/featured")
    );
    let params: Vec<(&str, &str)> = ep
        .children_named("parameter")
        .map(|p| {
            (
                p.get("name").unwrap_or_default(),
                p.get("value").unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        params,
        [
            ("codes", "10001,10003"),
            ("retries", "3"),
            ("factor", "2.0")
        ]
    );
}

// MI "Using Sequence Templates" example 1, as an API: a switch calling a sequence template.
#[test]
fn greeting_api() {
    let api = api("GreetingAPI");
    assert_eq!(api.context, "/greeting");
    let hello = resource(api, 0);
    assert_eq!(hello.methods, [Method::Post]);
    assert_eq!(
        hello.dispatch,
        ResourceDispatch::UriTemplate("/hello".into())
    );
    let seq = inline(hello.in_sequence.as_ref());
    assert_eq!(
        kinds(&seq.mediators),
        ["switch", "payloadFactory", "respond"]
    );
    let switch = &seq.mediators[0];
    assert_eq!(switch.get("source"), Some("//lang[1]/text()"));
    assert_eq!(kinds(&switch.children), ["case", "case", "case", "default"]);
    let regexes: Vec<&str> = switch
        .children_named("case")
        .filter_map(|c| c.get("regex"))
        .collect();
    assert_eq!(regexes, ["English", "French", "Japanese"]);
    for branch in &switch.children {
        assert_eq!(kinds(&branch.children), ["call-template"]);
        assert_eq!(branch.children[0].get("target"), Some("Hello_Logger"));
    }
    assert_eq!(seq.mediators[1].get("media-type"), Some("text"));

    let welcome = resource(api, 1);
    assert_eq!(welcome.methods, [Method::Get]);
    let seq = inline(welcome.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["payloadFactory", "respond"]);
}

// In, out and fault sequences written inline on one resource.
#[test]
fn inventory_api() {
    let api = api("InventoryAPI");
    assert_eq!(api.context, "/inventory");
    assert_eq!(api.resources.len(), 1);
    let r = resource(api, 0);
    assert_eq!(r.methods, [Method::Get]);
    assert_eq!(r.dispatch, ResourceDispatch::UriTemplate("/{sku}".into()));
    let seq = inline(r.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["call"]);
    assert_eq!(endpoint_key(&seq.mediators[0]), "InventoryFailoverEP");
    assert_eq!(
        kinds(&inline(r.out_sequence.as_ref()).mediators),
        ["property", "respond"]
    );
    let fault = inline(r.fault_sequence.as_ref());
    assert_eq!(
        kinds(&fault.mediators),
        ["log", "payloadFactory", "property", "respond"]
    );
    assert_eq!(fault.mediators[0].get("level"), Some("full"));
    assert_eq!(fault.mediators[2].get("value"), Some("503"));
}

// MI 4.4 style: variables, `${…}` expressions and the `<message>` log form.
#[test]
fn payment_api() {
    let api = api("PaymentAPI");
    assert_eq!(api.context, "/payments");
    let create = resource(api, 0);
    assert_eq!(create.methods, [Method::Post]);
    assert_eq!(create.dispatch, ResourceDispatch::UriTemplate("/".into()));
    assert_eq!(key(create.in_sequence.as_ref()), "PaymentSeq");
    assert_eq!(key(create.fault_sequence.as_ref()), "HealthcareFaultSeq");

    let get = resource(api, 1);
    assert_eq!(
        get.dispatch,
        ResourceDispatch::UriTemplate("/{paymentId}".into())
    );
    let seq = inline(get.in_sequence.as_ref());
    assert_eq!(
        kinds(&seq.mediators),
        ["variable", "log", "payloadFactory", "respond"]
    );
    assert_eq!(
        seq.mediators[0].get("expression"),
        Some("${params.uriParams.paymentId}")
    );
    assert_eq!(
        child_text(&seq.mediators[1], "message"),
        "looking up payment ${vars.paymentId}"
    );
}

// MI "How to Use an HTTP Endpoint" example 1: `uri.var.*` properties fill the endpoint's template.
#[test]
fn pizza_shop_api() {
    let api = api("PizzaShopAPI");
    assert_eq!(api.context, "/pizzashop");
    let menu = resource(api, 0);
    assert_eq!(menu.methods, [Method::Get]);
    assert_eq!(menu.dispatch, ResourceDispatch::UrlMapping("/menu".into()));
    let seq = inline(menu.in_sequence.as_ref());
    assert_eq!(
        kinds(&seq.mediators),
        [
            "property", "property", "property", "property", "call", "respond"
        ]
    );
    let names: Vec<&str> = seq.mediators[..4]
        .iter()
        .filter_map(|p| p.get("name"))
        .collect();
    assert_eq!(
        names,
        [
            "uri.var.servicepath",
            "uri.var.servicename",
            "uri.var.category",
            "uri.var.pizzaType"
        ]
    );
    assert_eq!(endpoint_key(&seq.mediators[4]), "PizzaMenuEP");

    let orders = resource(api, 1);
    assert_eq!(orders.methods, [Method::Post]);
    assert_eq!(
        orders.dispatch,
        ResourceDispatch::UrlMapping("/orders/*".into())
    );
    assert_eq!(
        kinds(&inline(orders.in_sequence.as_ref()).mediators),
        ["sequence", "drop"]
    );
}

#[test]
fn echo_api() {
    let api = api("EchoAPI");
    assert_eq!(api.context, "/echo");
    let all = resource(api, 0);
    assert_eq!(all.methods, [Method::Get, Method::Post]);
    assert!(all.accepts(Method::Options) && !all.accepts(Method::Put));
    assert_eq!(all.dispatch, ResourceDispatch::UrlMapping("/*".into()));
    assert_eq!(key(all.in_sequence.as_ref()), "EchoSeq");
    assert_eq!(key(all.out_sequence.as_ref()), "QuoteResponseSeq");

    let raw = resource(api, 1);
    assert_eq!(raw.methods, [Method::Put]);
    let seq = inline(raw.in_sequence.as_ref());
    assert_eq!(endpoint_key(&seq.mediators[0]), "EchoDefaultEP");
}

// Host and port binding, several methods on one resource, inline endpoints.
#[test]
fn customer_api() {
    let api = api("CustomerAPI");
    assert_eq!(api.context, "/customers");
    assert_eq!(api.hostname.as_deref(), Some("localhost"));
    assert_eq!(api.port, Some(8290));
    assert_eq!(api.resources.len(), 3);

    let get = resource(api, 0);
    assert_eq!(
        get.dispatch,
        ResourceDispatch::UriTemplate("/{customerId}?fields={fields}".into())
    );
    let seq = inline(get.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["sequence", "call", "respond"]);
    let http = child(child(&seq.mediators[1], "endpoint"), "http");
    assert_eq!(http.get("method"), Some("get"));
    assert_eq!(
        http.get("uri-template"),
        Some("http://localhost:9091/crm/customers/{uri.var.customerId}")
    );

    let change = resource(api, 1);
    assert_eq!(change.methods, [Method::Put, Method::Delete]);
    assert!(change.accepts(Method::Delete) && !change.accepts(Method::Get));
    let seq = inline(change.in_sequence.as_ref());
    assert_eq!(seq.mediators[0].get("name"), Some("REST_URL_POSTFIX"));
    let address = child(child(&seq.mediators[1], "endpoint"), "address");
    assert_eq!(address.get("format"), Some("rest"));

    let create = resource(api, 2);
    assert_eq!(create.methods, [Method::Post]);
    assert_eq!(create.dispatch, ResourceDispatch::UrlMapping("/".into()));
}

// An exact and an extension url-mapping, and a resource limited to HTTPS.
#[test]
fn report_api() {
    let api = api("ReportAPI");
    assert_eq!(api.context, "/reports");
    let version = api.version.as_ref().expect("versioned");
    assert_eq!(
        (version.version.as_str(), version.version_type),
        ("v1", VersionType::Url)
    );

    let daily = resource(api, 0);
    assert_eq!(
        daily.dispatch,
        ResourceDispatch::UrlMapping("/daily".into())
    );
    assert_eq!(daily.protocol, Some(Protocol::Https));
    let seq = inline(daily.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["sequence", "makefault", "respond"]);
    let fault = &seq.mediators[1];
    assert_eq!(fault.get("version"), Some("soap12"));
    assert_eq!(
        child(fault, "code").get("value"),
        Some("soap12Env:Receiver")
    );
    assert_eq!(child_text(fault, "role"), "http://example.com/reports");

    let csv = resource(api, 1);
    assert_eq!(csv.dispatch, ResourceDispatch::UrlMapping("*.csv".into()));
    assert_eq!(csv.protocol, None);
    assert_eq!(key(csv.in_sequence.as_ref()), "DropUnknownSeq");
}

// ---------------------------------------------------------------------------------------------
// Proxy services
// ---------------------------------------------------------------------------------------------

// MI "How to Use a Simple Proxy Service".
#[test]
fn stock_quote_proxy() {
    let p = proxy("StockQuoteProxy");
    assert_eq!(p.transports, ["http", "https"]);
    assert!(p.start_on_load);
    assert!(p.enable_addressing);
    let seq = inline(p.target.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["call", "respond"]);
    let address = child(child(&seq.mediators[0], "endpoint"), "address");
    assert_eq!(
        address.get("uri"),
        Some("http://localhost:9000/services/SimpleStockQuoteService")
    );
    assert!(p.target.endpoint.is_none());
}

// MI "How to Use an Address Endpoint": a filter on the `To` address.
#[test]
fn simple_stock_quote_proxy() {
    let p = proxy("SimpleStockQuoteProxy");
    assert_eq!(p.transports, ["http", "https"]);
    let seq = inline(p.target.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["filter"]);
    let filter = &seq.mediators[0];
    assert_eq!(filter.get("regex"), Some(".*StockQuote.*"));
    assert_eq!(filter.get("source"), Some("get-property('To')"));
    assert_eq!(
        kinds(&child(filter, "then").children),
        ["header", "call", "respond"]
    );
    assert_eq!(kinds(&child(filter, "else").children), ["sequence"]);
    // `<outSequence/>` and `<faultSequence/>` are empty inline sequences.
    assert!(inline(p.target.out_sequence.as_ref()).mediators.is_empty());
    assert!(
        inline(p.target.fault_sequence.as_ref())
            .mediators
            .is_empty()
    );
}

// MI "Using the Load Balance Endpoint": the target endpoint by key, a fault sequence by key
// inside an inline one.
#[test]
fn load_balance_proxy() {
    let p = proxy("LoadBalanceProxy");
    assert!(matches!(
        &p.target.endpoint,
        Some(EndpointRef::Key { key, .. }) if key == "StockQuoteLoadBalanceEP"
    ));
    assert_eq!(
        kinds(&inline(p.target.in_sequence.as_ref()).mediators),
        ["header"]
    );
    assert_eq!(
        kinds(&inline(p.target.out_sequence.as_ref()).mediators),
        ["respond"]
    );
    let fault = inline(p.target.fault_sequence.as_ref());
    assert_eq!(fault.mediators[0].get("key"), Some("ErrorHandlerSeq"));
}

// MI "Routing Messages to a Static List of Recipients": sequences by key, an inline endpoint.
#[test]
fn recipient_list_proxy() {
    let p = proxy("RecipientListProxy");
    assert_eq!(key(p.target.in_sequence.as_ref()), "QuoteRequestSeq");
    assert_eq!(key(p.target.fault_sequence.as_ref()), "ErrorHandlerSeq");
    assert_eq!(
        kinds(&inline(p.target.out_sequence.as_ref()).mediators),
        ["send"]
    );
    let Some(EndpointRef::Inline(ep)) = &p.target.endpoint else {
        panic!("an inline endpoint: {:?}", p.target.endpoint)
    };
    let EndpointKind::RecipientList(list) = &ep.kind else {
        panic!("a recipient list: {:?}", ep.kind)
    };
    let RecipientTargets::Endpoints(children) = &list.targets else {
        panic!("child endpoints: {:?}", list.targets)
    };
    let ports: Vec<&str> = children.iter().map(|c| address(c).uri.as_str()).collect();
    assert_eq!(
        ports,
        [
            "http://localhost:9001/services/SimpleStockQuoteService",
            "http://localhost:9002/services/SimpleStockQuoteService",
            "http://localhost:9003/services/SimpleStockQuoteService"
        ]
    );
}

// MI "Using Sequence Templates" example 1.
#[test]
fn hello_proxy() {
    let p = proxy("HelloProxy");
    let seq = inline(p.target.in_sequence.as_ref());
    assert_eq!(kinds(&seq.mediators), ["switch", "drop"]);
    let default = child(&seq.mediators[0], "default");
    assert_eq!(default.children[0].get("target"), Some("Hello_Logger"));
    assert!(default.children[0].children.is_empty());
}

// Everything by key on the target; a description, a service parameter, disabled on load.
#[test]
fn audit_proxy() {
    let p = proxy("AuditProxy");
    assert_eq!(p.transports, ["https"]);
    assert!(!p.start_on_load);
    assert!(p.statistics);
    assert!(!p.trace);
    assert_eq!(
        p.description.as_deref(),
        Some("Logs every request, then forwards it to the stock quote service")
    );
    assert_eq!(key(p.target.in_sequence.as_ref()), "AuditLogSeq");
    assert_eq!(key(p.target.out_sequence.as_ref()), "QuoteResponseSeq");
    assert!(p.target.fault_sequence.is_none());
    assert!(matches!(
        &p.target.endpoint,
        Some(EndpointRef::Key { key, .. }) if key == "StockQuoteEP"
    ));
    assert_eq!(p.parameters.len(), 1);
    assert_eq!(p.parameters[0].name, "serviceType");
    assert_eq!(p.parameters[0].value.as_str(), "proxy");
}

// Only an endpoint: requests pass straight through.
#[test]
fn pass_through_proxy() {
    let p = proxy("PassThroughProxy");
    assert_eq!(p.transports, ["http"]);
    assert!(p.start_on_load);
    assert!(p.target.in_sequence.is_none());
    assert!(p.target.out_sequence.is_none());
    let Some(EndpointRef::Inline(ep)) = &p.target.endpoint else {
        panic!("an inline endpoint: {:?}", p.target.endpoint)
    };
    assert_eq!(ep.name.as_deref(), Some("PassThroughTarget"));
    assert_eq!(
        address(ep).uri,
        "http://localhost:9000/services/SimpleStockQuoteService"
    );
    let timeout = settings(ep).timeout.as_ref().expect("timeout");
    assert_eq!(timeout.duration, ms(60_000));
    assert_eq!(timeout.response_action, fixed(TimeoutAction::Fault));
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

/// A fixed number of milliseconds, as the endpoint settings hold it.
fn ms(millis: u64) -> Option<Dynamic<Duration>> {
    Some(Dynamic::Value(Duration::from_millis(millis)))
}

fn fixed<T>(value: T) -> Option<Dynamic<T>> {
    Some(Dynamic::Value(value))
}

/// The settings of a leaf endpoint.
fn settings(ep: &EndpointDefinition) -> &EndpointSettings {
    ep.settings()
        .unwrap_or_else(|| panic!("{:?} is a leaf endpoint", ep.name))
}

fn http(ep: &EndpointDefinition) -> &HttpEndpoint {
    match &ep.kind {
        EndpointKind::Http(h) => h,
        other => panic!("{:?} is an http endpoint, not {other:?}", ep.name),
    }
}

fn address(ep: &EndpointDefinition) -> &AddressEndpoint {
    match &ep.kind {
        EndpointKind::Address(a) => a,
        other => panic!("{:?} is an address endpoint, not {other:?}", ep.name),
    }
}

/// The key of an indirect endpoint.
fn indirect(ep: &EndpointDefinition) -> &str {
    match &ep.kind {
        EndpointKind::Indirect { key } => key.as_str(),
        other => panic!("an indirect endpoint, not {other:?}"),
    }
}

#[test]
fn endpoint_kinds() {
    let kinds: Vec<(&str, &str)> = corpus()
        .endpoints()
        .map(|e| {
            let kind = match &e.definition.kind {
                EndpointKind::Address(_) => "address",
                EndpointKind::Http(_) => "http",
                EndpointKind::Default(_) => "default",
                EndpointKind::Loadbalance(_) => "loadbalance",
                EndpointKind::Failover(_) => "failover",
                EndpointKind::RecipientList(_) => "recipientlist",
                EndpointKind::Template(_) => "template",
                EndpointKind::Indirect { .. } => "indirect",
                _ => "other",
            };
            (e.name(), kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("CatalogEP", "template"),
            ("ClemencyEP", "http"),
            ("EchoDefaultEP", "default"),
            ("GrandOakEP", "http"),
            ("HospitalRegistryEP", "template"),
            ("HospitalServicesEP", "http"),
            ("InventoryBackupEP", "address"),
            ("InventoryFailoverEP", "failover"),
            ("OrderRecipientListEP", "recipientlist"),
            ("PaymentGatewayEP", "http"),
            ("PineValleyEP", "http"),
            ("PizzaMenuEP", "http"),
            ("QuoteServiceEP", "indirect"),
            ("StockQuoteEP", "address"),
            ("StockQuoteLoadBalanceEP", "loadbalance"),
        ]
    );
}

// An address endpoint with every error-handling setting (MI "Endpoint Error Handling").
#[test]
fn stock_quote_endpoint() {
    let ep = &endpoint("StockQuoteEP").definition;
    assert_eq!(
        address(ep).uri,
        "http://localhost:9000/services/SimpleStockQuoteService"
    );
    let s = settings(ep);
    assert_eq!(s.format, Some(MessageFormat::Soap11));
    assert_eq!(s.statistics, Some(true));
    assert_eq!(s.trace, Some(false));
    let timeout = s.timeout.as_ref().expect("timeout");
    assert_eq!(timeout.duration, ms(30_000));
    assert_eq!(timeout.response_action, fixed(TimeoutAction::Fault));
    let mark = s.mark_for_suspension.as_ref().expect("markForSuspension");
    assert_eq!(mark.error_codes, fixed(vec![101_504, 101_505]));
    assert_eq!(mark.retries_before_suspension, fixed(3));
    assert_eq!(mark.retry_delay, ms(1000));
    let suspend = s.suspend_on_failure.as_ref().expect("suspendOnFailure");
    assert_eq!(suspend.error_codes, fixed(vec![101_500, 101_501, 101_503]));
    assert_eq!(suspend.initial_duration, ms(1000));
    assert_eq!(suspend.progression_factor, fixed(2.0));
    assert_eq!(suspend.maximum_duration, ms(64_000));
    assert!(ep.properties.is_empty());
}

// HTTP endpoints: uri-template and method (MI "How to Use an HTTP Endpoint", hospital tutorial).
#[test]
fn http_endpoints() {
    let services = &endpoint("HospitalServicesEP").definition;
    let h = http(services);
    assert_eq!(h.method, Some(HttpMethod::Get));
    assert_eq!(
        h.uri_template,
        "http://localhost:9090/healthcare/{uri.var.category}"
    );
    assert!(!h.legacy_encoding);
    // Zero suspension durations, fault on timeout.
    let s = settings(services);
    let timeout = s.timeout.as_ref().expect("timeout");
    assert_eq!(timeout.duration, ms(30_000));
    assert_eq!(timeout.response_action, fixed(TimeoutAction::Fault));
    let suspend = s.suspend_on_failure.as_ref().expect("suspendOnFailure");
    assert_eq!(suspend.error_codes, None);
    assert_eq!(suspend.initial_duration, ms(0));
    assert_eq!(suspend.progression_factor, fixed(1.0));
    assert_eq!(suspend.maximum_duration, ms(0));
    let mark = s.mark_for_suspension.as_ref().expect("markForSuspension");
    assert_eq!(mark.error_codes, None);
    assert_eq!(mark.retries_before_suspension, fixed(0));

    for (name, path) in [
        ("GrandOakEP", "grandoaks"),
        ("ClemencyEP", "clemency"),
        ("PineValleyEP", "pinevalley"),
    ] {
        let ep = &endpoint(name).definition;
        let h = http(ep);
        assert_eq!(h.method, Some(HttpMethod::Post), "{name}");
        assert_eq!(
            h.uri_template,
            format!("http://localhost:9090/{path}/categories/{{uri.var.category}}/reserve"),
        );
        assert_eq!(h.settings, EndpointSettings::default(), "{name}");
    }

    let pizza = http(&endpoint("PizzaMenuEP").definition);
    assert_eq!(pizza.method, Some(HttpMethod::Get));
    assert_eq!(
        pizza.uri_template,
        "http://localhost:8080/{uri.var.servicepath}/restapi/{uri.var.servicename}/menu?category={uri.var.category}&type={uri.var.pizzaType}"
    );

    let payment = &endpoint("PaymentGatewayEP").definition;
    let h = http(payment);
    assert_eq!(h.method, Some(HttpMethod::Post));
    assert_eq!(h.uri_template, "https://payments.example.com/v2/charges");
    let s = settings(payment);
    assert_eq!(
        s.timeout.as_ref().and_then(|t| t.duration.clone()),
        ms(15_000)
    );
    let mark = s.mark_for_suspension.as_ref().expect("markForSuspension");
    assert_eq!(mark.error_codes, fixed(vec![101_504]));
    assert_eq!(mark.retries_before_suspension, fixed(2));
    assert_eq!(mark.retry_delay, ms(500));
    let suspend = s.suspend_on_failure.as_ref().expect("suspendOnFailure");
    assert_eq!(suspend.error_codes, fixed(vec![101_503, 101_505]));
    assert_eq!(suspend.initial_duration, ms(2000));
    assert_eq!(suspend.progression_factor, fixed(3.0));
    assert_eq!(suspend.maximum_duration, ms(120_000));
    assert_eq!(payment.properties.len(), 1);
    let property = &payment.properties[0];
    assert_eq!(property.name, "Content-Type");
    assert_eq!(property.value.as_value(), Some("application/json"));
    assert_eq!(property.scope, Some(PropertyScope::Transport));
}

#[test]
fn default_endpoint() {
    let ep = &endpoint("EchoDefaultEP").definition;
    assert!(matches!(ep.kind, EndpointKind::Default(_)));
    let s = settings(ep);
    assert_eq!(s.format, Some(MessageFormat::Pox));
    let timeout = s.timeout.as_ref().expect("timeout");
    assert_eq!(timeout.duration, ms(5000));
    assert_eq!(timeout.response_action, fixed(TimeoutAction::Discard));
}

// Session-affine round robin over three nodes (MI "Using the Load Balance Endpoint").
#[test]
fn load_balance_endpoint() {
    let ep = &endpoint("StockQuoteLoadBalanceEP").definition;
    let EndpointKind::Loadbalance(lb) = &ep.kind else {
        panic!("a load-balance endpoint: {:?}", ep.kind)
    };
    assert_eq!(lb.algorithm, Some(LoadbalanceAlgorithm::RoundRobin));
    assert!(!lb.policy_round_robin);
    assert_eq!(lb.failover, None);
    let session = lb.session.as_ref().expect("a session");
    assert_eq!(session.session_type, SessionType::SimpleClientSession);
    assert_eq!(session.timeout, None);
    let GroupTargets::Endpoints(nodes) = &lb.targets else {
        panic!("child endpoints: {:?}", lb.targets)
    };
    let nodes: Vec<(Option<&str>, &str, bool)> = nodes
        .iter()
        .map(|n| {
            (
                n.name.as_deref(),
                address(n).uri.as_str(),
                settings(n).addressing.is_some(),
            )
        })
        .collect();
    assert_eq!(
        nodes,
        [
            (
                Some("QuoteNode1"),
                "http://localhost:9001/services/SimpleStockQuoteService",
                true
            ),
            (
                Some("QuoteNode2"),
                "http://localhost:9002/services/SimpleStockQuoteService",
                true
            ),
            (
                Some("QuoteNode3"),
                "http://localhost:9003/services/SimpleStockQuoteService",
                true
            ),
        ]
    );
}

// Dynamic failover over two HTTP endpoints and an indirect one (MI "Using Failover Endpoints").
#[test]
fn failover_endpoint() {
    let ep = &endpoint("InventoryFailoverEP").definition;
    let EndpointKind::Failover(failover) = &ep.kind else {
        panic!("a failover endpoint: {:?}", ep.kind)
    };
    assert_eq!(failover.dynamic, Some(true));
    assert_eq!(failover.build_message, None);
    let [primary, secondary, backup] = &failover.endpoints[..] else {
        panic!("three children: {:?}", failover.endpoints)
    };
    assert_eq!(primary.name.as_deref(), Some("InventoryPrimary"));
    assert_eq!(
        http(primary).uri_template,
        "http://localhost:8080/inventory/{uri.var.sku}"
    );
    assert_eq!(http(primary).method, None);
    let suspend = settings(primary)
        .suspend_on_failure
        .as_ref()
        .expect("suspendOnFailure");
    assert_eq!(
        suspend.error_codes,
        fixed(vec![101_503, 101_504, 101_505, 101_507])
    );
    assert_eq!(suspend.initial_duration, ms(100));
    assert_eq!(suspend.progression_factor, fixed(1.0));
    assert_eq!(suspend.maximum_duration, ms(30_000));
    assert_eq!(secondary.name.as_deref(), Some("InventorySecondary"));
    let retry = settings(secondary)
        .retry_config
        .as_ref()
        .expect("retryConfig");
    assert_eq!(retry.disabled_error_codes, Some(vec![101_507, 101_503]));
    assert_eq!(retry.enabled_error_codes, None);
    assert_eq!(indirect(backup), "InventoryBackupEP");

    let backup = &endpoint("InventoryBackupEP").definition;
    assert_eq!(
        address(backup).uri,
        "http://backup.inventory.example.com:8080/inventory"
    );
    assert_eq!(settings(backup).format, Some(MessageFormat::Rest));
    assert_eq!(
        settings(backup)
            .timeout
            .as_ref()
            .and_then(|t| t.duration.clone()),
        ms(20_000)
    );
    let property = &backup.properties[0];
    assert_eq!(
        (
            property.name.as_str(),
            property.value.as_value(),
            property.scope
        ),
        ("X-Backend", Some("backup"), Some(PropertyScope::Transport))
    );
}

#[test]
fn recipient_list_endpoint() {
    let ep = &endpoint("OrderRecipientListEP").definition;
    let EndpointKind::RecipientList(list) = &ep.kind else {
        panic!("a recipient list: {:?}", ep.kind)
    };
    let RecipientTargets::Endpoints(children) = &list.targets else {
        panic!("child endpoints: {:?}", list.targets)
    };
    assert_eq!(children.len(), 3);
    assert_eq!(
        address(&children[0]).uri,
        "http://localhost:9001/services/SimpleStockQuoteService"
    );
    assert_eq!(
        address(&children[1]).uri,
        "http://localhost:9002/services/SimpleStockQuoteService"
    );
    assert_eq!(indirect(&children[2]), "StockQuoteEP");
}

// A template endpoint and an indirect one.
#[test]
fn template_and_indirect_endpoints() {
    let catalog = &endpoint("CatalogEP").definition;
    let EndpointKind::Template(t) = &catalog.kind else {
        panic!("a template endpoint: {:?}", catalog.kind)
    };
    assert_eq!(t.template.as_str(), "CatalogEndpointTemplate");
    assert_eq!(
        t.uri.as_deref(),
        Some("http://localhost:8290/catalog-backend/items")
    );
    let params: Vec<(&str, &str)> = t
        .parameters
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        params,
        [
            ("codes", "10001,10002"),
            ("retries", "2"),
            ("factor", "1.0")
        ]
    );

    let registry = &endpoint("HospitalRegistryEP").definition;
    let EndpointKind::Template(t) = &registry.kind else {
        panic!("a template endpoint: {:?}", registry.kind)
    };
    assert_eq!(t.template.as_str(), "HospitalEndpointTemplate");
    assert_eq!(
        t.uri.as_deref(),
        Some("http://localhost:9090/healthcare/hospitals")
    );
    assert_eq!(t.parameters, [("timeout".to_owned(), "20000".to_owned())]);

    let quote = &endpoint("QuoteServiceEP").definition;
    assert_eq!(indirect(quote), "StockQuoteEP");
    assert!(quote.settings().is_none());
}

// ---------------------------------------------------------------------------------------------
// Sequences
// ---------------------------------------------------------------------------------------------

#[test]
fn sequence_mediators_in_order() {
    let expected: &[(&str, &[&str])] = &[
        ("AuditLogSeq", &["log", "log", "log", "log", "log"]),
        ("DropUnknownSeq", &["log", "drop"]),
        ("EchoSeq", &["property", "loopback"]),
        (
            "ErrorHandlerSeq",
            &["makefault", "header", "property", "send"],
        ),
        ("HealthcareFaultSeq", &["log", "call-template"]),
        ("HospitalFilterSeq", &["payloadFactory"]),
        ("HospitalLookupSeq", &["enrich", "filter", "respond"]),
        (
            "HospitalRoutingSeq",
            &["property", "log", "switch", "respond"],
        ),
        (
            "OrderEnrichSeq",
            &[
                "property", "property", "enrich", "enrich", "enrich", "enrich",
            ],
        ),
        ("OrderValidationSeq", &["filter", "filter"]),
        (
            "PaymentSeq",
            &[
                "variable",
                "variable",
                "filter",
                "payloadFactory",
                "call",
                "variable",
                "respond",
            ],
        ),
        (
            "PropertyShowcaseSeq",
            &[
                "property", "property", "property", "property", "property", "property", "property",
                "property", "property", "property", "property",
            ],
        ),
        ("QuoteRequestSeq", &["payloadFactory", "header", "sequence"]),
        ("QuoteResponseSeq", &["log", "send"]),
        (
            "SecurityHeadersSeq",
            &["header", "header", "header", "header", "header"],
        ),
        ("StockQuoteSendSeq", &["sequence", "send"]),
    ];
    let actual: Vec<(&str, Vec<&str>)> = corpus()
        .sequences()
        .map(|s| (s.name.as_deref().unwrap_or_default(), kinds(&s.mediators)))
        .collect();
    let expected: Vec<(&str, Vec<&str>)> = expected.iter().map(|(n, k)| (*n, k.to_vec())).collect();
    assert_eq!(actual, expected);
}

#[test]
fn sequence_attributes() {
    let routing = sequence("HospitalRoutingSeq");
    assert_eq!(routing.on_error.as_deref(), Some("HealthcareFaultSeq"));
    let switch = &routing.mediators[2];
    assert_eq!(switch.get("source"), Some("get-property('Hospital')"));
    let cases: Vec<(&str, &str)> = switch
        .children_named("case")
        .map(|c| {
            (
                c.get("regex").unwrap_or_default(),
                endpoint_key(&c.children[0]),
            )
        })
        .collect();
    assert_eq!(
        cases,
        [
            ("grandoaks", "GrandOakEP"),
            ("clemency", "ClemencyEP"),
            ("pinevalley", "PineValleyEP")
        ]
    );
    assert_eq!(
        kinds(&child(switch, "default").children),
        ["log", "call-template"]
    );

    let audit = sequence("AuditLogSeq");
    assert_eq!(audit.trace.as_deref(), Some("disable"));
    assert_eq!(audit.statistics.as_deref(), Some("enable"));
    assert_eq!(
        audit.description.as_deref(),
        Some("Logs a message at every level")
    );
    let levels: Vec<Option<&str>> = audit.mediators.iter().map(|m| m.get("level")).collect();
    assert_eq!(
        levels,
        [None, Some("headers"), Some("full"), Some("custom"), None]
    );
    assert_eq!(audit.mediators[3].get("separator"), Some(" | "));
    assert_eq!(
        child_text(&audit.mediators[4], "message"),
        "Request ${properties.synapse.orderId} received"
    );

    let error = sequence("ErrorHandlerSeq");
    let fault = &error.mediators[0];
    assert_eq!(fault.get("version"), Some("soap11"));
    assert_eq!(
        child(fault, "code").get("value"),
        Some("soap11Env:VersionMismatch")
    );
    assert_eq!(error.mediators[1].get("action"), Some("remove"));

    let send = &sequence("StockQuoteSendSeq").mediators[1];
    assert_eq!(send.get("receive"), Some("QuoteResponseSeq"));
    assert_eq!(endpoint_key(send), "QuoteServiceEP");

    let payment = sequence("PaymentSeq");
    assert_eq!(
        payment.mediators[2].get("xpath"),
        Some("${vars.amount > 1000}")
    );
    assert_eq!(
        payment.mediators[3].get("template-type"),
        Some("freemarker")
    );
    assert_eq!(payment.mediators[5].get("action"), Some("remove"));

    let lookup = sequence("HospitalLookupSeq");
    let enrich = &lookup.mediators[0];
    assert_eq!(
        child(enrich, "source").get("key"),
        Some("HospitalDirectory")
    );
    assert_eq!(child(enrich, "target").get("type"), Some("body"));
    assert_eq!(
        child(&lookup.mediators[1], "then").get("sequence"),
        Some("HospitalFilterSeq")
    );
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

fn parameters(t: &TemplateConfig) -> Vec<(&str, bool, Option<&str>)> {
    t.parameters
        .iter()
        .map(|p| (p.name.as_str(), p.mandatory, p.default.as_deref()))
        .collect()
}

#[test]
fn sequence_templates() {
    let hello = template("Hello_Logger");
    assert_eq!(parameters(hello), [("message", false, None)]);
    let TemplateBody::Sequence(body) = &hello.body else {
        panic!("a sequence template")
    };
    assert_eq!(kinds(&body.mediators), ["log"]);
    assert_eq!(
        child(&body.mediators[0], "property").get("expression"),
        Some("$func:message")
    );

    let error = template("SetErrorResponse");
    assert_eq!(error.on_error.as_deref(), Some("ErrorHandlerSeq"));
    assert_eq!(
        parameters(error),
        [
            ("code", true, None),
            ("message", false, Some("Internal server error"))
        ]
    );
    let TemplateBody::Sequence(body) = &error.body else {
        panic!("a sequence template")
    };
    assert_eq!(
        kinds(&body.mediators),
        ["property", "payloadFactory", "respond"]
    );

    let audit = template("AuditTemplate");
    assert_eq!(
        parameters(audit),
        [("event", true, None), ("severity", false, Some("INFO"))]
    );
    let TemplateBody::Sequence(body) = &audit.body else {
        panic!("a sequence template")
    };
    assert_eq!(kinds(&body.mediators), ["variable", "log"]);
}

#[test]
fn endpoint_templates() {
    let catalog = template("CatalogEndpointTemplate");
    assert_eq!(
        parameters(catalog),
        [
            ("name", false, None),
            ("uri", false, None),
            ("codes", false, None),
            ("factor", false, None),
            ("retries", false, None)
        ]
    );
    let TemplateBody::Endpoint(ep) = &catalog.body else {
        panic!("an endpoint template")
    };
    assert_eq!(ep.get("name"), Some("$name"));
    let address = child(ep, "address");
    assert_eq!(address.get("uri"), Some("$uri"));
    assert_eq!(
        child_text(child(address, "suspendOnFailure"), "errorCodes"),
        "$codes"
    );
    assert_eq!(
        child_text(
            child(address, "markForSuspension"),
            "retriesBeforeSuspension"
        ),
        "$retries"
    );

    let hospital = template("HospitalEndpointTemplate");
    assert_eq!(
        parameters(hospital),
        [
            ("name", false, None),
            ("uri", false, None),
            ("timeout", false, Some("10000"))
        ]
    );
    let TemplateBody::Endpoint(ep) = &hospital.body else {
        panic!("an endpoint template")
    };
    let http = child(ep, "http");
    assert_eq!(http.get("method"), Some("post"));
    assert_eq!(http.get("uri-template"), Some("$uri"));
    assert_eq!(child_text(child(http, "timeout"), "duration"), "$timeout");
}

// ---------------------------------------------------------------------------------------------
// Local entries
// ---------------------------------------------------------------------------------------------

#[test]
fn local_entries() {
    assert_eq!(
        local_entry("ServiceVersion").value,
        LocalEntryValue::Text("1.4.2".into())
    );
    assert_eq!(
        local_entry("WelcomeMessage").value,
        LocalEntryValue::Text("Welcome to the hospital channelling service".into())
    );
    assert_eq!(
        local_entry("AppointmentNotice").value,
        LocalEntryValue::Text("Dear $1, your appointment with $2 is confirmed for $3.".into())
    );
    let confirmation = local_entry("OrderConfirmation");
    assert_eq!(
        confirmation.value,
        LocalEntryValue::Text(r#"{"orderId": "$1", "status": "$2", "items": $3}"#.into())
    );
    assert_eq!(
        confirmation.description.as_deref(),
        Some("JSON body of an accepted order")
    );
    let LocalEntryValue::Xml(request) = &local_entry("StockQuoteRequest").value else {
        panic!("an XML entry")
    };
    assert!(
        request.starts_with(r#"<m0:getQuote xmlns:m0="http://services.samples">"#),
        "{request}"
    );
    assert!(request.contains("<m0:symbol>$1</m0:symbol>"), "{request}");
    let LocalEntryValue::Xml(directory) = &local_entry("HospitalDirectory").value else {
        panic!("an XML entry")
    };
    // The element as written, with the empty default namespace it declares kept.
    assert!(
        directory.starts_with(r#"<hospitals xmlns="">"#),
        "{directory}"
    );
    assert_eq!(directory.matches("<hospital code=").count(), 3);
}

// ---------------------------------------------------------------------------------------------
// Deployed and run
// ---------------------------------------------------------------------------------------------

fn env() -> Env {
    match corpus().deploy(&registry()) {
        Ok(deployment) => deployment.env(),
        Err(d) => panic!("the corpus deploys:\n{d}"),
    }
}

fn deployed(env: &Env, name: &str) -> std::sync::Arc<Sequence> {
    env.get_sequence(name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} is deployed"))
}

// The JSON order path of OrderServiceAPI: validation (filter on json-eval, variable from
// `${…}`), then the enrichments (body to a property, a property and inline JSON into the order,
// a custom source moved out with clone="false").
#[test]
fn order_sequences_run_on_a_json_order() {
    let env = env();
    let mut msg = MessageContext::from_json(
        r#"{"order": {"id": "A-7", "quantity": 2, "items": ["pen"], "internalNotes": "gift"}}"#,
    );
    assert_eq!(
        run(&env, &deployed(&env, "OrderValidationSeq"), &mut msg),
        Flow::Continue
    );
    assert_eq!(string_property(&msg, "orderId").as_deref(), Some("A-7"));
    assert_eq!(msg.variable("quantity"), Some(&VariableValue::Integer(2)));
    assert_eq!(msg.property("lane"), None);

    assert_eq!(
        run(&env, &deployed(&env, "OrderEnrichSeq"), &mut msg),
        Flow::Continue
    );
    let original = string_property(&msg, "ORIGINAL_ORDER").expect("body copied to a property");
    assert!(original.contains("internalNotes"), "{original}");
    // A JSON source stored in a property is the JSON value (MI stores the Gson element).
    assert!(
        matches!(msg.property("notes"), Some(PropertyValue::Json(v)) if v == "gift"),
        "{:?}",
        msg.property("notes")
    );
    let body = msg.json().expect("JSON");
    let order = &body["order"];
    assert_eq!(order["channel"], "web");
    assert!(order.get("internalNotes").is_none(), "{body}");
    assert_eq!(order["audited"], true);
    assert_eq!(order["source"], "order-service");
    let date = string_property(&msg, "receivedAt").expect("a date");
    assert_eq!(date.len(), "yyyy-MM-dd".len(), "{date}");
}

// A zero quantity takes the else branch: a POX fault sent back as the response, status 400.
#[test]
fn order_validation_rejects_a_zero_quantity() {
    let env = env();
    let mut msg = MessageContext::from_json(r#"{"order": {"id": "A-8", "quantity": 0}}"#);
    let flow = run(&env, &deployed(&env, "OrderValidationSeq"), &mut msg);
    assert_eq!(flow, Flow::Stop);
    assert!(msg.is_response());
    // A POX fault is `<Exception>` holding the detail when there is one, else the reason.
    assert_eq!(
        msg.payload_as_text().expect("utf-8"),
        "<Exception>quantity</Exception>"
    );
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "HTTP_SC")
            .map(|v| v.as_string())
            .as_deref(),
        Some("400")
    );
}

// payloadFactory with its format in a local entry, then the headers of a keyed sequence.
#[test]
fn quote_request_sequence_builds_the_soap_request() {
    let env = env();
    let mut msg = MessageContext::from_json(r#"{"symbol": "WSO2"}"#);
    assert_eq!(
        run(&env, &deployed(&env, "QuoteRequestSeq"), &mut msg),
        Flow::Continue
    );
    let text = msg.payload_as_text().expect("utf-8");
    assert!(
        text.contains(r#"<m0:getQuote xmlns:m0="http://services.samples">"#),
        "{text}"
    );
    assert!(text.contains("<m0:symbol>WSO2</m0:symbol>"), "{text}");
    assert_eq!(msg.action(), Some("urn:getQuote"));
    assert_eq!(
        msg.transport_header("X-Service-Version").as_deref(),
        Some("1.4.2")
    );
    assert_eq!(
        msg.transport_header("X-Correlation-ID").as_deref(),
        Some(msg.message_id())
    );
    assert_eq!(msg.transport_header("Authorization"), None);
}

// A fault sequence calling a sequence template with a literal and an XPath parameter: the
// template sets the status and builds a JSON error, its default used for nothing passed.
#[test]
fn fault_sequence_calls_the_error_template() {
    let env = env();
    let mut msg = MessageContext::from_json(r#"{"hospital_id": "nowhere"}"#);
    msg.set_property("ERROR_MESSAGE", "backend unreachable");
    let flow = run(&env, &deployed(&env, "HealthcareFaultSeq"), &mut msg);
    assert_eq!(flow, Flow::Stop);
    assert!(msg.is_response());
    let body = msg.json().expect("JSON");
    assert_eq!(body["error"]["code"], 500);
    assert_eq!(body["error"]["message"], "backend unreachable");
    assert_eq!(
        msg.scoped_property(Scope::Axis2, "HTTP_SC")
            .map(|v| v.as_string())
            .as_deref(),
        Some("500")
    );
}

/// Builds the inline in-sequence of `api`'s resource `index`.
fn resource_sequence(api: &ApiConfig, index: usize) -> Sequence {
    inline(resource(api, index).in_sequence.as_ref())
        .build(&registry())
        .unwrap_or_else(|e| panic!("{} resource {index} builds: {e}", api.name))
}

// GreetingAPI's POST /hello in-sequence on the docs' payload: the switch picks the French case,
// whose call-template runs the deployed Hello_Logger; a text payloadFactory answers.
#[test]
fn greeting_resource_calls_the_template_and_answers_in_text() {
    let env = env();
    let seq = resource_sequence(api("GreetingAPI"), 0);
    let mut msg = MessageContext::from_xml("<body><lang>French</lang><lang>English</lang></body>");
    assert_eq!(run(&env, &seq, &mut msg), Flow::Stop);
    assert!(msg.is_response());
    assert_eq!(msg.payload_as_text().expect("utf-8"), "greeted in French");
}

// GreetingAPI's GET /welcome: `get-property('KEY')` falls back to the local entry KEY when no
// property has that name (Synapse's GetPropertyFunction: `synCtx.getEntry(key)`).
#[test]
#[ignore = "mediate-expr: get-property('KEY') does not fall back to the local entry KEY yet"]
fn welcome_resource_reads_local_entries() {
    let env = env();
    let seq = resource_sequence(api("GreetingAPI"), 1);
    let mut msg = MessageContext::from_json("{}");
    assert_eq!(run(&env, &seq, &mut msg), Flow::Stop);
    let body = msg.json().expect("JSON");
    assert_eq!(
        body["message"],
        "Welcome to the hospital channelling service"
    );
    assert_eq!(body["version"], "1.4.2");
}

// Typed properties in every scope, a pattern with a group, a removal.
#[test]
fn property_showcase_sequence() {
    let env = env();
    let mut msg = MessageContext::from_json(r#"{"a": 1}"#);
    msg.set_transport_header("X-Phone", "(555) 010-0199")
        .expect("a valid header");
    assert_eq!(
        run(&env, &deployed(&env, "PropertyShowcaseSeq"), &mut msg),
        Flow::Continue
    );
    assert_eq!(msg.property("retries"), None);
    assert_eq!(msg.property("enabled"), Some(&PropertyValue::Boolean(true)));
    assert_eq!(msg.property("rate"), Some(&PropertyValue::Double(1.5)));
    assert_eq!(
        msg.property("big"),
        Some(&PropertyValue::Long(9_007_199_254_740_993))
    );
    assert!(matches!(msg.property("limits"), Some(PropertyValue::Json(v)) if v["max"] == 10));
    assert!(matches!(
        msg.property("customer"),
        Some(PropertyValue::Om(_))
    ));
    assert_eq!(string_property(&msg, "areaCode").as_deref(), Some("555"));
    assert_eq!(
        msg.transport_header("X-Request-Source").as_deref(),
        Some("mediate")
    );
    assert_eq!(
        msg.scoped_property(Scope::Operation, "attempt")
            .map(|v| v.as_string())
            .as_deref(),
        Some("1")
    );
    assert_eq!(msg.message_type(), "application/json");
}

// ---------------------------------------------------------------------------------------------
// The example project
// ---------------------------------------------------------------------------------------------

#[test]
fn mi_project_example_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mi-project");
    let registry = registry();
    let configuration = match load_dir(&dir, &registry) {
        Ok(c) => c,
        Err(d) => panic!("examples/mi-project loads without diagnostics:\n{d}"),
    };
    let names: Vec<(ArtifactKind, &str)> = configuration
        .artifacts
        .iter()
        .map(|a| (a.kind(), a.name()))
        .collect();
    assert_eq!(
        names,
        [
            (ArtifactKind::Api, "OrderAPI"),
            (ArtifactKind::Api, "WarehouseAPI"),
            (ArtifactKind::Endpoint, "OrderBackendEP"),
            (ArtifactKind::LocalEntry, "OrderStatusTemplate"),
            (ArtifactKind::Sequence, "OrderFaultSeq"),
        ]
    );
    let api = configuration.apis().next().expect("OrderAPI");
    assert_eq!(api.context, "/orders");
    let methods: Vec<&[Method]> = api.resources.iter().map(|r| &r.methods[..]).collect();
    assert_eq!(methods, [&[Method::Post][..], &[Method::Get][..]]);
    let post = inline(api.resources[0].in_sequence.as_ref());
    assert_eq!(kinds(&post.mediators), ["log", "filter"]);
    assert_eq!(
        key(api.resources[0].fault_sequence.as_ref()),
        "OrderFaultSeq"
    );
    assert!(configuration.deploy(&registry).is_ok());
}
