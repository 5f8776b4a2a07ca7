//! `json-eval` paths with Jayway's dialect and result shapes (examples from the Jayway JsonPath
//! README, which the WSO2 MI documentation refers to for `json-eval`).

use mediate_expr::jsonpath::{JsonEvalResult, JsonPath};
use serde_json::{Value, json};

fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95, "tags": ["quotes"]},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99, "tags": ["war", "classic"]},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99, "tags": []},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99, "tags": ["fantasy", "classic"]}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10,
        "first-name": "Ann",
        "order": {"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}], "ids": [3, 1, 3, 2]},
        "a b": {"c": 1}
    })
}

fn eval(path: &str) -> JsonEvalResult {
    JsonPath::compile(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .evaluate(&store())
}

fn value(path: &str) -> Option<Value> {
    eval(path).into_value()
}

fn titles(path: &str) -> Vec<String> {
    match eval(path) {
        JsonEvalResult::Indefinite(vs) => vs
            .iter()
            .map(|b| b["title"].as_str().unwrap_or_default().to_owned())
            .collect(),
        other => panic!("{path}: expected an indefinite result, got {other:?}"),
    }
}

#[test]
fn definite_paths_give_the_value() {
    for (path, want) in [
        ("$.order.items[0].sku", json!("A1")),
        ("$['a b'].c", json!(1)),
        ("$['a b']['c']", json!(1)),
        ("$.store.book[-1].author", json!("J. R. R. Tolkien")),
        ("$.first-name", json!("Ann")),
        ("order.items[1].qty", json!(1)),
        ("$.order", store()["order"].clone()),
        ("$", store()),
    ] {
        let p = JsonPath::compile(path).unwrap();
        assert!(p.is_definite(), "{path}");
        assert_eq!(
            p.evaluate(&store()),
            JsonEvalResult::Definite(Some(want)),
            "{path}"
        );
    }
}

#[test]
fn definite_paths_give_nothing_when_missing() {
    for path in [
        "$.nope",
        "$.order.items[5].sku",
        "$.order.items.sku",
        "$.expensive.x",
        "nope.x",
    ] {
        assert_eq!(eval(path), JsonEvalResult::Definite(None), "{path}");
        assert_eq!(eval(path).to_display_string(), "");
        assert_eq!(eval(path).into_value(), None);
    }
}

#[test]
fn indefinite_paths_give_arrays() {
    assert_eq!(
        value("$.store.book[*].author"),
        Some(json!([
            "Nigel Rees",
            "Evelyn Waugh",
            "Herman Melville",
            "J. R. R. Tolkien"
        ]))
    );
    assert_eq!(value("$..author"), value("$.store.book[*].author"));
    assert_eq!(
        value("$.store..price"),
        Some(json!([8.95, 12.99, 8.99, 22.99, 19.95]))
    );
    assert_eq!(titles("$..book[2]"), ["Moby Dick"]);
    assert_eq!(titles("$..book[-2]"), ["Moby Dick"]);
    assert_eq!(
        titles("$..book[0,1]"),
        ["Sayings of the Century", "Sword of Honour"]
    );
    assert_eq!(
        titles("$..book[:2]"),
        ["Sayings of the Century", "Sword of Honour"]
    );
    assert_eq!(
        titles("$..book[-2:]"),
        ["Moby Dick", "The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.isbn)]"),
        ["Moby Dick", "The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.price<10)]"),
        ["Sayings of the Century", "Moby Dick"]
    );
    assert_eq!(
        titles("$.store.book[?(@.price < 10)]"),
        ["Sayings of the Century", "Moby Dick"]
    );
    assert_eq!(
        titles("$..book[?(@.price <= $['expensive'])]"),
        ["Sayings of the Century", "Moby Dick"]
    );
    assert_eq!(
        value("$.store.*").map(|v| v.as_array().map(Vec::len)),
        Some(Some(2))
    );
    // nothing matched: an empty array, shown as []
    assert_eq!(eval("$..nope"), JsonEvalResult::Indefinite(vec![]));
    assert_eq!(
        eval("$.store.book[?(@.price > 100)]").to_display_string(),
        "[]"
    );
    assert!(!JsonPath::compile("$.a[0:1]").unwrap().is_definite());
    assert!(!JsonPath::compile("$.a[0,1]").unwrap().is_definite());
    assert!(!JsonPath::compile("$['a','b']").unwrap().is_definite());
}

#[test]
fn display_strings() {
    assert_eq!(eval("$.store.bicycle.color").to_display_string(), "red");
    assert_eq!(eval("$.expensive").to_display_string(), "10");
    assert_eq!(
        eval("$.store.bicycle").to_display_string(),
        r#"{"color":"red","price":19.95}"#
    );
    assert_eq!(
        eval("$.order.items[*].sku").to_display_string(),
        r#"["A1","B2"]"#
    );
}

#[test]
fn regex_filters_match_the_whole_string() {
    assert_eq!(
        titles("$..book[?(@.author =~ /.*REES/i)]"),
        ["Sayings of the Century"]
    );
    // Java Matcher.matches(): the whole string must match
    assert!(titles("$..book[?(@.author =~ /REES/i)]").is_empty());
    assert!(titles("$..book[?(@.author =~ /.*REES/)]").is_empty());
    assert_eq!(titles("$..book[?(@.isbn =~ /0-553-.*/)]"), ["Moby Dick"]);
    // numbers are matched as their text; arrays match when an element does
    assert_eq!(
        titles("$..book[?(@.price =~ /8\\..*/)]"),
        ["Sayings of the Century", "Moby Dick"]
    );
    assert_eq!(
        titles("$..book[?(@.tags =~ /fan.*/)]"),
        ["The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.title =~ /sword.*honour/i && @.price > 10)]"),
        ["Sword of Honour"]
    );
    // an escaped slash inside the literal
    let doc = json!([{"p": "a/b"}, {"p": "ab"}]);
    let p = JsonPath::compile(r"$[?(@.p =~ /a\/b/)]").unwrap();
    assert_eq!(p.evaluate(&doc).into_value(), Some(json!([{"p": "a/b"}])));
}

#[test]
fn jayway_filter_operators() {
    assert_eq!(
        titles("$..book[?(@.category in ['reference', 'poetry'])]"),
        ["Sayings of the Century"]
    );
    assert_eq!(
        titles("$..book[?(@.category nin ['reference'])]"),
        ["Sword of Honour", "Moby Dick", "The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.tags subsetof ['war', 'classic', 'quotes'])]"),
        ["Sayings of the Century", "Sword of Honour", "Moby Dick"]
    );
    assert_eq!(
        titles("$..book[?(@.tags anyof ['classic'])]"),
        ["Sword of Honour", "The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.tags noneof ['classic', 'quotes'])]"),
        ["Moby Dick"]
    );
    assert_eq!(
        titles("$..book[?(@.tags size 2)]"),
        ["Sword of Honour", "The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.author size 10)]"),
        ["Nigel Rees"].map(|_| "Sayings of the Century")
    );
    assert_eq!(titles("$..book[?(@.tags empty true)]"), ["Moby Dick"]);
    assert_eq!(titles("$..book[?(@.tags empty false)]").len(), 3);
    assert_eq!(
        titles("$..book[?(@.tags contains 'war')]"),
        ["Sword of Honour"]
    );
    assert_eq!(titles("$..book[?(@.author contains 'Mel')]"), ["Moby Dick"]);
    assert_eq!(
        titles("$..book[?(@.tags all ['classic', 'war'])]"),
        ["Sword of Honour"]
    );
    // type-safe equality and Jayway's number/string equality
    assert_eq!(
        titles("$..book[?(@.price === 8.95 || @.isbn === 5)]"),
        ["Sayings of the Century"]
    );
    let doc = json!([{"id": 7}, {"id": "7"}, {"id": 8}]);
    let p = JsonPath::compile("$[?(@.id == '7' || @.id =~ /x/)]").unwrap();
    assert_eq!(
        p.evaluate(&doc).into_value(),
        Some(json!([{"id": 7}, {"id": "7"}]))
    );
    let p = JsonPath::compile("$[?(@.id === '7' || @.id =~ /x/)]").unwrap();
    assert_eq!(p.evaluate(&doc).into_value(), Some(json!([{"id": "7"}])));
    // the RFC filter (no Jayway operator) keeps RFC semantics: no string/number conversion
    let p = JsonPath::compile("$[?(@.id == '7')]").unwrap();
    assert_eq!(p.evaluate(&doc).into_value(), Some(json!([{"id": "7"}])));
    // negation, grouping, function on an operand path, `$` in a Jayway filter
    assert_eq!(
        titles("$..book[?(!(@.tags size 0) && @.tags.length() > 1)]"),
        ["Sword of Honour", "The Lord of the Rings"]
    );
    assert_eq!(
        titles("$..book[?(@.price > $.expensive && @.category in ['fiction'])]"),
        ["Sword of Honour", "The Lord of the Rings"]
    );
    // in with a list from the document
    let doc = json!({"allowed": ["b"], "xs": [{"k": "a"}, {"k": "b"}]});
    let p = JsonPath::compile("$.xs[?(@.k in $.allowed)]").unwrap();
    assert_eq!(p.evaluate(&doc).into_value(), Some(json!([{"k": "b"}])));
}

#[test]
fn path_functions() {
    let d = |p: &str| {
        let jp = JsonPath::compile(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(jp.is_definite(), "{p}");
        jp.evaluate(&store())
    };
    let v = |p: &str| d(p).into_value();
    assert_eq!(v("$.store.book.length()"), Some(json!(4)));
    assert_eq!(v("$.store.book.size()"), Some(json!(4)));
    assert_eq!(v("$.store.bicycle.length()"), Some(json!(2)));
    assert_eq!(
        v("$.first-name.length()"),
        None,
        "Jayway: length() of a string is null"
    );
    assert_eq!(
        v("$..book.length()"),
        Some(json!(4)),
        "Jayway README: the number of books"
    );
    assert_eq!(v("$.order.ids.min()"), Some(json!(1.0)));
    assert_eq!(v("$.order.ids.max()"), Some(json!(3.0)));
    assert_eq!(v("$.order.ids.sum()"), Some(json!(9.0)));
    assert_eq!(d("$.order.ids.sum()").to_display_string(), "9.0");
    assert_eq!(v("$.order.ids.avg()"), Some(json!(2.25)));
    let sd = v("$.order.ids.stddev()").and_then(|v| v.as_f64()).unwrap();
    assert!((sd - 0.829_156_197_588_85).abs() < 1e-12);
    let total = v("$..price.sum()").and_then(|v| v.as_f64()).unwrap();
    assert!((total - 73.87).abs() < 1e-9);
    assert_eq!(v("$.store.book[*].price.max()"), Some(json!(22.99)));
    assert_eq!(v("$.order.ids.sum(10)"), Some(json!(19.0)));
    assert_eq!(v("$.store.bicycle.keys()"), Some(json!(["color", "price"])));
    assert_eq!(v("$.order.ids.first()"), Some(json!(3)));
    assert_eq!(v("$.order.ids.last()"), Some(json!(2)));
    assert_eq!(v("$.order.ids.index(1)"), Some(json!(1)));
    assert_eq!(v("$.order.ids.index(-2)"), Some(json!(3)));
    assert_eq!(v("$.order.ids.distinct()"), Some(json!([3, 1, 2])));
    assert_eq!(
        v("$.store.book[*].author.concat()"),
        Some(json!(
            "Nigel ReesEvelyn WaughHerman MelvilleJ. R. R. Tolkien"
        ))
    );
    assert_eq!(
        v("$.first-name.concat(\"-\", 'x', $.expensive)"),
        Some(json!("-x10"))
    );
    assert_eq!(
        v("$.order.ids.append(4, \"x\")"),
        Some(json!([3, 1, 3, 2, 4, "x"]))
    );
    assert_eq!(v("$.length()"), Some(json!(5)));
    assert_eq!(v("$.nope.length()"), None);
    // failures: Jayway throws; evaluate() gives nothing, try_evaluate() the error
    let p = JsonPath::compile("$.store.bicycle.color.min()").unwrap();
    assert_eq!(p.evaluate(&store()), JsonEvalResult::Definite(None));
    assert!(p.try_evaluate(&store()).is_err());
    let p = JsonPath::compile("$.order.ids.index(9)").unwrap();
    assert!(
        p.try_evaluate(&store())
            .unwrap_err()
            .to_string()
            .contains("index")
    );
}

#[test]
fn compile_errors_have_columns() {
    for (path, column) in [
        ("$.a b", 4),
        ("$.a[", 4),
        ("$.a.", 4),
        ("$..", 3),
        ("$.a.nope()", 5),
        ("$.a.length().b", 13),
        ("$[?(@.a =~ /x)]", 2),
        ("$[?(@.a in)]", 11),
        ("$[?(@.a ~~ 1)]", 9),
        ("$[?(@.* == 1)]", 5),
        ("$[?('x')]", 5),
        ("$[01]", 2),
        ("", 1),
    ] {
        let e = JsonPath::compile(path).expect_err(path);
        assert_eq!(e.column, column, "{path}: {e}");
    }
}

#[test]
fn root_token_forms() {
    let doc = store();
    for path in [
        "store.bicycle.color",
        "@.store.bicycle.color",
        "  $.store.bicycle.color  ",
    ] {
        assert_eq!(
            JsonPath::compile(path).unwrap().evaluate(&doc).into_value(),
            Some(json!("red")),
            "{path}"
        );
    }
    assert_eq!(
        JsonPath::compile("$.store.bicycle.color")
            .unwrap()
            .to_string(),
        "$.store.bicycle.color"
    );
}

#[test]
fn rfc_and_jayway_parts_mix() {
    let doc = json!({
        "x-y": [{"a": 1, "k": "ab"}, {"a": 5, "k": "b", "sub": [{"k": "ac"}]}],
        "lim": 2
    });
    let v = |p: &str| {
        JsonPath::compile(p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .evaluate(&doc)
            .into_value()
    };
    // a Jayway-only name, then an RFC filter (evaluated by serde_json_path)
    assert_eq!(v("$.x-y[?(@.a > 1)].k"), Some(json!(["b"])));
    // an RFC filter mentioning the root inside a Jayway path: `$` is still the document
    assert_eq!(v("$.x-y[?(@.a > $.lim)].k"), Some(json!(["b"])));
    // a descendant Jayway filter
    assert_eq!(v("$..[?(@.k =~ /a.*/)].k"), Some(json!(["ab", "ac"])));
    // then a function over the indefinite result
    assert_eq!(v("$.x-y[*].a.sum()"), Some(json!(6.0)));
    assert_eq!(v("$.x-y[?(@.k =~ /.*b/)].length()"), Some(json!(2)));
}
