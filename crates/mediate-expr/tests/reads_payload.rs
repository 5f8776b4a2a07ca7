//! `Expression::reads_payload`: whether an expression may read the body, asked of the compiled
//! expression, so that a mediator does not compile the text a second time to find out (Synapse's
//! `isContentAware`, decided once when the mediator is built).

use mediate_expr::synapse::SynapseExpression;
use mediate_expr::{Expression, ExpressionKind};
use mediate_message::MessageContext;
use mediate_xpath::Namespaces;

fn compiled(text: &str) -> Expression {
    Expression::compile(text, &Namespaces::new()).unwrap_or_else(|e| panic!("compile {text}: {e}"))
}

#[test]
fn synapse_expressions_answer_as_their_own_compile_does() {
    for text in [
        "${payload.order.id}",
        "${$.order.id}",
        "${vars.total + 1}",
        "${props.synapse.id}",
        "${headers['Content-Type']}",
        "${xpath('//a')}",
        "${xpath('//a', 'v')}",
        "${length(payload.items) > 0 ? 'some' : vars.none}",
        "${params.queryParams.q}",
        "  ${payload}  ",
    ] {
        let expr = compiled(text);
        let alone = SynapseExpression::compile(text).unwrap().is_content_aware();
        assert_eq!(expr.reads_payload(), alone, "{text}");
        assert_eq!(
            expr.as_synapse().map(SynapseExpression::is_content_aware),
            Some(alone),
            "{text}"
        );
        assert!(expr.as_xpath().is_none());
    }
}

#[test]
fn json_eval_reads_the_payload_unless_it_reads_a_property() {
    assert!(compiled("json-eval($.order.id)").reads_payload());
    assert!(compiled("json-eval($)").reads_payload());
    assert!(!compiled("json-eval($ctx:order.id)").reads_payload());
    assert!(!compiled("json-eval($axis2:order.id)").reads_payload());
    assert!(!compiled("json-eval($trp:order)").reads_payload());
}

#[test]
fn xpath_reads_the_payload_when_it_can_see_a_node() {
    for text in [
        "//order/id",
        "$body/order",
        "$header/a",
        "count(*)",
        "string()",
        "get-property('MESSAGE_FORMAT')",
    ] {
        let expr = compiled(text);
        assert_eq!(expr.kind(), ExpressionKind::XPath);
        assert!(expr.reads_payload(), "{text}");
        assert!(expr.as_xpath().is_some_and(|x| x.reads_payload()));
    }
    for text in [
        "get-property('orderId')",
        "$ctx:orderId",
        "concat($trp:Host, '-', $url:q)",
        "'literal'",
        "1 + 2",
    ] {
        assert!(!compiled(text).reads_payload(), "{text}");
    }
}

#[test]
fn an_xpath_that_reads_no_payload_runs_on_a_payload_that_does_not_parse() {
    // What reads_payload promises: such an expression never looks at the body.
    let mut msg = MessageContext::from_bytes("<broken", "application/xml");
    msg.set_property("orderId", "A-1");
    let expr = compiled("get-property('orderId')");
    assert!(!expr.reads_payload());
    assert_eq!(expr.evaluate_string(&msg).unwrap(), "A-1");
}
