//! One pass over a plain-XML payload for the value of a simple location path, without building
//! a tree.
//!
//! Content-based routing mostly asks one question of a payload: the text of one element
//! (`<switch source="//order/type">`, `<filter xpath="/soapenv:Envelope/soapenv:Body/order/id">`).
//! Building the implicit envelope's tree for it costs about 90 instructions per byte with
//! roxmltree, most of the routing's cost; this scanner answers the question in one pass over
//! the bytes at a fraction of that.
//!
//! **It answers only when it is sure**, and gives up ([`None`]) otherwise; the caller then builds
//! the envelope as before, which gives the same answer or the error. "Sure" means:
//!
//! - the payload is plain XML (not a SOAP envelope: the implicit envelope is the document),
//!   UTF-8, without a DTD, processing instructions, `soapenv:` prefixes, carriage returns,
//!   non-ASCII names, or entity references in attribute values;
//! - the whole payload is well-formed as far as roxmltree would check it: tags nest and match,
//!   names are well-formed, attributes are quoted, unique and separated, prefixes are bound,
//!   text holds only XML characters and the five predefined entities or character references,
//!   comments hold no `--`. MI builds the whole document for such an XPath (Jaxen walks every
//!   node for `//`), so a malformed payload must fail even when the element asked for comes
//!   before the flaw: the scan always reads to the end;
//! - the path selects at most one element, and that element has text of its own that is not
//!   blank. Anything else (several nodes, an element whose own text is blank, which Synapse
//!   serialises) is left to the tree.
//!
//! Only paths of child (`/`) and descendant (`//`) steps with name tests are taken
//! ([`SimplePath::parse`]); they are matched as the elements open, with one bit per step, so
//! the scan keeps nothing but the stack of open elements and their namespace declarations.
//!
//! Why hand-written: no XML crate answers "is this well-formed" without building something (a
//! tree, or events with their own allocations and checks quick-xml does not make, such as
//! duplicate attributes or unbound prefixes), and the equivalence with the tree is what
//! matters here; the property tests in `mediate-expr` hold the two paths to the same answers.

use crate::xml::{MAX_XML_DEPTH, scan_prolog, xml_declaration_len};
use crate::{MessageContext, PayloadKind, SOAP11_NS, SoapVersion};

/// The most steps a [`SimplePath`] may have (one bit each in the scanner's state).
const MAX_STEPS: usize = 30;

/// The largest payload scanned: below this no payload can exceed
/// [`MAX_XML_NODES`](crate::MAX_XML_NODES) (a node takes at least two bytes), so the tree's
/// node limit never has to be reproduced here.
const MAX_SCAN_BYTES: usize = 2 * 1024 * 1024;

/// The most attributes one start tag may have in the scan (more: the tree decides).
const MAX_ATTRIBUTES: usize = 32;

/// What a byte is to the scanner: a name's first character, a later name character, a
/// colon, a non-ASCII byte, or other; [`TEXT_STOP`] is set on bytes that end a run of plain
/// text.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() || b == b'_' {
            NAME_START
        } else if b.is_ascii_digit() || b == b'-' || b == b'.' {
            NAME_CHAR
        } else if b == b':' {
            COLON
        } else if b >= 0x80 {
            NON_ASCII
        } else {
            OTHER
        };
        if b < 0x20 || b == b'<' || b == b'&' || b == b']' || b == 0xEF {
            t[c] |= TEXT_STOP;
        }
        c += 1;
    }
    t
};
/// Whether a byte is an ASCII name character ([`NAME_START`] or [`NAME_CHAR`]).
static NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let class = BYTE_CLASS[c] & !TEXT_STOP;
        t[c] = class == NAME_START || class == NAME_CHAR;
        c += 1;
    }
    t
};
const OTHER: u8 = 0;
const NAME_START: u8 = 1;
const NAME_CHAR: u8 = 2;
const COLON: u8 = 3;
const NON_ASCII: u8 = 4;
const TEXT_STOP: u8 = 0x80;

