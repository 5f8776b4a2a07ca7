//! The registry: building mediators from specs, unknown names with suggestions.

use std::sync::Arc;

use mediate_core::{
    BuildError, Env, Flow, MediationError, Mediator, MediatorSpec, MessageContext, Position,
    Registry, mediator_fn,
};

fn registry() -> Registry {
    let mut registry = Registry::new();
    registry
        .register("log", |_: &MediatorSpec| {
            Ok(Arc::new(mediator_fn("log", |_: &mut MessageContext| {
                Ok::<_, MediationError>(Flow::Continue)
            })) as Arc<dyn Mediator>)
        })
        .register("com.acme.Audit", |spec: &MediatorSpec| {
            let level: i32 = spec.parse("level")?.unwrap_or(1);
            Ok(Arc::new(mediator_fn(
                "class:com.acme.Audit",
                move |msg: &mut MessageContext| {
                    msg.set_property("audit.level", level);
                    Ok::<_, MediationError>(Flow::Continue)
                },
            )) as Arc<dyn Mediator>)
        });
    registry
}

#[tokio::test(flavor = "current_thread")]
async fn builds_a_registered_mediator_with_its_properties() {
    let spec = MediatorSpec::new("com.acme.Audit").property("level", "3");
    let audit = registry().build(&spec).unwrap();
    assert_eq!(audit.kind(), "class:com.acme.Audit");
    let mut msg = MessageContext::empty();
    assert_eq!(
        audit.mediate(&mut msg, &Env::default()).await.unwrap(),
        Flow::Continue
    );
    assert_eq!(msg.property("audit.level").unwrap().as_string(), "3");
}

#[test]
fn invalid_property_is_reported() {
    let spec = MediatorSpec::new("com.acme.Audit").property("level", "high");
    let err = registry().build(&spec).unwrap_err();
    match err {
        BuildError::InvalidProperty {
            kind,
            property,
            value,
            ..
        } => {
            assert_eq!(
                (kind.as_str(), property.as_str()),
                ("com.acme.Audit", "level")
            );
            assert_eq!(value, "high");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unknown_name_suggests_the_closest() {
    let err = registry().build(&MediatorSpec::new("lgo")).unwrap_err();
    assert_eq!(
        err,
        BuildError::UnknownMediator {
            kind: "lgo".into(),
            suggestions: vec!["log".into()],
        }
    );
    assert!(err.to_string().contains("did you mean `log`?"));

    let err = registry().build(&MediatorSpec::new("Audit")).unwrap_err();
    assert!(
        matches!(err, BuildError::UnknownMediator { ref suggestions, .. }
        if suggestions == &["com.acme.Audit"])
    );
}

#[test]
fn unknown_name_without_anything_close() {
    let err = registry()
        .build(&MediatorSpec::new("xslt-transformer"))
        .unwrap_err();
    assert!(
        matches!(err, BuildError::UnknownMediator { ref suggestions, .. } if suggestions.is_empty())
    );
    assert!(!err.to_string().contains("did you mean"));
}

#[test]
fn names_are_sorted_and_later_registration_replaces() {
    let mut registry = registry();
    assert_eq!(
        registry.names().collect::<Vec<_>>(),
        ["com.acme.Audit", "log"]
    );
    assert!(registry.contains("log") && !registry.contains("drop"));
    registry.register("log", |_: &MediatorSpec| {
        Ok(Arc::new(mediator_fn("log2", |_: &mut MessageContext| {
            Ok::<_, MediationError>(Flow::Stop)
        })) as Arc<dyn Mediator>)
    });
    assert_eq!(
        registry.build(&MediatorSpec::new("log")).unwrap().kind(),
        "log2"
    );
    assert!(format!("{registry:?}").contains("com.acme.Audit"));
}

#[test]
fn spec_helpers() {
    let spec = MediatorSpec::new("x").property("a", "1").property("a", "2");
    assert_eq!(spec.get("a"), Some("1"));
    assert_eq!(spec.parse::<u8>("a").unwrap(), Some(1));
    assert_eq!(spec.parse::<u8>("b").unwrap(), None);
    assert_eq!(
        spec.require("b").unwrap_err(),
        BuildError::MissingProperty {
            kind: "x".into(),
            property: "b".into(),
        }
    );
}

/// A registry whose `level` factory refuses any `level` but `1`..`5`, and whose `group` holds
/// its children as nested mediators.
fn positional_registry() -> Registry {
    let mut registry = Registry::new();
    registry.register("level", |spec: &MediatorSpec| {
        let level: u8 = spec.parse("level")?.unwrap_or(1);
        if !(1..=5).contains(&level) {
            return Err(spec.invalid("level", level.to_string(), "expected 1 to 5"));
        }
        Ok(Arc::new(mediator_fn("level", |_: &mut MessageContext| {
            Ok::<_, MediationError>(Flow::Continue)
        })) as Arc<dyn Mediator>)
    });
    registry.register_nested("group", |spec: &MediatorSpec, registry: &Registry| {
        let children = registry.build_all(&spec.children)?;
        Ok(Arc::new(mediate_core::Sequence::new(None, children)) as Arc<dyn Mediator>)
    });
    registry
}

#[test]
fn errors_of_specs_read_from_a_file_are_located_at_the_attribute_value() {
    // <group>                      line 1
    //   <level level="9"/>         line 2, the value starts at column 17
    let spec = MediatorSpec::new("group").at(Position::new(1, 1)).child(
        MediatorSpec::new("level")
            .at(Position::new(2, 3))
            .property_at("level", "9", Position::new(2, 17)),
    );
    let err = positional_registry().build(&spec).unwrap_err();
    assert_eq!(err.position(), Some(Position::new(2, 17)));
    assert!(matches!(
        err.without_position(),
        BuildError::InvalidProperty { property, .. } if property == "level"
    ));
    assert_eq!(
        err.to_string(),
        "2:17: mediator `level`: invalid value `9` for property `level`: expected 1 to 5"
    );
}

#[test]
fn an_unknown_element_is_located_at_the_element_and_specs_without_positions_stay_bare() {
    let spec = MediatorSpec::new("group")
        .at(Position::new(1, 1))
        .child(MediatorSpec::new("levle").at(Position::new(4, 5)));
    let err = positional_registry().build(&spec).unwrap_err();
    assert_eq!(err.position(), Some(Position::new(4, 5)));
    assert!(
        err.to_string()
            .starts_with("4:5: unknown mediator `levle`; did you mean `level`?")
    );

    let bare = positional_registry()
        .build(&MediatorSpec::new("level").property("level", "0"))
        .unwrap_err();
    assert_eq!(bare.position(), None);
    assert_eq!(bare.without_position(), &bare);
    // A shifted position points inside an attribute value (an expression's error column).
    assert_eq!(Position::new(2, 17).shifted(4), Position::new(2, 21));
}
