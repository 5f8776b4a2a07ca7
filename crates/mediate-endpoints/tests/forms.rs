//! Every endpoint form MI 4.4 accepts, from the MI documentation's examples (the "Endpoint
//! Properties", "Call Mediator", load-balance and failover sample pages), read through a
//! Synapse-XML → spec reader and checked field by field; each survives `to_spec` →
//! `from_spec`.

mod support;

use std::time::Duration;

use mediate_core::Position;
use mediate_endpoints::{
    AddressingVersion, Authentication, Dynamic, EndpointKind, EndpointPropertyValue, GroupTargets,
    HttpMethod, KeyRef, LoadbalanceAlgorithm, MessageFormat, OAuthGrant, Optimize, PropertyScope,
    RecipientTargets, ReferenceKind, SessionType, TimeoutAction, defaults,
};
use support::{assert_round_trip, endpoint};

const NS: &str = r#"xmlns="http://ws.apache.org/ns/synapse""#;

#[test]
fn named_address_and_indirect_reference() {
    // "Endpoint Properties": the actual endpoint and an indirect one referring to it.
    let actual = endpoint(&format!(
        r#"<endpoint {NS} name="address">
   <address uri="http://localhost:9000/services/SimpleStockQuoteService" format="soap11"/>
</endpoint>"#
    ));
    assert_eq!(actual.name.as_deref(), Some("address"));
    let EndpointKind::Address(a) = &actual.kind else {
        panic!("{actual:?}")
    };
    assert_eq!(
        a.uri,
        "http://localhost:9000/services/SimpleStockQuoteService"
    );
    assert_eq!(a.settings.format, Some(MessageFormat::Soap11));
    assert_round_trip(&actual);

    let indirect = endpoint(&format!(r#"<endpoint {NS} key="address"/>"#));
    assert_eq!(
        indirect.kind,
        EndpointKind::Indirect {
            key: KeyRef::new("address")
        }
    );
    let refs: Vec<_> = indirect.references().collect();
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].kind, ReferenceKind::Endpoint);
    assert_eq!(refs[0].key, "address");
    assert_eq!(refs[0].position, Some(Position::new(1, 56)));
    assert_round_trip(&indirect);
}

#[test]
fn resolving_endpoint() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} key-expression="get-property('Mail')"/>"#
    ));
    assert_eq!(
        ep.kind,
        EndpointKind::Resolving {
            key_expression: "get-property('Mail')".into()
        }
    );
    assert_eq!(ep.references().count(), 0);
    assert_round_trip(&ep);
}

#[test]
fn address_with_error_handling_sample() {
    // "Endpoint Properties" → "SuspendOnFailure Properties" sample configuration.
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="Sample_First" statistics="enable" >
    <address uri="http://localhost:8280/myendpoint" statistics="enable" trace="disable">
        <timeout>
            <duration>60000</duration>
        </timeout>

        <markForSuspension>
            <errorCodes>101504, 101505</errorCodes>
            <retriesBeforeSuspension>3</retriesBeforeSuspension>
            <retryDelay>1</retryDelay>
        </markForSuspension>

        <suspendOnFailure>
            <errorCodes>101500, 101501, 101506, 101507, 101508</errorCodes>
            <initialDuration>1000</initialDuration>
            <progressionFactor>2</progressionFactor>
            <maximumDuration>60000</maximumDuration>
        </suspendOnFailure>

    </address>
</endpoint>"#
    ));
    assert_eq!(ep.statistics, Some(true));
    let s = ep.settings().unwrap();
    assert_eq!(s.statistics, Some(true));
    assert_eq!(s.trace, Some(false));
    let t = s.timeout.as_ref().unwrap();
    assert_eq!(
        t.duration,
        Some(Dynamic::Value(Duration::from_millis(60_000)))
    );
    assert_eq!(t.response_action, None);
    let m = s.mark_for_suspension.as_ref().unwrap();
    assert_eq!(m.error_codes, Some(Dynamic::Value(vec![101_504, 101_505])));
    assert_eq!(m.retries_before_suspension, Some(Dynamic::Value(3)));
    assert_eq!(
        m.retry_delay,
        Some(Dynamic::Value(Duration::from_millis(1)))
    );
    let f = s.suspend_on_failure.as_ref().unwrap();
    assert_eq!(
        f.error_codes,
        Some(Dynamic::Value(vec![
            101_500, 101_501, 101_506, 101_507, 101_508
        ]))
    );
    assert_eq!(
        f.initial_duration,
        Some(Dynamic::Value(Duration::from_secs(1)))
    );
    assert_eq!(f.progression_factor, Some(Dynamic::Value(2.0)));
    assert_eq!(
        f.maximum_duration,
        Some(Dynamic::Value(Duration::from_secs(60)))
    );
    assert_round_trip(&ep);
}