/// One step of a [`SimplePath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStep {
    /// `//name` (descendant-or-self, then child) rather than `/name`.
    pub descendant: bool,
    /// The namespace of the name test (`None`: no namespace, an unprefixed XPath name).
    pub namespace: Option<String>,
    /// The local name.
    pub local: String,
}

/// An absolute XPath location path of child and descendant steps with name tests only
/// (`//order/type`, `/soapenv:Envelope/soapenv:Body/order`, `//p:order//p:id`), the paths
/// [`MessageContext::scan_xml_path`] can answer without building the payload's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimplePath {
    steps: Vec<PathStep>,
}

impl SimplePath {
    /// Reads `expr` as a simple path, resolving prefixes with `namespace` (`None` for an
    /// unbound prefix); `$body/…` starts at the implicit envelope's body. `None` when `expr`
    /// is anything else: a relative path, a predicate,
    /// a wildcard, an axis, a function, white space, or more than 30 steps.
    ///
    /// ```
    /// use mediate_message::SimplePath;
    ///
    /// let path = SimplePath::parse("//order/p:type", |p| (p == "p").then(|| "urn:p".to_owned()));
    /// assert_eq!(path.unwrap().steps().len(), 2);
    /// assert!(SimplePath::parse("//order[1]/type", |_| None).is_none());
    /// assert!(SimplePath::parse("order/type", |_| None).is_none());
    /// ```
    pub fn parse(expr: &str, namespace: impl Fn(&str) -> Option<String>) -> Option<SimplePath> {
        let mut rest = expr.as_bytes();
        let mut steps = Vec::new();
        // Synapse's `$body` is the envelope's body: for the implicit envelope of a plain-XML
        // payload, `/soapenv:Envelope/soapenv:Body`.
        if let Some(tail) = rest.strip_prefix(b"$body")
            && tail.starts_with(b"/")
        {
            for local in ["Envelope", "Body"] {
                steps.push(PathStep {
                    descendant: false,
                    namespace: Some(SOAP11_NS.to_owned()),
                    local: local.to_owned(),
                });
            }
            rest = tail;
        }
        while !rest.is_empty() {
            let descendant = if rest.starts_with(b"//") {
                rest = &rest[2..];
                true
            } else if rest.starts_with(b"/") {
                rest = &rest[1..];
                false
            } else {
                return None;
            };
            let end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            let (name, tail) = rest.split_at(end);
            let (prefix, local) = split_qname(name)?;
            let namespace = match prefix {
                Some(p) => Some(namespace(std::str::from_utf8(p).ok()?)?),
                None => None,
            };
            steps.push(PathStep {
                descendant,
                namespace,
                local: String::from_utf8(local.to_vec()).ok()?,
            });
            rest = tail;
        }
        (!steps.is_empty() && steps.len() <= MAX_STEPS).then_some(SimplePath { steps })
    }

    /// The steps, first to last.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// The bit of the last step: an element whose state has it is selected.
    fn accept(&self) -> u32 {
        1 << self.steps.len()
    }

    /// The states of an element named `(namespace, local)` whose parent passes `parent`
    /// down: (its own states, the states it passes to its children).
    fn step(&self, parent: u32, namespace: Option<&[u8]>, local: &[u8]) -> (u32, u32) {
        let mut own = 0;
        let mut down = 0;
        for (i, step) in self.steps.iter().enumerate() {
            if parent & (1 << i) == 0 {
                continue;
            }
            if step.descendant {
                down |= 1 << i;
            }
            if step.local.as_bytes() == local
                && step.namespace.as_deref().map(str::as_bytes) == namespace
            {
                own |= 1 << (i + 1);
            }
        }
        (own, down | own)
    }
}

/// What a scan found: the string Synapse's `stringValueOf` gives for the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathValue {
    /// The path selects no element.
    NoMatch,
    /// The path selects one element; its own text, trimmed as Synapse trims it (no-break
    /// spaces made spaces, then `String.trim`). Never empty.
    Text(String),
}

