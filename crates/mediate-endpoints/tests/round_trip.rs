//! Property test: any definition, written with `to_spec` and read back with `from_spec`, is
//! the same definition (and writes the same spec again).

use std::collections::BTreeMap;
use std::time::Duration;

use mediate_core::Namespaces;
use mediate_endpoints::{
    AddressEndpoint, Addressing, AddressingVersion, Authentication, DefaultEndpoint, Dynamic,
    EndpointDefinition, EndpointKind, EndpointProperty, EndpointPropertyValue, EndpointSettings,
    FailoverEndpoint, GroupTargets, HttpEndpoint, HttpMethod, KeyRef, LoadbalanceAlgorithm,
    LoadbalanceEndpoint, MarkForSuspension, Member, MessageFormat, OAuth, OAuthGrant, Optimize,
    PropertyScope, RecipientListEndpoint, RecipientTargets, ReliableMessaging, RetryConfig,
    Security, Session, SessionType, SuspendOnFailure, TemplateEndpoint, Timeout, TimeoutAction,
};
use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_.-]{0,8}"
}

fn uri() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[a-z]{1,8}", 1u16..65535, "[a-z0-9/]{0,12}")
            .prop_map(|(h, p, path)| format!("http://{h}:{p}/{path}")),
        "[a-z]{1,8}".prop_map(|q| format!("jms:/{q}?transport.jms.DestinationType=queue")),
        Just("https://${host}/orders".to_owned()),
        Just("$SYSTEM:BACKEND".to_owned()),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "$ctx:timeout",
        "get-property('codes')",
        "//order/@id",
        "json-eval($.a)",
    ])
    .prop_map(str::to_owned)
}

fn dynamic<T: std::fmt::Debug + Clone + 'static>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = Dynamic<T>> {
    prop_oneof![
        3 => value.prop_map(Dynamic::Value),
        1 => expression().prop_map(Dynamic::Expression),
    ]
}

fn long_ms() -> impl Strategy<Value = Duration> {
    (0u64..=i64::MAX as u64).prop_map(Duration::from_millis)
}

fn int_ms() -> impl Strategy<Value = Duration> {
    (0u64..=i32::MAX as u64).prop_map(Duration::from_millis)
}

fn codes() -> impl Strategy<Value = Vec<i32>> {
    vec(prop_oneof![Just(-1i32), 0i32..=i32::MAX], 0..4)
}

fn key() -> impl Strategy<Value = KeyRef> {
    name().prop_map(KeyRef::new)
}