#[test]
fn documented_defaults() {
    assert_eq!(
        defaults::INITIAL_SUSPEND_DURATION,
        Duration::from_millis(30_000)
    );
    assert_eq!(defaults::PROGRESSION_FACTOR, 1.0);
    assert_eq!(
        defaults::MAXIMUM_SUSPEND_DURATION,
        Duration::from_millis(i64::MAX as u64)
    );
    assert_eq!(defaults::RETRIES_BEFORE_SUSPENSION, 0);
    assert_eq!(defaults::RETRY_DELAY, Duration::ZERO);
    assert_eq!(defaults::TIMEOUT_ERROR_CODES, [101_504, 101_505]);
    assert_eq!(defaults::TIMEOUT_ACTION, TimeoutAction::Never);
    assert_eq!(defaults::TIMEOUT_WITH_ACTION, Duration::from_secs(30));
    assert_eq!(defaults::SESSION_TIMEOUT, Duration::from_secs(120));
    assert_eq!(defaults::RECIPIENT_LIST_MAX_CACHE, 20);
    // An endpoint that says nothing leaves every setting unset.
    let ep = endpoint(&format!(
        r#"<endpoint {NS}><address uri="http://h/x"/></endpoint>"#
    ));
    assert_eq!(ep.settings().unwrap(), &Default::default());
}

#[test]
fn qos_elements_and_response_actions() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS}>
  <address uri="http://localhost:9000/services/SimpleStockQuoteService" format="SOAP12"
           optimize="mtom" encoding="UTF-8">
    <enableSec policy="conf:/repository/policy.xml"/>
    <enableAddressing version="submission" separateListener="true"/>
    <enableRM policy="rm-policy"/>
    <timeout><duration> 5000 </duration><responseAction>Discard</responseAction></timeout>
    <retryConfig><disabledErrorCodes>101503 101504</disabledErrorCodes><enabledErrorCodes>101505</enabledErrorCodes></retryConfig>
  </address>
</endpoint>"#
    ));
    let s = ep.settings().unwrap();
    assert_eq!(s.format, Some(MessageFormat::Soap12));
    assert_eq!(s.optimize, Some(Optimize::Mtom));
    assert_eq!(s.encoding.as_deref(), Some("UTF-8"));
    let a = s.addressing.as_ref().unwrap();
    assert_eq!(a.version, Some(AddressingVersion::Submission));
    assert_eq!(a.separate_listener, Some(true));
    assert_eq!(
        s.security.as_ref().unwrap().policy,
        Some(KeyRef::new("conf:/repository/policy.xml"))
    );
    let t = s.timeout.as_ref().unwrap();
    assert_eq!(t.duration, Some(Dynamic::Value(Duration::from_secs(5))));
    assert_eq!(
        t.response_action,
        Some(Dynamic::Value(TimeoutAction::Discard))
    );
    let r = s.retry_config.as_ref().unwrap();
    assert_eq!(r.disabled_error_codes, Some(vec![101_503, 101_504]));
    assert_eq!(r.enabled_error_codes, Some(vec![101_505]));
    let policies: Vec<_> = ep
        .references()
        .filter(|r| r.kind == ReferenceKind::Policy)
        .map(|r| r.key)
        .collect();
    assert_eq!(policies, ["conf:/repository/policy.xml", "rm-policy"]);
    assert_round_trip(&ep);

    for (text, action) in [
        ("fault", TimeoutAction::Fault),
        ("never", TimeoutAction::Never),
        ("discard", TimeoutAction::Discard),
    ] {
        let ep = endpoint(&format!(
            r#"<endpoint {NS}><default><timeout><responseAction>{text}</responseAction></timeout></default></endpoint>"#
        ));
        let t = ep.settings().unwrap().timeout.clone().unwrap();
        assert_eq!(t.response_action, Some(Dynamic::Value(action)));
    }
}