impl MessageContext {
    /// The value of `path` over this message's implicit envelope, read from the payload's
    /// bytes in one pass without building its tree (see the [module](self) documentation), or
    /// `None` when the scan cannot be sure of it — then build the envelope
    /// ([`envelope`](Self::envelope)) and evaluate there.
    ///
    /// Only the first reader of a plain-XML payload scans it: a second scan of the same bytes
    /// would cost more than the tree it avoids, so later readers get `None` and build the
    /// tree, which every reader after them shares.
    ///
    /// ```
    /// use mediate_message::{MessageContext, PathValue, SimplePath};
    ///
    /// let msg = MessageContext::from_xml("<order><type> gold </type></order>");
    /// let path = SimplePath::parse("//order/type", |_| None).unwrap();
    /// assert_eq!(msg.scan_xml_path(&path), Some(PathValue::Text("gold".into())));
    /// assert_eq!(msg.scan_xml_path(&path), None); // the second reader builds the tree
    /// ```
    pub fn scan_xml_path(&self, path: &SimplePath) -> Option<PathValue> {
        if self.payload_kind() != PayloadKind::Xml
            || self.envelope_if_parsed().is_some()
            || self.xml_if_parsed().is_some()
            || self.payload().len() > MAX_SCAN_BYTES
            || !self.claim_xml_scan()
        {
            return None;
        }
        scan_pox(self.payload(), path)
    }
}

/// The value of `path` over the implicit envelope of the plain-XML `payload` (see the
/// [module](self) documentation); `None` when the scan is not sure.
pub fn scan_pox(payload: &[u8], path: &SimplePath) -> Option<PathValue> {
    let text = std::str::from_utf8(payload).ok()?;
    // A SOAP envelope is its own document, not a payload of the implicit one.
    let prolog = scan_prolog(text);
    if prolog.has_doctype
        || (prolog.root_name.rsplit(':').next() == Some("Envelope")
            && prolog
                .root_ns
                .and_then(SoapVersion::from_namespace)
                .is_some())
    {
        return None;
    }
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let start = if text.starts_with("<?xml") {
        xml_declaration_len(text)?
    } else {
        0
    };
    let body = &text[start..];
    // A payload using the implicit envelope's prefix is parsed on its own first (see
    // `Envelope::from_pox`); leave that to the tree.
    if body.contains("soapenv:") || body.len() > MAX_SCAN_BYTES {
        return None;
    }
    Scanner::new(body.as_bytes(), path).run()
}

/// A qualified name read from the input: its range, and its colon's position if it has one.
#[derive(Clone, Copy)]
struct Name {
    from: usize,
    to: usize,
    colon: Option<usize>,
}

/// An open element of the payload.
struct Open {
    /// Its qualified name.
    name: Name,
    /// The namespace declarations in scope before it (length of `Scanner::bindings`).
    bindings: usize,
    /// The states it passes to its children.
    down: u32,
}

/// A namespace declaration in scope: prefix (`None`: the default namespace) and URI, as
/// ranges of the input (an empty URI undeclares the default namespace).
#[derive(Clone, Copy)]
struct Binding {
    prefix: Option<(usize, usize)>,
    uri: (usize, usize),
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    path: &'a SimplePath,
    open: Vec<Open>,
    bindings: Vec<Binding>,
    /// The depth (length of `open`) of the selected element while it is open.
    selected: Option<usize>,
    matches: u32,
    /// The selected element's own text so far.
    own: String,
    /// The states the virtual `soapenv:Body` passes to the payload's top level.
    body_down: u32,
    /// Whether the document element has been read.
    rooted: bool,
    /// The attributes of the start tag being read (kept to reuse its allocation).
    attributes: Vec<Name>,
}

impl<'a> Scanner<'a> {
    fn new(b: &'a [u8], path: &'a SimplePath) -> Self {
        // The implicit envelope's two elements, as the tree has them.
        let soap = Some(SOAP11_NS.as_bytes());
        let (env_own, env_down) = path.step(1, soap, b"Envelope");
        let (body_own, body_down) = path.step(env_down, soap, b"Body");
        let accept = path.accept();
        let mut matches = 0;
        if env_own & accept != 0 {
            matches += 1;
        }
        if body_own & accept != 0 {
            matches += 1;
        }
        Scanner {
            b,
            i: 0,
            path,
            open: Vec::with_capacity(16),
            bindings: Vec::new(),
            selected: None,
            matches,
            own: String::new(),
            body_down,
            rooted: false,
            attributes: Vec::new(),
        }
    }