fn settings() -> BoxedStrategy<EndpointSettings> {
    let attrs = (
        of(prop::sample::select(vec![
            MessageFormat::Soap11,
            MessageFormat::Soap12,
            MessageFormat::Pox,
            MessageFormat::Get,
            MessageFormat::Rest,
        ])),
        of(prop::sample::select(vec![Optimize::Mtom, Optimize::Swa])),
        of(prop::sample::select(vec![
            "UTF-8".to_owned(),
            "ISO-8859-1".to_owned(),
        ])),
        of(any::<bool>()),
        of(any::<bool>()),
    );
    let qos = (
        of((
            of(prop::sample::select(vec![
                AddressingVersion::Final,
                AddressingVersion::Submission,
            ])),
            of(any::<bool>()),
        )
            .prop_map(|(version, separate_listener)| Addressing {
                version,
                separate_listener,
            })),
        of(prop_oneof![
            key().prop_map(|k| Security {
                policy: Some(k),
                ..Security::default()
            }),
            (of(key()), of(key())).prop_map(|(i, o)| Security {
                policy: None,
                inbound_policy: i,
                outbound_policy: o,
            }),
        ]),
        of(of(key()).prop_map(|policy| ReliableMessaging { policy })),
        of((
            of(dynamic(long_ms())),
            of(dynamic(prop::sample::select(vec![
                TimeoutAction::Never,
                TimeoutAction::Discard,
                TimeoutAction::Fault,
            ]))),
        )
            .prop_map(|(duration, response_action)| Timeout {
                duration,
                response_action,
            })),
    );
    let suspension = (
        of((
            of(dynamic(codes())),
            of(dynamic(0u32..=i32::MAX as u32)),
            of(dynamic(int_ms())),
        )
            .prop_map(|(error_codes, retries_before_suspension, retry_delay)| {
                MarkForSuspension {
                    error_codes,
                    retries_before_suspension,
                    retry_delay,
                }
            })),
        of((
            of(dynamic(codes())),
            of(dynamic(int_ms())),
            of(dynamic(prop_oneof![
                (0u32..4000).prop_map(|n| n as f32 / 8.0),
                // Any finite factor ≥ 0 survives `f32::to_string` and Java-float reading.
                (prop::num::f32::POSITIVE | prop::num::f32::ZERO)
                    .prop_filter("finite", |f| f.is_finite()),
            ])),
            of(dynamic(long_ms())),
        )
            .prop_map(
                |(error_codes, initial_duration, progression_factor, maximum_duration)| {
                    SuspendOnFailure {
                        error_codes,
                        initial_duration,
                        progression_factor,
                        maximum_duration,
                    }
                },
            )),
        of((of(codes()), of(codes())).prop_map(|(d, e)| RetryConfig {
            disabled_error_codes: d,
            enabled_error_codes: e,
        })),
    );
    (attrs, qos, suspension)
        .prop_map(
            |(
                (format, optimize, encoding, statistics, trace),
                (addressing, security, reliable_messaging, timeout),
                (mark_for_suspension, suspend_on_failure, retry_config),
            )| EndpointSettings {
                format,
                optimize,
                encoding,
                statistics,
                trace,
                addressing,
                security,
                reliable_messaging,
                timeout,
                mark_for_suspension,
                suspend_on_failure,
                retry_config,
            },
        )
        .boxed()
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    // Element text is read trimmed.
    prop::collection::btree_map("[a-z_]{1,6}", "[!-~]{0,10}", 0..3)
        .prop_map(|m: BTreeMap<String, String>| m.into_iter().collect())
}