#[test]
fn dynamic_settings_in_braces() {
    // wso2-synapse DynamicEndpointTest: these settings may be `{expression}`s.
    let ep = endpoint(&format!(
        r#"<endpoint {NS}>
  <address uri="http://localhost:9000/services/SimpleStockQuoteService">
    <timeout><duration>{{$ctx:timeout}}</duration><responseAction>{{$ctx:timeoutAction}}</responseAction></timeout>
    <markForSuspension>
      <errorCodes>{{$ctx:timeoutErrorCodes}}</errorCodes>
      <retriesBeforeSuspension>{{$ctx:retries}}</retriesBeforeSuspension>
      <retryDelay>{{get-property('delay')}}</retryDelay>
    </markForSuspension>
    <suspendOnFailure>
      <errorCodes>{{$ctx:suspendErrorCodes}}</errorCodes>
      <initialDuration>{{$ctx:initialSuspendDuration}}</initialDuration>
      <progressionFactor>{{$ctx:suspendProgressionFactor}}</progressionFactor>
      <maximumDuration>{{$ctx:suspendMaximumDuration}}</maximumDuration>
    </suspendOnFailure>
  </address>
</endpoint>"#
    ));
    let s = ep.settings().unwrap();
    let t = s.timeout.as_ref().unwrap();
    assert_eq!(t.duration, Some(Dynamic::Expression("$ctx:timeout".into())));
    assert_eq!(
        t.response_action,
        Some(Dynamic::Expression("$ctx:timeoutAction".into()))
    );
    let m = s.mark_for_suspension.as_ref().unwrap();
    assert_eq!(
        m.retry_delay,
        Some(Dynamic::Expression("get-property('delay')".into()))
    );
    let f = s.suspend_on_failure.as_ref().unwrap();
    assert!(f.progression_factor.as_ref().unwrap().is_expression());
    assert!(f.maximum_duration.as_ref().unwrap().is_expression());
    assert_round_trip(&ep);
}

#[test]
fn deprecated_suspend_duration_on_failure_is_seconds() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS}><address uri="http://h/x"><suspendDurationOnFailure>30</suspendDurationOnFailure></address></endpoint>"#
    ));
    let f = ep.settings().unwrap().suspend_on_failure.clone().unwrap();
    assert_eq!(
        f.initial_duration,
        Some(Dynamic::Value(Duration::from_secs(30)))
    );
    assert_eq!(f.progression_factor, Some(Dynamic::Value(1.0)));
    assert_round_trip(&ep);
}

#[test]
fn integration_studio_minus_one_means_the_default() {
    // The shape Integration Studio / the MI VS Code extension writes for a new endpoint, as in
    // the MI samples and tutorials (healthcare `GrandOakEndpoint`, the call-mediator snippets):
    // -1 is Synapse's "not set" (`EndpointDefinition` starts at -1, its serializer leaves a -1
    // out, its runtime replaces a negative suspension by the default 30 s).
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="GrandOakEndpoint">
    <http method="get" uri-template="http://localhost:9090/grandOak/doctors/{{uri.var.doctorType}}">
        <suspendOnFailure>
            <initialDuration>-1</initialDuration>
            <progressionFactor>-1</progressionFactor>
            <maximumDuration>0</maximumDuration>
        </suspendOnFailure>
        <markForSuspension>
            <retriesBeforeSuspension>0</retriesBeforeSuspension>
        </markForSuspension>
    </http>
</endpoint>"#
    ));
    let settings = ep.settings().unwrap();
    let f = settings.suspend_on_failure.clone().unwrap();
    assert_eq!(f.error_codes, None);
    assert_eq!(f.initial_duration, None); // MI: defaults::INITIAL_SUSPEND_DURATION
    assert_eq!(f.progression_factor, None); // MI: defaults::PROGRESSION_FACTOR
    assert_eq!(f.maximum_duration, Some(Dynamic::Value(Duration::ZERO)));
    let m = settings.mark_for_suspension.clone().unwrap();
    assert_eq!(m.retries_before_suspension, Some(Dynamic::Value(0)));
    assert_round_trip(&ep);
    // Written back, the -1s are left out, as Synapse's serializer leaves them out.
    let spec = ep.to_spec();
    let suspend = spec.children[0].child_named("suspendOnFailure").unwrap();
    let written: Vec<&str> = suspend.children.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(written, ["maximumDuration"]);

    // The VS Code extension's address form: `1.0`, and every other -1 Synapse takes as unset.
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="SimpleStockQuote">
    <address uri="http://localhost:9000/services/SimpleStockQuoteService">
        <suspendOnFailure>
            <initialDuration>-1</initialDuration>
            <progressionFactor>1.0</progressionFactor>
            <maximumDuration>-1</maximumDuration>
        </suspendOnFailure>
        <markForSuspension>
            <retriesBeforeSuspension>-1</retriesBeforeSuspension>
            <retryDelay>-1</retryDelay>
        </markForSuspension>
    </address>
