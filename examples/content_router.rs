//! Run with: cargo run -p examples --example content_router
//!
//! A content-based router built in code, the Rust twin of this Synapse sequence:
//!
//! ```xml
//! <sequence name="router">
//!   <property name="country" expression="json-eval($.order.country)"/>
//!   <switch source="get-property('country')">
//!     <case regex="US|CA"><property name="region" value="americas"/></case>
//!     <case regex="DE|FR|NL|IT"><property name="region" value="europe"/></case>
//!     <default>
//!       <payloadFactory media-type="json">
//!         <format>{"error":"no route for country $1"}</format>
//!         <args><arg expression="get-property('country')"/></args>
//!       </payloadFactory>
//!       <property name="HTTP_SC" value="422" scope="axis2"/>
//!       <respond/>
//!     </default>
//!   </switch>
//!   <filter xpath="${payload.order.total > 1000}">
//!     <then><header name="X-Priority" scope="transport" value="high"/></then>
//!   </filter>
//!   <payloadFactory media-type="json">
//!     <format>{"route":{"region":"$1","order":"$2","priority":$3}}</format>
//!     <args>
//!       <arg expression="get-property('region')"/>
//!       <arg expression="json-eval($.order.id)"/>
//!       <arg expression="${payload.order.total > 1000}"/>
//!     </args>
//!   </payloadFactory>
//!   <log level="custom"><property name="routed" expression="get-property('region')"/></log>
//! </sequence>
//! ```

use mediate::core::{Env, Flow, MessageContext, SequenceBuilder};
use mediate::mediators::filter::FilterConfig;
use mediate::mediators::header::HeaderConfig;
use mediate::mediators::log::{LogConfig, LogLevel, LogProperty};
use mediate::mediators::payload_factory::{Arg, PayloadFactoryConfig};
use mediate::mediators::property::PropertyConfig;
use mediate::mediators::simple::Respond;
use mediate::mediators::switch::SwitchConfig;

fn router() -> Result<mediate::core::Sequence, mediate::core::BuildError> {
    let region =
        |name: &str| SequenceBuilder::anonymous().then(PropertyConfig::set_value("region", name));
    SequenceBuilder::named("router")
        .then(PropertyConfig::set_expression(
            "country",
            "json-eval($.order.country)",
        ))
        .then(
            SwitchConfig::new("get-property('country')")
                .case("US|CA", region("americas"))
                .case("DE|FR|NL|IT", region("europe"))
                .default_case(
                    SequenceBuilder::anonymous()
                        .then(
                            PayloadFactoryConfig::json(r#"{"error":"no route for country $1"}"#)
                                .arg(Arg::expression("get-property('country')")),
                        )
                        .then(PropertyConfig::set_value("HTTP_SC", "422").with_scope("axis2"))
                        .then(Respond),
                ),
        )
        .then(
            FilterConfig::expression("${payload.order.total > 1000}").then(
                SequenceBuilder::anonymous()
                    .then(HeaderConfig::transport("X-Priority").value("high")),
            ),
        )
        .then(
            PayloadFactoryConfig::json(r#"{"route":{"region":"$1","order":"$2","priority":$3}}"#)
                .arg(Arg::expression("get-property('region')"))
                .arg(Arg::expression("json-eval($.order.id)"))
                .arg(Arg::expression("${payload.order.total > 1000}")),
        )
        .then(LogConfig {
            level: LogLevel::Custom,
            properties: vec![LogProperty::expression("routed", "get-property('region')")],
            ..LogConfig::default()
        })
        .build()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let router = router()?;
    let env = Env::default();
    let orders = [
        r#"{"order":{"id":"A-1","country":"US","total":1500}}"#,
        r#"{"order":{"id":"B-2","country":"FR","total":80}}"#,
        r#"{"order":{"id":"C-3","country":"JP","total":300}}"#,
    ];
    for order in orders {
        let mut msg = MessageContext::from_json(order);
        let flow = futures::executor::block_on(env.run(&router, &mut msg))?;
        let status = msg
            .axis2_properties()
            .get("HTTP_SC")
            .map(|v| v.as_string())
            .unwrap_or_else(|| "200".into());
        println!(
            "{order}\n  -> {} ({}; HTTP {status}; X-Priority: {})",
            msg.payload_as_text()?,
            if flow == Flow::Stop {
                "responded"
            } else {
                "routed"
            },
            msg.transport_header("X-Priority")
                .unwrap_or_else(|| "-".into()),
        );
    }
    println!("router stats: {:?}", router.stats());
    Ok(())
}