    fn run(mut self) -> Option<PathValue> {
        // The envelope or its body selected: neither has text of its own (a payload has no
        // text around its document element), so Synapse serialises them.
        if self.matches > 0 {
            return None;
        }
        while self.i < self.b.len() {
            if self.b[self.i] == b'<' {
                self.markup()?;
            } else {
                self.text()?;
            }
        }
        // Exactly one document element, closed.
        if !self.open.is_empty() || !self.rooted {
            return None;
        }
        match self.matches {
            0 => Some(PathValue::NoMatch),
            1 => {
                let own = self.own.replace('\u{a0}', " ");
                let trimmed = own.trim_matches(|c: char| c <= ' ');
                (!trimmed.is_empty()).then(|| PathValue::Text(trimmed.to_owned()))
            }
            _ => None,
        }
    }

    /// Whether text at the current depth is the selected element's own text.
    fn collecting(&self) -> bool {
        self.selected == Some(self.open.len())
    }

    /// Character data up to the next `<` (or the end).
    fn text(&mut self) -> Option<()> {
        if self.open.is_empty() {
            // Around the document element: XML white space only, as written.
            let len = self.b[self.i..]
                .iter()
                .position(|&c| !matches!(c, b' ' | b'\t' | b'\n'))
                .unwrap_or(self.b.len() - self.i);
            self.i += len;
            return (self.b.get(self.i).is_none_or(|&c| c == b'<')).then_some(());
        }
        let collect = self.collecting();
        let mut run = self.i;
        loop {
            // Plain text runs to the next byte that needs a look.
            let plain = self.b[self.i..]
                .iter()
                .position(|&c| BYTE_CLASS[usize::from(c)] & TEXT_STOP != 0)
                .unwrap_or(self.b.len() - self.i);
            self.i += plain;
            let Some(&c) = self.b.get(self.i) else { break };
            match c {
                b'<' => break,
                b'&' => {
                    if collect {
                        self.own.push_str(self.slice(run, self.i));
                    }
                    let ch = self.reference()?;
                    if collect {
                        self.own.push(ch);
                    }
                    run = self.i;
                    continue;
                }
                b']' if self.b[self.i..].starts_with(b"]]>") => return None,
                b'\t' | b'\n' | b']' => {}
                0xEF if !self.noncharacter() => {}
                _ => return None,
            }
            self.i += 1;
        }
        if collect {
            self.own.push_str(self.slice(run, self.i));
        }
        Some(())
    }