</endpoint>"#
    ));
    let settings = ep.settings().unwrap();
    let f = settings.suspend_on_failure.clone().unwrap();
    assert_eq!(f.initial_duration, None);
    assert_eq!(f.progression_factor, Some(Dynamic::Value(1.0)));
    assert_eq!(f.maximum_duration, None); // MI: defaults::MAXIMUM_SUSPEND_DURATION
    let m = settings.mark_for_suspension.clone().unwrap();
    assert_eq!(m.retries_before_suspension, None);
    assert_eq!(m.retry_delay, None);
    assert_round_trip(&ep);

    // The deprecated seconds form takes a negative value as the default too.
    let ep = endpoint(&format!(
        r#"<endpoint {NS}><address uri="http://h/x"><suspendDurationOnFailure>-1</suspendDurationOnFailure></address></endpoint>"#
    ));
    let f = ep.settings().unwrap().suspend_on_failure.clone().unwrap();
    assert_eq!(f.initial_duration, None);
    assert_eq!(f.progression_factor, Some(Dynamic::Value(1.0)));
    assert_round_trip(&ep);
}

#[test]
fn progression_factors_read_as_java_floats() {
    for (text, factor) in [
        ("2", Some(2.0)),
        ("1.0", Some(1.0)),
        ("0.5", Some(0.5)),
        (".5", Some(0.5)),
        ("+2", Some(2.0)),
        ("1e1", Some(10.0)),
        ("2f", Some(2.0)),
        ("1.5D", Some(1.5)),
        ("0", Some(0.0)),
        (" 3 ", Some(3.0)),
        ("-1", None),
        ("-1.0", None),
        ("-0.5", None),
    ] {
        let ep = endpoint(&format!(
            r#"<endpoint {NS}><address uri="http://h/x"><suspendOnFailure><progressionFactor>{text}</progressionFactor></suspendOnFailure></address></endpoint>"#
        ));
        let f = ep.settings().unwrap().suspend_on_failure.clone().unwrap();
        assert_eq!(f.progression_factor, factor.map(Dynamic::Value), "{text}");
        assert_round_trip(&ep);
    }
}

#[test]
fn placeholders_and_property_parts_in_addresses() {
    for uri in [
        "$SYSTEM:BACKEND_URL",
        "$FILE:backend.url",
        "http://${host}:${port}/services/x",
        "jms:/SimpleStockQuoteService?transport.jms.ConnectionFactoryJNDIName=QueueConnectionFactory&java.naming.provider.url=tcp://localhost:61616",
        "vfs:file:///home/user/directory",
        "mailto:guest@host",
    ] {
        let ep = endpoint(&format!(
            r#"<endpoint {NS}><address uri="{}"/></endpoint>"#,
            uri.replace('&', "&amp;")
        ));
        let EndpointKind::Address(a) = &ep.kind else {
            panic!()
        };
        assert_eq!(a.uri, uri);
        assert_round_trip(&ep);
    }
}

#[test]
fn http_endpoints() {
    // "Endpoint Properties": uri-template notes.
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="ctx"><http uri-template="http://{{uri.var.host}}:{{uri.var.port}}/{{uri.var.context1}}/services/{{uri.var.context2}}{{uri.var.postfix}}" method="get"/></endpoint>"#
    ));
    let EndpointKind::Http(h) = &ep.kind else {
        panic!()
    };
    assert_eq!(h.method, Some(HttpMethod::Get));
    assert!(!h.legacy_encoding);
    assert_round_trip(&ep);

    let legacy = endpoint(&format!(
        r#"<endpoint {NS}><http uri-template="legacy-encoding:{{uri.var.APIurl}}" method="GET" format="rest"/></endpoint>"#
    ));
    let EndpointKind::Http(h) = &legacy.kind else {
        panic!()
    };
    assert!(h.legacy_encoding);
    assert_eq!(h.uri_template, "{uri.var.APIurl}");
    assert_eq!(h.settings.format, Some(MessageFormat::Rest));
    assert_round_trip(&legacy);

    for (m, method) in [
        ("post", HttpMethod::Post),
        ("Put", HttpMethod::Put),
        ("DELETE", HttpMethod::Delete),
        ("head", HttpMethod::Head),
        ("patch", HttpMethod::Patch),
        ("options", HttpMethod::Options),
    ] {
        let ep = endpoint(&format!(
            r#"<endpoint {NS}><http uri-template="http://h/{{+uri.var.path}}{{?uri.var.q}}" method="{m}"/></endpoint>"#
        ));
        let EndpointKind::Http(h) = &ep.kind else {
            panic!()
        };
        assert_eq!(h.method, Some(method));
    }
}