fn authentication() -> BoxedStrategy<Authentication> {
    let grant = prop_oneof![
        Just(OAuthGrant::ClientCredentials),
        "[a-z0-9]{1,8}".prop_map(|refresh_token| OAuthGrant::AuthorizationCode { refresh_token }),
        ("[a-z]{1,8}", "[!-~]{1,8}")
            .prop_map(|(username, password)| OAuthGrant::Password { username, password }),
    ];
    let options = prop::sample::subsequence(
        vec![
            ("authMode", "payload"),
            ("connectionTimeout", "10000"),
            ("socketTimeout", "{$ctx:socket}"),
            ("useGlobalProxyConfigs", "false"),
        ],
        0..4,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    });
    prop_oneof![
        ("[a-z]{1,8}", "[!-~]{1,8}")
            .prop_map(|(username, password)| Authentication::Basic { username, password }),
        (
            grant,
            "[a-z0-9]{1,8}",
            "[!-~]{1,12}",
            uri(),
            options,
            pairs(),
            pairs(),
            of(Just(vec![
                ("proxyHost".to_owned(), "proxy".to_owned()),
                ("proxyPort".to_owned(), "3128".to_owned()),
            ]))
        )
            .prop_map(
                |(
                    grant,
                    client_id,
                    client_secret,
                    token_url,
                    options,
                    request_parameters,
                    custom_headers,
                    proxy,
                )| {
                    Authentication::OAuth(OAuth {
                        grant,
                        client_id,
                        client_secret,
                        token_url,
                        options,
                        request_parameters,
                        custom_headers,
                        proxy,
                    })
                }
            ),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<EndpointKind> {
    prop_oneof![
        (uri(), settings())
            .prop_map(|(uri, settings)| EndpointKind::Address(AddressEndpoint { uri, settings })),
        (
            prop::sample::select(vec![
                "http://{uri.var.host}:{uri.var.port}/orders/{uri.var.id}",
                "{+uri.var.base}/items{?uri.var.q,uri.var.page}",
                "https://api.example.com/v1/{uri.var.path:20}",
            ]),
            any::<bool>(),
            of(prop::sample::select(vec![
                HttpMethod::Get,
                HttpMethod::Post,
                HttpMethod::Put,
                HttpMethod::Delete,
                HttpMethod::Head,
                HttpMethod::Patch,
                HttpMethod::Options,
            ])),
            of(authentication()),
            settings(),
        )
            .prop_map(|(t, legacy_encoding, method, authentication, settings)| {
                EndpointKind::Http(HttpEndpoint {
                    uri_template: t.to_owned(),
                    legacy_encoding,
                    method,
                    authentication,
                    settings,
                })
            }),
        settings().prop_map(|settings| EndpointKind::Default(DefaultEndpoint { settings })),
        key().prop_map(|key| EndpointKind::Indirect { key }),
        expression().prop_map(|key_expression| EndpointKind::Resolving { key_expression }),
        (key(), of(uri()), pairs()).prop_map(|(template, uri, parameters)| {
            EndpointKind::Template(TemplateEndpoint {
                template,
                uri,
                parameters: parameters
                    .into_iter()
                    .filter(|(n, _)| n != "name" && n != "uri")
                    .collect(),
            })
        }),
    ]
    .boxed()
}

fn member() -> impl Strategy<Value = Member> {
    ("[a-z][a-z0-9.]{0,10}", of(any::<u16>()), of(any::<u16>())).prop_map(
        |(host_name, http_port, https_port)| Member {
            host_name,
            http_port,
            https_port,
        },
    )
}

fn property() -> impl Strategy<Value = EndpointProperty> {
    (
        "[A-Za-z_.]{1,12}",
        prop_oneof![
            "[ -~]{0,10}".prop_map(EndpointPropertyValue::Value),
            expression().prop_map(EndpointPropertyValue::Expression),
        ],
        of(prop::sample::select(vec![
            PropertyScope::Default,
            PropertyScope::Transport,
            PropertyScope::Axis2,
            PropertyScope::Axis2Client,
        ])),
    )
        .prop_map(|(name, value, scope)| EndpointProperty { name, value, scope })
}

fn wrap(kind: impl Strategy<Value = EndpointKind> + 'static) -> BoxedStrategy<EndpointDefinition> {
    (
        kind,
        of(name()),
        vec(property(), 0..3),
        of("[ -~]{0,20}"),
        of(key()),
        of(any::<bool>()),
        of(any::<bool>()),
        any::<bool>(),
    )
        .prop_map(
            |(kind, name, properties, description, on_error, statistics, trace, with_ns)| {
                let properties = if matches!(kind, EndpointKind::Template(_)) {
                    Vec::new()
                } else {
                    properties
                };
                let mut namespaces = Namespaces::new();
                if with_ns {
                    namespaces.insert("m", "urn:m");
                }
                EndpointDefinition {
                    name,
                    kind,
                    properties,
                    description,
                    on_error,
                    statistics,
                    trace,
                    namespaces,
                    position: None,
                }
            },
        )
        .boxed()
}

fn definition() -> impl Strategy<Value = EndpointDefinition> {
    wrap(leaf())
        .prop_recursive(2, 12, 4, |inner| {
            let children = vec(inner, 1..4);
            wrap(prop_oneof![
                (
                    of(prop::sample::select(vec![
                        LoadbalanceAlgorithm::RoundRobin,
                        LoadbalanceAlgorithm::WeightedRoundRobin,
                    ])),
                    any::<bool>(),
                    of(any::<bool>()),
                    of(any::<bool>()),
                    of((
                        prop::sample::select(vec![
                            SessionType::Http,
                            SessionType::SimpleClientSession,
                            SessionType::Soap,
                        ]),
                        of(long_ms()),
                    )),
                    prop_oneof![
                        children.clone().prop_map(GroupTargets::Endpoints),
                        vec(member(), 1..3).prop_map(GroupTargets::Members),
                    ],
                )
                    .prop_map(
                        |(algorithm, policy, failover, build_message, session, targets)| {
                            let members = matches!(targets, GroupTargets::Members(_));
                            EndpointKind::Loadbalance(LoadbalanceEndpoint {
                                algorithm: if members { None } else { algorithm },
                                policy_round_robin: policy && algorithm.is_none(),
                                failover,
                                build_message,
                                session: session.filter(|_| !members).map(
                                    |(session_type, timeout)| Session {
                                        session_type,
                                        timeout,
                                    },
                                ),
                                targets,
                            })
                        }
                    ),
                (of(any::<bool>()), of(any::<bool>()), children.clone()).prop_map(
                    |(dynamic, build_message, endpoints)| {
                        EndpointKind::Failover(FailoverEndpoint {
                            dynamic,
                            build_message,
                            endpoints,
                        })
                    }
                ),
                prop_oneof![
                    children.prop_map(RecipientTargets::Endpoints),
                    vec(member(), 1..3).prop_map(RecipientTargets::Members),
                    (dynamic(vec(uri(), 1..3)), of(0u32..=i32::MAX as u32)).prop_map(
                        |(value, max_cache)| RecipientTargets::Dynamic { value, max_cache }
                    ),
                ]
                .prop_map(|targets| EndpointKind::RecipientList(RecipientListEndpoint { targets })),
            ])
        })
        .prop_filter("siblings never repeat a key", unique_sibling_keys)
}

fn unique_sibling_keys(d: &EndpointDefinition) -> bool {
    let children = d.children();
    let keys: Vec<&str> = children
        .iter()
        .filter_map(|c| match &c.kind {
            EndpointKind::Indirect { key } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.len() == keys.len() && children.iter().all(unique_sibling_keys)
}

/// `<endpoint><address uri><{parent}><{element}>{text}</…></…></address></endpoint>`.
fn with_setting(parent: &str, element: &str, text: &str) -> mediate_core::MediatorSpec {
    use mediate_core::MediatorSpec;
    MediatorSpec::new("endpoint").child(
        MediatorSpec::new("address")
            .property("uri", "http://h/x")
            .child(MediatorSpec::new(parent).child(MediatorSpec::new(element).text(text))),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any negative number in the Java type's range is Synapse's "not set": it reads as absent
    /// and is left out when written back.
    #[test]
    fn negative_suspension_settings_read_as_unset(
        int in i32::MIN..0,
        long in i64::MIN..0,
        factor in (prop::num::f32::NEGATIVE | prop::num::f32::NORMAL).prop_filter("negative", |f| *f < 0.0 && f.is_finite()),
    ) {
        for (parent, element, text) in [
            ("suspendOnFailure", "initialDuration", int.to_string()),
            ("suspendOnFailure", "progressionFactor", factor.to_string()),
            ("suspendOnFailure", "progressionFactor", int.to_string()),
            ("suspendOnFailure", "maximumDuration", long.to_string()),
            ("markForSuspension", "retriesBeforeSuspension", int.to_string()),
            ("markForSuspension", "retryDelay", int.to_string()),
        ] {
            let spec = with_setting(parent, element, &text);
            let ep = EndpointDefinition::from_spec(&spec)
                .map_err(|e| TestCaseError::fail(format!("<{element}>{text}: {e}")))?;
            let settings = ep.settings().expect("a leaf endpoint");
            let unset = match parent {
                "suspendOnFailure" => settings.suspend_on_failure == Some(SuspendOnFailure::default()),
                _ => settings.mark_for_suspension == Some(MarkForSuspension::default()),
            };
            prop_assert!(unset, "<{}>{}: {:?}", element, text, settings);
            let back = ep.to_spec();
            prop_assert!(back.children[0].children[0].children.is_empty());
        }
    }

    #[test]
    fn to_spec_then_from_spec_is_identity(d in definition()) {
        let spec = d.to_spec();
        let back = EndpointDefinition::from_spec(&spec)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{spec:#?}")))?;
        prop_assert_eq!(&back, &d);
        prop_assert_eq!(back.to_spec(), spec);
    }
}