    /// `&…;` at `self.i`: the character it stands for (the five predefined entities and
    /// character references; anything else is the tree's to report).
    fn reference(&mut self) -> Option<char> {
        let rest = &self.b[self.i + 1..];
        let end = rest.iter().take(12).position(|&b| b == b';')?;
        let name = &rest[..end];
        let ch = match name {
            b"lt" => '<',
            b"gt" => '>',
            b"amp" => '&',
            b"apos" => '\'',
            b"quot" => '"',
            [b'#', b'x', hex @ ..] if !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit) => {
                char_ref(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)?
            }
            [b'#', dec @ ..] if !dec.is_empty() && dec.iter().all(u8::is_ascii_digit) => {
                char_ref(std::str::from_utf8(dec).ok()?.parse().ok()?)?
            }
            _ => return None,
        };
        self.i += end + 2;
        Some(ch)
    }

    /// U+FFFE or U+FFFF at `self.i` (a 0xEF byte): not XML characters.
    fn noncharacter(&self) -> bool {
        matches!(
            self.b.get(self.i + 1..self.i + 3),
            Some([0xBF, 0xBE | 0xBF])
        )
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        // The input is UTF-8 and every boundary used here is an ASCII byte.
        std::str::from_utf8(&self.b[from..to]).unwrap_or_default()
    }

    /// Markup at `self.i` (a `<`).
    fn markup(&mut self) -> Option<()> {
        let rest = &self.b[self.i..];
        if rest.starts_with(b"<!--") {
            self.comment()
        } else if rest.starts_with(b"<![CDATA[") {
            self.cdata()
        } else if rest.starts_with(b"</") {
            self.end_tag()
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            None
        } else {
            self.start_tag()
        }
    }

    fn comment(&mut self) -> Option<()> {
        let from = self.i + 4;
        let rel = find(&self.b[from..], b"--")?;
        // The first `--` must close the comment.
        if self.b.get(from + rel + 2) != Some(&b'>') {
            return None;
        }
        self.check_chars(from, from + rel)?;
        self.i = from + rel + 3;
        Some(())
    }

    fn cdata(&mut self) -> Option<()> {
        if self.open.is_empty() {
            return None;
        }
        let from = self.i + 9;
        let rel = find(&self.b[from..], b"]]>")?;
        self.check_chars(from, from + rel)?;
        if self.collecting() {
            self.own.push_str(self.slice(from, from + rel));
        }
        self.i = from + rel + 3;
        Some(())
    }

    /// Only XML characters (no control characters but tab and line feed; no carriage
    /// return, which the tree would normalise) in `from..to`.
    fn check_chars(&self, from: usize, to: usize) -> Option<()> {
        for j in from..to {
            match self.b[j] {
                b'\t' | b'\n' => {}
                0..=0x1f => return None,
                0xEF if matches!(self.b.get(j + 1..j + 3), Some([0xBF, 0xBE | 0xBF])) => {
                    return None;
                }
                _ => {}
            }
        }
        Some(())
    }

    /// A qualified name at `self.i`: its range and the position of its colon, if any (both
    /// parts ASCII NCNames).
    fn qname(&mut self) -> Option<Name> {
        let b = self.b;
        let class = |j: usize| b.get(j).map(|&c| BYTE_CLASS[usize::from(c)] & !TEXT_STOP);
        // A part: a name-start character, then name characters (the common case: one table
        // look-up per byte).
        let part = |j: usize| -> Option<usize> {
            if class(j) != Some(NAME_START) {
                return None;
            }
            let rest = &b[j + 1..];
            let len = rest
                .iter()
                .position(|&c| !NAME_BYTE[usize::from(c)])
                .unwrap_or(rest.len());
            Some(j + 1 + len)
        };
        let from = self.i;
        let mut j = part(from)?;
        let mut colon = None;
        if class(j) == Some(COLON) {
            colon = Some(j);
            j = part(j + 1)?;
        }
        // A second colon, or a non-ASCII name character, is the tree's to judge.
        if matches!(class(j), Some(COLON | NON_ASCII)) {
            return None;
        }
        self.i = j;
        Some(Name { from, to: j, colon })
    }

    fn bytes(&self, name: Name) -> &'a [u8] {
        &self.b[name.from..name.to]
    }

    fn prefix(&self, name: Name) -> Option<&'a [u8]> {
        name.colon.map(|c| &self.b[name.from..c])
    }

    fn local(&self, name: Name) -> &'a [u8] {
        &self.b[name.colon.map_or(name.from, |c| c + 1)..name.to]
    }

    fn skip_space(&mut self) -> bool {
        let from = self.i;
        while self
            .b
            .get(self.i)
            .is_some_and(|&c| matches!(c, b' ' | b'\t' | b'\n'))
        {
            self.i += 1;
        }
        self.i > from
    }

    fn end_tag(&mut self) -> Option<()> {
        self.i += 2;
        let name = self.qname()?;
        self.skip_space();
        if self.b.get(self.i) != Some(&b'>') {
            return None;
        }
        self.i += 1;
        let open = self.open.pop()?;
        if self.bytes(open.name) != self.bytes(name) {
            return None;
        }
        self.bindings.truncate(open.bindings);
        if self.selected == Some(self.open.len() + 1) {
            self.selected = None;
        }
        Some(())
    }

    fn start_tag(&mut self) -> Option<()> {
        self.i += 1;
        let name = self.qname()?;
        let bindings = self.bindings.len();
        let mut attributes = std::mem::take(&mut self.attributes);
        attributes.clear();
        let empty = self.attributes_of(&mut attributes);
        let checked = empty.and_then(|empty| {
            self.check_attributes(&attributes)?;
            Some(empty)
        });
        self.attributes = attributes;
        let empty = checked?;
        // The element's prefix must be bound.
        let (prefix, local) = (self.prefix(name), self.local(name));
        if local == b"xmlns" && prefix.is_none() {
            return None;
        }
        let namespace = self.element_namespace(prefix)?;
        if self.open.len() + 3 > MAX_XML_DEPTH {
            return None;
        }
        if self.open.is_empty() {
            if self.rooted {
                return None;
            }
            self.rooted = true;
        }
        let parent = self.open.last().map_or(self.body_down, |o| o.down);
        let ns = namespace.map(|(f, t)| &self.b[f..t]);
        let (own, down) = self.path.step(parent, ns, local);
        let selected = own & self.path.accept() != 0;
        if selected {
            self.matches += 1;
            if self.matches > 1 {
                return None;
            }
        }
        if empty {
            self.bindings.truncate(bindings);
        } else {
            self.open.push(Open {
                name,
                bindings,
                down,
            });
            if selected {
                self.selected = Some(self.open.len());
            }
        }
        Some(())
    }

    /// The attributes of the start tag being read, up to its `>` (`Some(false)`) or `/>`
    /// (`Some(true)`); namespace declarations are recorded as they come.
    fn attributes_of(&mut self, attributes: &mut Vec<Name>) -> Option<bool> {
        loop {
            let spaced = self.skip_space();
            match self.b.get(self.i) {
                Some(b'>') => {
                    self.i += 1;
                    return Some(false);
                }
                Some(b'/') if self.b.get(self.i + 1) == Some(&b'>') => {
                    self.i += 2;
                    return Some(true);
                }
                Some(_) if spaced => {}
                _ => return None,
            }
            let attr = self.qname()?;
            self.skip_space();
            if self.b.get(self.i) != Some(&b'=') {
                return None;
            }
            self.i += 1;
            self.skip_space();
            let quote = *self.b.get(self.i)?;
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            let from = self.i + 1;
            let len = self.b[from..].iter().position(|&c| c == quote)?;
            // `<` is an error, and references and white space other than spaces would make
            // the value (a namespace, say) differ from its bytes: the tree's to read.
            if self.b[from..from + len]
                .iter()
                .any(|&c| c == b'<' || c == b'&' || c < 0x20)
                || self.check_chars(from, from + len).is_none()
                || attributes.len() == MAX_ATTRIBUTES
            {
                return None;
            }
            self.i = from + len + 1;
            attributes.push(attr);
            self.declare(attr, (from, from + len))?;
        }
    }

    /// Attribute prefixes are bound, and attributes are unique by name and by expanded name.
    fn check_attributes(&self, attributes: &[Name]) -> Option<()> {
        for (k, &a) in attributes.iter().enumerate() {
            let a_ns = self.attribute_namespace(a)?;
            for &other in &attributes[..k] {
                if self.bytes(other) == self.bytes(a) {
                    return None;
                }
                if a_ns.is_some()
                    && self.local(other) == self.local(a)
                    && self.attribute_namespace(other)?.map(|(f, t)| &self.b[f..t])
                        == a_ns.map(|(f, t)| &self.b[f..t])
                {
                    return None;
                }
            }
        }
        Some(())
    }

    /// The namespace of a prefixed attribute (`Some(None)`: unprefixed, or a namespace
    /// declaration; the `xml` prefix reads as an empty range); `None` when unbound.
    fn attribute_namespace(&self, attr: Name) -> Option<Option<(usize, usize)>> {
        match self.prefix(attr) {
            None | Some(b"xmlns") => Some(None),
            Some(b"xml") => Some(Some((0, 0))),
            Some(p) => Some(Some(self.lookup(p)?)),
        }
    }

    /// Records `attr` when it declares a namespace.
    fn declare(&mut self, attr: Name, value: (usize, usize)) -> Option<()> {
        let uri = &self.b[value.0..value.1];
        const XML_NS: &[u8] = b"http://www.w3.org/XML/1998/namespace";
        const XMLNS_NS: &[u8] = b"http://www.w3.org/2000/xmlns/";
        if self.bytes(attr) == b"xmlns" {
            if uri == XML_NS || uri == XMLNS_NS {
                return None;
            }
            self.bindings.push(Binding {
                prefix: None,
                uri: value,
            });
        } else if self.prefix(attr) == Some(b"xmlns") {
            let prefix = self.local(attr);
            if prefix == b"xml"
                || prefix == b"xmlns"
                || uri.is_empty()
                || uri == XML_NS
                || uri == XMLNS_NS
            {
                return None;
            }
            self.bindings.push(Binding {
                prefix: Some((attr.to - prefix.len(), attr.to)),
                uri: value,
            });
        }
        Some(())
    }

    /// The namespace URI bound to `prefix` (a range; `None`: unbound).
    fn lookup(&self, prefix: &[u8]) -> Option<(usize, usize)> {
        if prefix == b"xml" || prefix == b"xmlns" {
            return None;
        }
        self.bindings
            .iter()
            .rev()
            .find(|d| d.prefix.is_some_and(|(f, t)| &self.b[f..t] == prefix))
            .map(|d| d.uri)
    }

    /// The namespace of an element with `prefix`: `Some(None)` for no namespace, `None` when
    /// the prefix is unbound (or reserved).
    fn element_namespace(&self, prefix: Option<&[u8]>) -> Option<Option<(usize, usize)>> {
        match prefix {
            Some(p) => Some(Some(self.lookup(p)?)),
            None => Some(
                self.bindings
                    .iter()
                    .rev()
                    .find(|d| d.prefix.is_none())
                    .map(|d| d.uri)
                    .filter(|(f, t)| f < t),
            ),
        }
    }
}