#[test]
fn http_basic_auth() {
    let ep = endpoint(&format!(
        r#"<endpoint name="FoodEP" {NS}>
    <http method="get" uri-template="http://localhost:9192/service/foodservice">
        <authentication>
            <basicAuth>
                  <username>admin</username>
                  <password>admin</password>
            </basicAuth>
        </authentication>
    </http>
</endpoint>"#
    ));
    let EndpointKind::Http(h) = &ep.kind else {
        panic!()
    };
    assert_eq!(
        h.authentication,
        Some(Authentication::Basic {
            username: "admin".into(),
            password: "admin".into()
        })
    );
    assert_round_trip(&ep);
}

#[test]
fn http_oauth_grants() {
    let refresh = endpoint(&format!(
        r#"<endpoint name="FoodEP" {NS}>
    <http method="get" uri-template="http://localhost:9192/service/foodservice">
        <authentication>
            <oauth>
                <authorizationCode>
                    <clientId>ADD_CLIENT_ID_HERE</clientId>
                    <clientSecret>ADD_CLIENT_SECRET_HERE</clientSecret>
                    <refreshToken>ADD_REFRESH_TOKEN_HERE</refreshToken>
                    <tokenUrl>http://localhost:8678/token</tokenUrl>
                </authorizationCode>
            </oauth>
        </authentication>
    </http>
</endpoint>"#
    ));
    let EndpointKind::Http(h) = &refresh.kind else {
        panic!()
    };
    let Some(Authentication::OAuth(o)) = &h.authentication else {
        panic!()
    };
    assert_eq!(
        o.grant,
        OAuthGrant::AuthorizationCode {
            refresh_token: "ADD_REFRESH_TOKEN_HERE".into()
        }
    );
    assert_eq!(o.token_url, "http://localhost:8678/token");
    assert_round_trip(&refresh);

    let client = endpoint(&format!(
        r#"<endpoint name="FoodEP" {NS}>
    <http method="get" uri-template="http://localhost:9192/service/foodservice">
        <authentication>
            <oauth>
                <clientCredentials>
                    <clientId>ADD_CLIENT_ID_HERE</clientId>
                    <clientSecret>{{hashicorp:vault-lookup('secret/hello', 'clientSecret')}}</clientSecret>
                    <tokenUrl>https://localhost:9445/oauth2/token</tokenUrl>
                    <authMode>header</authMode>
                    <connectionTimeout>10000</connectionTimeout>
                    <connectionRequestTimeout>10000</connectionRequestTimeout>
                    <socketTimeout>15000</socketTimeout>
                    <requestParameters>
                        <parameter name="scope">{{ctx:oauth_scope}}</parameter>
                        <parameter name="user_role">tester</parameter>
                    </requestParameters>
                </clientCredentials>
            </oauth>
        </authentication>
    </http>
</endpoint>"#
    ));
    let EndpointKind::Http(h) = &client.kind else {
        panic!()
    };
    let Some(Authentication::OAuth(o)) = &h.authentication else {
        panic!()
    };
    assert_eq!(o.grant, OAuthGrant::ClientCredentials);
    assert_eq!(
        o.client_secret,
        "{hashicorp:vault-lookup('secret/hello', 'clientSecret')}"
    );
    assert_eq!(o.options.len(), 4);
    assert_eq!(
        o.request_parameters,
        [
            ("scope".to_owned(), "{ctx:oauth_scope}".to_owned()),
            ("user_role".to_owned(), "tester".to_owned())
        ]
    );
    assert_round_trip(&client);

    let password = endpoint(&format!(
        r#"<endpoint name="FoodEP" {NS}>
    <http method="get" uri-template="http://localhost:9192/service/foodservice">
        <authentication>
            <oauth>
                <passwordCredentials>
                    <clientId>ADD_CLIENT_ID_HERE</clientId>
                    <clientSecret>ADD_CLIENT_SECRET_HERE</clientSecret>
                    <username>internal-user</username>
                    <password>abc@123</password>
                    <tokenUrl>http://localhost:8678/token</tokenUrl>
                </passwordCredentials>
            </oauth>
        </authentication>
    </http>
</endpoint>"#
    ));
    let EndpointKind::Http(h) = &password.kind else {
        panic!()
    };
    let Some(Authentication::OAuth(o)) = &h.authentication else {
        panic!()
    };
    assert_eq!(
        o.grant,
        OAuthGrant::Password {
            username: "internal-user".into(),
            password: "abc@123".into()
        }
    );
    assert_round_trip(&password);
}

