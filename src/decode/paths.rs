//! The JSON pointers of every mapping, compiled into one tree, and the single pass over a
//! post's JSON that captures the values they point at.
//!
//! Parsing into a `serde_json::Value` and then following pointers allocates every key and
//! value of the post, most of which no mapping reads. Instead the parser walks the tree as it
//! goes: an object key is compared with the tree's tokens without being copied, a value on no
//! path is parsed and dropped, and a value at a pointer is kept as a [`Field`] (strings borrowed
//! from the input unless they contain escapes).

use std::borrow::Cow;
use std::fmt;
use std::ops::{Index, Range};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Where one compiled pointer's value is kept in [`Captures`].
pub type Slot = usize;

/// A slot that no value is ever captured into: the pointer of an absent mapping field, or a
/// string that is not a JSON pointer (which `Value::pointer` never resolves).
pub const NEVER: Slot = 0;

/// The tree's root: the whole post.
const ROOT: usize = 0;

/// What a pointer found in one post.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    /// Nothing at the pointer.
    Absent,
    Null,
    Bool(bool),
    /// A non-negative integer (serde_json's `PosInt`).
    U64(u64),
    /// A negative integer (serde_json's `NegInt`).
    I64(i64),
    F64(f64),
    /// Borrowed from the input unless the JSON string had escapes.
    Str(Cow<'a, str>),
    /// An object or an array.
    Container,
}

impl Field<'_> {
    /// Whether the pointer resolved, as `Value::pointer(..).is_some_and(|v| !v.is_null())`.
    pub fn is_present(&self) -> bool {
        !matches!(self, Field::Absent | Field::Null)
    }
}

/// The values one parse captured, by slot. Reused from post to post (within a frame, as they
/// may borrow from it), so capturing allocates nothing but unescaped strings.
#[derive(Debug)]
pub struct Captures<'a> {
    fields: Vec<Field<'a>>,
    /// Slots written since the last reset: resetting visits only these.
    written: Vec<Slot>,
}

impl<'a> Captures<'a> {
    fn reset(&mut self) {
        for &slot in &self.written {
            self.fields[slot] = Field::Absent;
        }
        self.written.clear();
    }

    fn set(&mut self, slot: Slot, field: Field<'a>) {
        self.fields[slot] = field;
        self.written.push(slot);
    }

    /// Forgets what an earlier duplicate of a key left below it.
    fn clear(&mut self, slots: Range<Slot>) {
        self.fields[slots].fill(Field::Absent);
    }
}

impl<'a> Index<Slot> for Captures<'a> {
    type Output = Field<'a>;

    fn index(&self, slot: Slot) -> &Field<'a> {
        &self.fields[slot]
    }
}

/// Every pointer of every mapping, as a tree of unescaped path tokens.
#[derive(Debug, Clone)]
pub struct PathTree {
    /// `nodes[ROOT]` is the root; each node lists its children by index.
    nodes: Vec<Node>,
    /// How many fields a capture holds: the slots, plus [`NEVER`].
    slot_count: usize,
}

#[derive(Debug, Clone)]
struct Node {
    /// The RFC 6901 token, unescaped: an object key.
    token: Box<str>,
    /// The array position the token also names, when it is a valid index.
    index: Option<usize>,
    children: Vec<usize>,
    /// The children again, as object keys ready to compare.
    keys: Vec<KeyToken>,
    /// Where this node's value is captured, when a pointer ends here.
    slot: Option<Slot>,
    /// The slots of this node and all below it (assigned depth first, so contiguous): cleared
    /// when a duplicate key replaces the value, as the last duplicate wins in a `Value`.
    subtree: Range<Slot>,
}