/// `prefix:local` or `local`, both parts ASCII NCNames; `None` otherwise.
fn split_qname(name: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    fn ncname(part: &[u8]) -> bool {
        match part.split_first() {
            Some((first, rest)) => {
                (first.is_ascii_alphabetic() || *first == b'_')
                    && rest
                        .iter()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
            }
            None => false,
        }
    }
    match name.iter().position(|&c| c == b':') {
        Some(colon) => {
            let (prefix, local) = (&name[..colon], &name[colon + 1..]);
            (ncname(prefix) && ncname(local)).then_some((Some(prefix), local))
        }
        None => ncname(name).then_some((None, name)),
    }
}

/// The XML character a character reference stands for (`None`: not an XML character).
fn char_ref(code: u32) -> Option<char> {
    let ok = matches!(code, 0x9 | 0xA | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF);
    ok.then(|| char::from_u32(code)).flatten()
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(xml: &str, path: &str) -> Option<PathValue> {
        let path = SimplePath::parse(path, |p| match p {
            "p" => Some("urn:p".to_owned()),
            "soapenv" => Some(SOAP11_NS.to_owned()),
            _ => None,
        })
        .expect("a simple path");
        scan_pox(xml.as_bytes(), &path)
    }

    fn text(s: &str) -> Option<PathValue> {
        Some(PathValue::Text(s.to_owned()))
    }

    #[test]
    fn paths() {
        assert!(SimplePath::parse("/", |_| None).is_none());
        assert!(SimplePath::parse("//a/", |_| None).is_none());
        assert!(SimplePath::parse("//a/*", |_| None).is_none());
        assert!(SimplePath::parse("//a/text()", |_| None).is_none());
        assert!(SimplePath::parse("//a /b", |_| None).is_none());
        assert!(SimplePath::parse("//q:a", |_| None).is_none());
        assert!(SimplePath::parse("///a", |_| None).is_none());
        assert!(SimplePath::parse("$body", |_| None).is_none());
        assert!(SimplePath::parse("$bodyx/a", |_| None).is_none());
        assert!(SimplePath::parse("$header/a", |_| None).is_none());
        let p = SimplePath::parse("/a//b", |_| None).unwrap();
        assert!(!p.steps()[0].descendant && p.steps()[1].descendant);
    }

    #[test]
    fn selects_like_xpath() {
        let doc =
            "<order><id>7</id><type>gold</type><items><item><type>x</type></item></items></order>";
        assert_eq!(scan(doc, "//order/type"), text("gold"));
        assert_eq!(
            scan(doc, "/soapenv:Envelope/soapenv:Body/order/id"),
            text("7")
        );
        assert_eq!(scan(doc, "//item/type"), text("x"));
        assert_eq!(scan(doc, "$body/order/id"), text("7"));
        assert_eq!(scan(doc, "$body//item/type"), text("x"));
        assert_eq!(scan(doc, "$body/id"), Some(PathValue::NoMatch));
        assert_eq!(scan(doc, "//type"), None); // two elements
        assert_eq!(scan(doc, "/order/type"), Some(PathValue::NoMatch)); // the root is the envelope
        assert_eq!(scan(doc, "//missing"), Some(PathValue::NoMatch));
        assert_eq!(scan(doc, "//order"), None); // blank own text: serialised by Synapse
        assert_eq!(scan("<a>x</a>", "//soapenv:Body"), None);
        assert_eq!(scan("<a>x</a><a>y</a>", "//b"), None); // two document elements
        assert_eq!(scan("top<a/>", "//b"), None); // text around the document element
        assert_eq!(scan(" <!-- c --> <a/>\n", "//b"), Some(PathValue::NoMatch));
    }

    #[test]
    fn own_text_as_synapse_reads_it() {
        assert_eq!(
            scan("<a>\u{a0} x<b>no</b>y &amp; &#x41;&#66; </a>", "//a"),
            text("xy & AB")
        );
        assert_eq!(scan("<a><![CDATA[<raw>]]></a>", "//a"), text("<raw>"));
        assert_eq!(scan("<a>x<!-- c -->y</a>", "//a"), text("xy"));
        assert_eq!(scan("<a>  </a>", "//a"), None);
    }

    #[test]
    fn namespaces() {
        let doc =
            r#"<r xmlns="urn:d" xmlns:p="urn:p"><p:a>1</p:a><a>2</a><b xmlns=""><a>3</a></b></r>"#;
        assert_eq!(scan(doc, "//p:a"), text("1"));
        assert_eq!(scan(doc, "//r/p:a"), Some(PathValue::NoMatch)); // r is in urn:d
        assert_eq!(scan(doc, "//b/a"), text("3")); // xmlns="" on b itself
        let doc = r#"<r xmlns:q="urn:p"><q:a>1</q:a><x xmlns=""><a>3</a></x></r>"#;
        assert_eq!(scan(doc, "//p:a"), text("1"));
        assert_eq!(scan(doc, "//x/a"), text("3"));
    }

    #[test]
    fn gives_up_on_what_the_tree_must_judge() {
        for bad in [
            "<a>1</b>",
            "<a>1",
            "<a>1</a></a>",
            "<a x='1' x='2'>1</a>",
            "<a xmlns:p='urn:p' xmlns:q='urn:p' p:x='1' q:x='2'>1</a>",
            "<a x='1'y='2'>1</a>",
            "<q:a>1</q:a>",
            "<a>&bogus;</a>",
            "<a>&#0;</a>",
            "<a>x]]>y</a>",
            "<a>\u{1}</a>",
            "<a>\r\n</a>",
            "<a><!-- a -- b --></a>",
            "<!DOCTYPE a><a>1</a>",
            "<?pi?><a>1</a>",
            "<a x='<'>1</a>",
            "<a x=1>1</a>",
            "<1a>1</1a>",
            "<é>1</é>",
            "<a xmlns:p=''>1</a>",
            "<soapenv:a xmlns:soapenv='urn:x'>1</soapenv:a>",
        ] {
            assert_eq!(scan(bad, "//a"), None, "{bad}");
        }
    }

    #[test]
    fn declaration_and_bom() {
        assert_eq!(
            scan(
                "\u{feff}<?xml version=\"1.0\"?>\n<a>1</a>\n<!-- end -->",
                "//a"
            ),
            text("1")
        );
    }
}