#[test]
fn default_endpoint() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="def"><default format="pox" optimize="swa"><enableAddressing/></default></endpoint>"#
    ));
    let s = ep.settings().unwrap();
    assert_eq!(s.format, Some(MessageFormat::Pox));
    assert_eq!(s.optimize, Some(Optimize::Swa));
    assert_eq!(s.addressing, Some(Default::default()));
    assert_round_trip(&ep);
}

#[test]
fn session_affine_load_balance() {
    // MI "Load Balancing with Proxy Services" / "Using the Load Balance Endpoint".
    let ep = endpoint(&format!(
        r#"<endpoint {NS}>
    <session type="simpleClientSession"><sessionTimeout>60000</sessionTimeout></session>
    <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">
        <endpoint>
            <address uri="http://localhost:9001/services/LBService1">
                <enableAddressing/>
                <suspendOnFailure>
                    <initialDuration>20000</initialDuration>
                    <progressionFactor>1.0</progressionFactor>
                </suspendOnFailure>
            </address>
        </endpoint>
        <endpoint>
            <address uri="http://localhost:9002/services/LBService1"><enableAddressing/></address>
        </endpoint>
        <endpoint>
            <address uri="http://localhost:9003/services/LBService1"><enableAddressing/></address>
        </endpoint>
    </loadbalance>
</endpoint>"#
    ));
    let EndpointKind::Loadbalance(lb) = &ep.kind else {
        panic!()
    };
    assert_eq!(lb.algorithm, Some(LoadbalanceAlgorithm::RoundRobin));
    let session = lb.session.as_ref().unwrap();
    assert_eq!(session.session_type, SessionType::SimpleClientSession);
    assert_eq!(session.timeout, Some(Duration::from_secs(60)));
    assert_eq!(ep.children().len(), 3);
    assert_round_trip(&ep);

    for (t, st) in [("http", SessionType::Http), ("soap", SessionType::Soap)] {
        let ep = endpoint(&format!(
            r#"<endpoint {NS}><session type="{t}"/><loadbalance><endpoint key="a"/><endpoint key="b"/></loadbalance></endpoint>"#
        ));
        let EndpointKind::Loadbalance(lb) = &ep.kind else {
            panic!()
        };
        assert_eq!(lb.session.as_ref().unwrap().session_type, st);
        assert_round_trip(&ep);
    }
}

#[test]
fn load_balance_members_policy_and_weights() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="lb">
    <loadbalance policy="roundRobin" failover="false" buildMessage="true">
        <member hostName="10.0.0.1" httpPort="9763" httpsPort="9443"/>
        <member hostName="backend2" httpPort="9764"/>
    </loadbalance>
</endpoint>"#
    ));
    let EndpointKind::Loadbalance(lb) = &ep.kind else {
        panic!()
    };
    assert!(lb.policy_round_robin);
    assert_eq!(lb.failover, Some(false));
    assert_eq!(lb.build_message, Some(true));
    let GroupTargets::Members(members) = &lb.targets else {
        panic!()
    };
    assert_eq!(members[0].host_name, "10.0.0.1");
    assert_eq!(members[0].https_port, Some(9443));
    assert_eq!(members[1].https_port, None);
    assert_round_trip(&ep);

    let weighted = endpoint(&format!(
        r#"<endpoint {NS}>
    <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.WeightedRoundRobin">
        <endpoint><address uri="http://a:80/"/><property name="loadbalance.weight" value="5"/></endpoint>
        <endpoint><address uri="http://b:80/"/></endpoint>
    </loadbalance>
</endpoint>"#
    ));
    let EndpointKind::Loadbalance(lb) = &weighted.kind else {
        panic!()
    };
    assert_eq!(lb.algorithm, Some(LoadbalanceAlgorithm::WeightedRoundRobin));
    assert_eq!(
        weighted.children()[0].properties[0].value,
        EndpointPropertyValue::Value("5".into())
    );
    assert_round_trip(&weighted);

    let rrlc = endpoint(&format!(
        r#"<endpoint {NS}>
    <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.WeightedRRLCAlgorithm">
        <endpoint><address uri="http://a:80/"/><property name="loadbalance.weight" value="2"/></endpoint>
        <endpoint><address uri="http://b:80/"/><property name="loadbalance.weight" value="1"/></endpoint>
    </loadbalance>
</endpoint>"#
    ));
    assert_round_trip(&rrlc);
}