impl PathTree {
    /// Compiles `pointers` (duplicates and non-pointers are fine).
    pub fn new<'p>(pointers: impl IntoIterator<Item = &'p str>) -> PathTree {
        let mut tree = PathTree {
            nodes: vec![Node::new(String::new())],
            slot_count: 0,
        };
        let mut wanted = vec![false];
        for pointer in pointers {
            let Some(tokens) = tokens(pointer) else {
                continue;
            };
            let mut node = ROOT;
            for token in tokens {
                node = match tree.child(node, &token) {
                    Some(child) => child,
                    None => {
                        tree.nodes.push(Node::new(token));
                        wanted.push(false);
                        let child = tree.nodes.len() - 1;
                        tree.nodes[node].children.push(child);
                        child
                    }
                };
            }
            wanted[node] = true;
        }
        for node in 0..tree.nodes.len() {
            let keys = tree.nodes[node]
                .children
                .iter()
                .map(|&child| KeyToken::new(&tree.nodes[child].token, child))
                .collect();
            tree.nodes[node].keys = keys;
        }
        let mut next_slot = NEVER + 1;
        tree.assign_slots(ROOT, &wanted, &mut next_slot);
        tree.slot_count = next_slot;
        tree
    }

    /// The slot `pointer` was compiled into; [`NEVER`] for one that was not compiled.
    pub fn slot(&self, pointer: &str) -> Slot {
        let Some(tokens) = tokens(pointer) else {
            return NEVER;
        };
        let mut node = ROOT;
        for token in tokens {
            match self.child(node, &token) {
                Some(child) => node = child,
                None => return NEVER,
            }
        }
        self.nodes[node].slot.unwrap_or(NEVER)
    }

    /// Room for what [`PathTree::capture`] finds, all absent.
    pub fn captures<'a>(&self) -> Captures<'a> {
        Captures {
            fields: vec![Field::Absent; self.slot_count],
            written: Vec::new(),
        }
    }

    /// Parses one JSON value (the whole of `text`) and captures every slot into `fields`,
    /// replacing what they held. Returns whether the value is an object.
    pub fn capture<'a>(
        &self,
        text: &'a str,
        fields: &mut Captures<'a>,
    ) -> Result<bool, serde_json::Error> {
        fields.reset();
        debug_assert!(fields.fields.iter().all(|f| *f == Field::Absent));
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let is_object = self.seed(ROOT, fields).deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(is_object)
    }

    fn seed<'s, 'a>(&'s self, node: usize, fields: &'s mut Captures<'a>) -> NodeSeed<'s, 'a> {
        NodeSeed {
            tree: self,
            node: &self.nodes[node],
            fields,
        }
    }

    fn child(&self, node: usize, token: &str) -> Option<usize> {
        self.nodes[node]
            .children
            .iter()
            .copied()
            .find(|&child| *self.nodes[child].token == *token)
    }

    fn assign_slots(&mut self, node: usize, wanted: &[bool], next_slot: &mut Slot) {
        let first = *next_slot;
        if wanted[node] {
            self.nodes[node].slot = Some(first);
            *next_slot += 1;
        }
        for i in 0..self.nodes[node].children.len() {
            let child = self.nodes[node].children[i];
            self.assign_slots(child, wanted, next_slot);
        }
        self.nodes[node].subtree = first..*next_slot;
    }
}

impl Node {
    fn new(token: String) -> Node {
        Node {
            index: array_index(&token),
            token: token.into_boxed_str(),
            children: Vec::new(),
            keys: Vec::new(),
            slot: None,
            subtree: NEVER..NEVER,
        }
    }
}

