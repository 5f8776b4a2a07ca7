//! [`LocalEntries`]: the configuration's local entries (and registry resources), which
//! `get-property('KEY')` falls back to when the message has no property `KEY`.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use mediate_message::XmlValue;

/// The value of a local entry, as [`LocalEntries::local_entry`] gives it.
///
/// Synapse's `get-property('KEY')` returns the entry's value object as it is: a `String` for a
/// text entry, the `OMElement` of an XML entry. An XML entry is therefore a node-set of that one
/// element (its Synapse string is the element's XML, and `get-property('KEY')/child` walks into
/// it); a text entry is a string.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum LocalEntry<'a> {
    /// A text entry (or any entry the environment keeps only as text).
    Text(&'a str),
    /// An XML entry, whose element the environment keeps parsed (or parses once, on first use,
    /// as [`XmlValue`] does).
    Xml(&'a XmlValue),
}

/// Where an expression finds the deployed configuration's local entries (`<localEntry key>`)
/// and registry resources by key, as Synapse's `MessageContext.getEntry(key)` does.
///
/// `get-property('KEY')` (and `get-property('default', 'KEY')`) reads the message's
/// default-scope property `KEY`, and, when the message has none, the entry `KEY`
/// (wso2-synapse `GetPropertyFunction.evaluate`: `synCtx.getProperty(key)`, else
/// `synCtx.getEntry(key)`). Other scopes, `$ctx:KEY` and `${props.KEY}` read properties only.
///
/// The one method has a default body that knows no entry, so an environment without a
/// configuration implements the trait with an empty `impl`. Maps of text implement it:
///
/// ```
/// use std::collections::HashMap;
///
/// use mediate_expr::xpath::{SynapseXPath, XPathScope};
/// use mediate_message::MessageContext;
/// use mediate_xpath::Namespaces;
///
/// let entries: HashMap<String, String> = [("greeting".to_owned(), "Hello".to_owned())].into();
/// let scope = XPathScope { local_entries: Some(&entries), ..XPathScope::default() };
/// let x = SynapseXPath::compile("get-property('greeting')", &Namespaces::new())?;
/// let msg = MessageContext::from_xml("<a/>");
/// assert_eq!(x.string_value_of_in(&msg, &scope)?, "Hello");
/// // A property of that name comes first.
/// let mut msg = msg;
/// msg.set_property("greeting", "Hi");
/// assert_eq!(x.string_value_of_in(&msg, &scope)?, "Hi");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Entries are `Sync`, so that a scope holding them can live across an `.await` of a `Send`
/// future.
pub trait LocalEntries: Sync {
    /// The entry deployed under `key`, or `None` when there is none (the default).
    fn local_entry(&self, key: &str) -> Option<LocalEntry<'_>> {
        let _ = key;
        None
    }
}

impl<K, V, S> LocalEntries for HashMap<K, V, S>
where
    K: Borrow<str> + Hash + Eq + Sync,
    V: AsRef<str> + Sync,
    S: BuildHasher + Sync,
{
    fn local_entry(&self, key: &str) -> Option<LocalEntry<'_>> {
        self.get(key).map(|v| LocalEntry::Text(v.as_ref()))
    }
}

impl<K, V> LocalEntries for BTreeMap<K, V>
where
    K: Borrow<str> + Ord + Sync,
    V: AsRef<str> + Sync,
{
    fn local_entry(&self, key: &str) -> Option<LocalEntry<'_>> {
        self.get(key).map(|v| LocalEntry::Text(v.as_ref()))
    }
}

impl<T: LocalEntries + ?Sized> LocalEntries for &T {
    fn local_entry(&self, key: &str) -> Option<LocalEntry<'_>> {
        (**self).local_entry(key)
    }
}

/// A scope can be held across an `.await` in a `Send` future (entries are `Sync`).
#[cfg(test)]
const _: () = {
    const fn send<T: Send>() {}
    send::<super::XPathScope<'static>>();
};