#[test]
fn failover_groups() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="SampleFailover">
    <failover dynamic="false" buildMessage="true">
        <endpoint name="Sample_First" statistics="enable">
            <address uri="http://localhost/myendpoint" statistics="enable" trace="disable">
                <timeout><duration>60000</duration></timeout>
                <markForSuspension>
                    <errorCodes>101504, 101505, 101500</errorCodes>
                    <retriesBeforeSuspension>3</retriesBeforeSuspension>
                    <retryDelay>1</retryDelay>
                </markForSuspension>
                <suspendOnFailure>
                    <initialDuration>1000</initialDuration>
                    <progressionFactor>2</progressionFactor>
                    <maximumDuration>64000</maximumDuration>
                </suspendOnFailure>
            </address>
        </endpoint>
        <endpoint key="Backup"/>
    </failover>
</endpoint>"#
    ));
    let EndpointKind::Failover(f) = &ep.kind else {
        panic!()
    };
    assert_eq!(f.dynamic, Some(false));
    assert_eq!(f.build_message, Some(true));
    assert_eq!(f.endpoints.len(), 2);
    assert_eq!(f.endpoints[0].name.as_deref(), Some("Sample_First"));
    let refs: Vec<_> = ep.references().map(|r| (r.kind, r.key)).collect();
    assert_eq!(refs, [(ReferenceKind::Endpoint, "Backup")]);
    assert_round_trip(&ep);
}

#[test]
fn recipient_lists() {
    let children = endpoint(&format!(
        r#"<endpoint {NS} name="rl">
    <recipientlist>
        <endpoint><address uri="http://localhost:9001/services/SimpleStockQuoteService"/></endpoint>
        <endpoint><address uri="http://localhost:9002/services/SimpleStockQuoteService"/></endpoint>
    </recipientlist>
</endpoint>"#
    ));
    assert_eq!(children.children().len(), 2);
    assert_round_trip(&children);

    let members = endpoint(&format!(
        r#"<endpoint {NS}><recipientlist><member hostName="localhost" httpPort="9001"/></recipientlist></endpoint>"#
    ));
    let EndpointKind::RecipientList(rl) = &members.kind else {
        panic!()
    };
    assert!(matches!(rl.targets, RecipientTargets::Members(_)));
    assert_round_trip(&members);

    let list = endpoint(&format!(
        r#"<endpoint {NS}><recipientlist><endpoints value="http://a:9001/x, http://b:9002/x" max-cache="10"/></recipientlist></endpoint>"#
    ));
    let EndpointKind::RecipientList(rl) = &list.kind else {
        panic!()
    };
    assert_eq!(
        rl.targets,
        RecipientTargets::Dynamic {
            value: Dynamic::Value(vec!["http://a:9001/x".into(), "http://b:9002/x".into()]),
            max_cache: Some(10)
        }
    );
    assert_round_trip(&list);

    let dynamic = endpoint(&format!(
        r#"<endpoint {NS}><recipientlist><endpoints value="{{get-property('recipients')}}"/></recipientlist></endpoint>"#
    ));
    let EndpointKind::RecipientList(rl) = &dynamic.kind else {
        panic!()
    };
    assert!(matches!(
        &rl.targets,
        RecipientTargets::Dynamic { value: Dynamic::Expression(e), max_cache: None } if e == "get-property('recipients')"
    ));
    assert_round_trip(&dynamic);
}

#[test]
fn template_endpoints() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="ep1" template="endpoint_template" uri="http://localhost:9000/services/SimpleStockQuoteService">
    <parameter name="suspend_duration" value="1000"/>
    <parameter name="codes" value="101503,101504"/>