/// A pointer's unescaped tokens, exactly as `serde_json::Value::pointer` splits them; `None`
/// for a string that is not a pointer.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    if !pointer.starts_with('/') {
        return None;
    }
    Some(
        pointer
            .split('/')
            .skip(1)
            .map(|token| token.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// The array position a token names, by `Value::pointer`'s rule: digits only, no leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

/// Parses the value at one tree node; returns whether it was an object.
struct NodeSeed<'s, 'a> {
    tree: &'s PathTree,
    node: &'s Node,
    fields: &'s mut Captures<'a>,
}

impl<'a> NodeSeed<'_, 'a> {
    fn capture<E>(self, field: Field<'a>) -> Result<bool, E> {
        if let Some(slot) = self.node.slot {
            self.fields.set(slot, field);
        }
        Ok(false)
    }

    /// Descends to `child`, clearing what an earlier duplicate of its key left there.
    fn enter(&mut self, child: usize) -> NodeSeed<'_, 'a> {
        let node = &self.tree.nodes[child];
        self.fields.clear(node.subtree.clone());
        NodeSeed {
            tree: self.tree,
            node,
            fields: self.fields,
        }
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, 'de> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, 'de> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<bool, E> {
        self.capture(Field::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<bool, E> {
        self.capture(Field::Bool(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<bool, E> {
        self.capture(Field::U64(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<bool, E> {
        // As `Number::from(i64)`: only negative numbers are `NegInt`.
        match u64::try_from(v) {
            Ok(v) => self.capture(Field::U64(v)),
            Err(_) => self.capture(Field::I64(v)),
        }
    }

    fn visit_f64<E>(self, v: f64) -> Result<bool, E> {
        // As `Value`: a float that is no JSON number becomes null.
        self.capture(if v.is_finite() {
            Field::F64(v)
        } else {
            Field::Null
        })
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<bool, E> {
        self.capture(Field::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<bool, E> {
        self.capture(Field::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<bool, E> {
        self.capture(Field::Str(Cow::Owned(v)))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<bool, A::Error> {
        if let Some(slot) = self.node.slot {
            self.fields.set(slot, Field::Container);
        }
        let keys = &self.node.keys;
        if keys.is_empty() {
            while map.next_key_seed(Skip)?.is_some() {
                map.next_value_seed(Skip)?;
            }
            return Ok(true);
        }
        while let Some(child) = map.next_key_seed(Key(keys))? {
            match child {
                Some(child) => {
                    map.next_value_seed(self.enter(child))?;
                }
                None => map.next_value_seed(Skip)?,
            }
        }
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<bool, A::Error> {
        if let Some(slot) = self.node.slot {
            self.fields.set(slot, Field::Container);
        }
        let (tree, children) = (self.tree, &self.node.children);
        for index in 0.. {
            let child = children
                .iter()
                .copied()
                .find(|&child| tree.nodes[child].index == Some(index));
            let more = match child {
                Some(child) => seq.next_element_seed(self.enter(child))?.is_some(),
                None => seq.next_element_seed(Skip)?.is_some(),
            };
            if !more {
                break;
            }
        }
        Ok(false)
    }
}

/// One child's token as an object key: its length and first eight bytes are compared first,
/// so most keys that differ are told apart without a `memcmp` call.
#[derive(Debug, Clone)]
struct KeyToken {
    len: usize,
    head: u64,
    token: Box<str>,
    child: usize,
}

impl KeyToken {
    fn new(token: &str, child: usize) -> KeyToken {
        KeyToken {
            len: token.len(),
            head: head(token.as_bytes()),
            token: token.into(),
            child,
        }
    }

    fn matches(&self, key: &str, head: u64) -> bool {
        self.len == key.len()
            && self.head == head
            && (self.len <= 8 || self.token.as_bytes()[8..] == key.as_bytes()[8..])
    }
}

/// Up to the first eight bytes of a key, as one number.
fn head(key: &[u8]) -> u64 {
    let mut head = [0; 8];
    let n = key.len().min(8);
    head[..n].copy_from_slice(&key[..n]);
    u64::from_le_bytes(head)
}

/// An object key: which child of the node it leads to, if any. Compared, never copied.
struct Key<'s>(&'s [KeyToken]);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    // `visit_borrowed_str` (a key without escapes) forwards here.
    fn visit_str<E>(self, key: &str) -> Result<Option<usize>, E> {
        let head = head(key.as_bytes());
        Ok(self
            .0
            .iter()
            .find(|k| k.matches(key, head))
            .map(|k| k.child))
    }
}

/// A value on no path: parsed and dropped.
///
/// Not `serde::de::IgnoredAny`: serde_json skips that with a lighter scan that accepts what
/// parsing into a `Value` rejects (lone surrogate escapes, numbers out of range, nesting past
/// the recursion limit), and a post is rejected exactly when `Value` would reject it.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captures `json` at `pointers` and compares each with `Value::pointer`.
    fn agrees_with_value_pointer(pointers: &[&str], json: &str) {
        let tree = PathTree::new(pointers.iter().copied());
        let mut fields = tree.captures();
        tree.capture(json, &mut fields).unwrap();
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        for pointer in pointers {
            let expected = match value.pointer(pointer) {
                None => Field::Absent,
                Some(serde_json::Value::Null) => Field::Null,
                Some(serde_json::Value::Bool(b)) => Field::Bool(*b),
                Some(serde_json::Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => Field::U64(u),
                    (None, Some(i)) => Field::I64(i),
                    _ => Field::F64(n.as_f64().unwrap()),
                },
                Some(serde_json::Value::String(s)) => Field::Str(Cow::Owned(s.clone())),
                Some(_) => Field::Container,
            };
            assert_eq!(fields[tree.slot(pointer)], expected, "{pointer} in {json}");
        }
    }

    #[test]
    fn pointers_resolve_as_value_pointer_does() {
        let pointers = [
            "/a",
            "/a/b",
            "/a/b/c",
            "/list/0",
            "/list/1/name",
            "/list/01",
            "/list/+1",
            "/obj/0",
            "/a~1b",
            "/m~0n",
            "/~01",
            "/",
            "",
            "/missing/deep",
            "no-slash",
            "/n",
            "/neg",
            "/f",
            "/t",
        ];
        agrees_with_value_pointer(
            &pointers,
            r#"{"a":{"b":{"c":"deep","x":[1,2]},"y":1},"list":["zero",{"name":"one"},2],
                "obj":{"0":"key zero"},"a/b":"slash","m~n":"tilde","~1":"tilde one","":"empty",
                "n":null,"neg":-5,"f":1.5,"t":true,"skipped":{"deep":[{"x":{"y":[]}}]}}"#,
        );
        // The same pointers over a differently shaped object: scalars where objects were.
        agrees_with_value_pointer(
            &pointers,
            r#"{"a":"flat","list":{"0":"object, not array","1":{"name":"n"}},"obj":["arr"]}"#,
        );
    }

    #[test]
    fn keys_that_share_their_first_eight_bytes_are_told_apart() {
        agrees_with_value_pointer(
            &[
                "/abcdefg",
                "/abcdefgh",
                "/abcdefgh_1",
                "/abcdefgh_2",
                "/abcdefgh_3",
                "/警察局",
            ],
            r#"{"abcdefgh_2":2,"abcdefgh":0,"abcdefgh_1":1,"abcdefgh_4":4,"abcdefg":7,"警察局":"p"}"#,
        );
    }

    #[test]
    fn a_pointer_that_is_a_prefix_of_another_captures_both() {
        let tree = PathTree::new(["/user", "/user/id"]);
        let mut fields = tree.captures();
        tree.capture(r#"{"user":{"id":"u1"}}"#, &mut fields)
            .unwrap();
        assert_eq!(fields[tree.slot("/user")], Field::Container);
        assert_eq!(fields[tree.slot("/user/id")], Field::Str("u1".into()));
    }

    #[test]
    fn the_last_duplicate_key_wins_and_clears_what_the_first_left() {
        agrees_with_value_pointer(
            &["/user", "/user/id", "/user/name", "/text"],
            r#"{"text":"first","user":{"id":"u1","name":"n1"},"text":"second","user":{"id":"u2"}}"#,
        );
        agrees_with_value_pointer(&["/user", "/user/id"], r#"{"user":{"id":"u1"},"user":5}"#);
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let tree = PathTree::new(["/plain", "/escaped", "/key\"quoted"]);
        let mut fields = tree.captures();
        let json = r#"{"plain":"警察","escaped":"\u8b66\u5bdf","key\"quoted":1}"#;
        tree.capture(json, &mut fields).unwrap();
        assert!(matches!(
            &fields[tree.slot("/plain")],
            Field::Str(Cow::Borrowed("警察"))
        ));
        assert!(matches!(&fields[tree.slot("/escaped")], Field::Str(Cow::Owned(s)) if s == "警察"));
        assert_eq!(fields[tree.slot("/key\"quoted")], Field::U64(1));
    }

    #[test]
    fn input_is_rejected_exactly_when_value_rejects_it() {
        let tree = PathTree::new(["/a"]);
        for json in [
            r#"{"a":1} x"#,
            r#"{"a":1}{}"#,
            r#"{"a":1"#,
            r#"{"skipped":"\ud800"}"#,
            r#"{"skipped":1e400}"#,
            &format!(r#"{{"skipped":{}{}}}"#, "[".repeat(200), "]".repeat(200)),
            r#"{"a":1} "#,
            r#"{"skipped":{"deep":{"deeper":[1,{"x":null}]}},"a":"\u00e9"}"#,
            "[1,2,{}]",
            "7",
        ] {
            let mut fields = tree.captures();
            let ours = tree.capture(json, &mut fields).map_err(|e| e.to_string());
            let value = serde_json::from_str::<serde_json::Value>(json);
            let theirs = value
                .as_ref()
                .map(|v| v.is_object())
                .map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{json}");
        }
    }
}