</endpoint>"#
    ));
    let EndpointKind::Template(t) = &ep.kind else {
        panic!()
    };
    assert_eq!(t.template, KeyRef::new("endpoint_template"));
    assert_eq!(
        t.uri.as_deref(),
        Some("http://localhost:9000/services/SimpleStockQuoteService")
    );
    assert_eq!(t.parameters.len(), 2);
    let refs: Vec<_> = ep.references().collect();
    assert_eq!(refs[0].kind, ReferenceKind::Template);
    assert_eq!(refs[0].key, "endpoint_template");
    assert_eq!(refs[0].position, Some(Position::new(1, 72)));
    assert_round_trip(&ep);

    // `uri` as a parameter instead of the attribute, as MI allows.
    let by_param = endpoint(&format!(
        r#"<endpoint {NS} template="t"><parameter name="uri" value="http://h/x"/></endpoint>"#
    ));
    assert_round_trip(&by_param);
}

#[test]
fn properties_description_and_on_error() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="p" onError="epErrors">
    <address uri="http://h:80/x"/>
    <property name="VALUE" value="1"/>
    <property name="Header" expression="get-property('h')" scope="transport"/>
    <property name="x" value="y" scope="axis2-client"/>
    <description>The stock quote backend</description>
</endpoint>"#
    ));
    assert_eq!(ep.properties.len(), 3);
    assert_eq!(ep.properties[1].scope, Some(PropertyScope::Transport));
    assert_eq!(
        ep.properties[1].value,
        EndpointPropertyValue::Expression("get-property('h')".into())
    );
    assert_eq!(ep.properties[2].scope, Some(PropertyScope::Axis2Client));
    assert_eq!(ep.description.as_deref(), Some("The stock quote backend"));
    let refs: Vec<_> = ep.references().map(|r| (r.kind, r.key)).collect();
    assert_eq!(refs, [(ReferenceKind::Sequence, "epErrors")]);
    assert_round_trip(&ep);
}

#[test]
fn nested_references_in_document_order() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS}>
  <loadbalance>
    <endpoint key="A"/>
    <endpoint><failover><endpoint key="B"/><endpoint template="T" uri="http://h/"/></failover></endpoint>
    <endpoint onError="S"><address uri="http://h/"><enableSec inboundPolicy="in" outboundPolicy="out"/></address></endpoint>
  </loadbalance>
</endpoint>"#
    ));
    let refs: Vec<_> = ep.references().map(|r| (r.kind, r.key)).collect();
    assert_eq!(
        refs,
        [
            (ReferenceKind::Endpoint, "A"),
            (ReferenceKind::Endpoint, "B"),
            (ReferenceKind::Template, "T"),
            (ReferenceKind::Sequence, "S"),
            (ReferenceKind::Policy, "in"),
            (ReferenceKind::Policy, "out"),
        ]
    );
    assert!(ep.references().all(|r| r.position.is_some()));
    assert_round_trip(&ep);
}

#[test]
fn prefixes_in_scope_compile_expressions() {
    let ep = endpoint(&format!(
        r#"<endpoint {NS} xmlns:m="urn:m"><address uri="http://h/"><timeout><duration>{{//m:timeout}}</duration></timeout></address></endpoint>"#
    ));
    assert_eq!(ep.namespaces.get("m"), Some("urn:m"));
    assert_round_trip(&ep);
}

#[test]
fn suspension_turned_off_with_minus_one() {
    // "Endpoint Error Handling": `-1` as the error codes and zero durations never suspend.
    let ep = endpoint(&format!(
        r#"<endpoint {NS} name="NoSuspendEP">
   <address uri="http://localhost:9000/services/SimpleStockQuoteService">
      <suspendOnFailure>
         <errorCodes>-1</errorCodes>
         <initialDuration>0</initialDuration>
         <progressionFactor>1.0</progressionFactor>
         <maximumDuration>0</maximumDuration>
      </suspendOnFailure>
      <markForSuspension><errorCodes>-1</errorCodes></markForSuspension>
   </address>
</endpoint>"#
    ));
    let settings = ep.settings().expect("leaf");
    let suspend = settings
        .suspend_on_failure
        .as_ref()
        .expect("suspendOnFailure");
    assert_eq!(suspend.error_codes, Some(Dynamic::Value(vec![-1])));
    let mark = settings
        .mark_for_suspension
        .as_ref()
        .expect("markForSuspension");
    assert_eq!(mark.error_codes, Some(Dynamic::Value(vec![-1])));
    assert_round_trip(&ep);
}
