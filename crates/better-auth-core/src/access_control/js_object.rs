//! What a JavaScript object does that a Rust map does not, where it changes a verdict: the
//! order of its keys (array indexes first, ascending, then insertion order; a repeated key keeps
//! its first place and its last value), the properties every object inherits from
//! `Object.prototype`, and `__proto__`, which zod's `record` drops.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// `Object.getOwnPropertyNames(Object.prototype)` on Node 20: a lookup of one of these on a
/// plain object that lacks it as an own key finds the inherited function (or, for
/// `__proto__`, the prototype) instead of `undefined`.
const OBJECT_PROTOTYPE_PROPERTIES: [&str; 12] = [
    "constructor",
    "__defineGetter__",
    "__defineSetter__",
    "hasOwnProperty",
    "__lookupGetter__",
    "__lookupSetter__",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toString",
    "valueOf",
    "__proto__",
    "toLocaleString",
];

/// Whether every plain JavaScript object has a (truthy) property `name` without defining it.
pub(crate) fn is_object_prototype_property(name: &str) -> bool {
    OBJECT_PROTOTYPE_PROPERTIES.contains(&name)
}

/// Whether `key` is an array index to JavaScript (`"0"`, `"17"`, not `"01"`, below 2^32 - 1):
/// such keys come first in an object's key order, ascending.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|index| *index < u32::MAX)
}

/// The entries as a JavaScript object built from them in this order holds them: a repeated key
/// keeps its first position and its last value; array-index keys first, ascending; the other
/// keys in insertion order.
pub(crate) fn js_order<T>(entries: impl IntoIterator<Item = (String, T)>) -> Vec<(String, T)> {
    let mut unique: Vec<(String, T)> = Vec::new();
    for (key, value) in entries {
        match unique.iter_mut().find(|(known, _)| *known == key) {
            Some(slot) => slot.1 = value,
            None => unique.push((key, value)),
        }
    }
    let (mut indexes, others): (Vec<_>, Vec<_>) = unique
        .into_iter()
        .partition(|(key, _)| array_index(key).is_some());
    indexes.sort_by_key(|(key, _)| array_index(key));
    indexes.extend(others);
    indexes
}

/// A JSON value read with the key order of its top-level object kept (`None`: not an object).
#[derive(Debug, Default)]
pub(crate) struct OrderedObject(pub(crate) Option<Vec<(String, Value)>>);

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedObjectVisitor)
    }
}

struct OrderedObjectVisitor;

impl<'de> Visitor<'de> for OrderedObjectVisitor {
    type Value = OrderedObject;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            entries.push((key, value));
        }
        Ok(OrderedObject(Some(entries)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(OrderedObject(None))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(OrderedObject(None))
    }
}

/// Resources and their action lists, in evaluation order.
pub(crate) type Record = Vec<(String, Vec<String>)>;

/// zod's `z.record(z.string(), z.array(z.string()))` applied to a JSON value read in order:
/// the entries in JavaScript's order without `__proto__` (which zod skips, whatever its value),
/// or `None` when the value is not an object of string arrays.
pub(crate) fn string_array_record(object: OrderedObject) -> Option<Record> {
    let entries = object.0?;
    let mut record = Vec::with_capacity(entries.len());
    for (key, value) in js_order(entries) {
        if key == "__proto__" {
            continue;
        }
        let Value::Array(items) = value else {
            return None;
        };
        let actions = items
            .into_iter()
            .map(|item| match item {
                Value::String(action) => Some(action),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        record.push((key, actions));
    }
    Some(record)
}

/// [`string_array_record`] of JSON text.
pub(crate) fn parse_string_array_record(text: &str) -> Result<Option<Record>, serde_json::Error> {
    Ok(string_array_record(serde_json::from_str::<OrderedObject>(
        text,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ordered_as_javascript_orders_them() {
        let order = js_order([
            ("b".to_owned(), 1),
            ("10".to_owned(), 2),
            ("a".to_owned(), 3),
            ("2".to_owned(), 4),
            ("b".to_owned(), 5),
            ("01".to_owned(), 6),
            ("4294967295".to_owned(), 7),
        ]);
        let keys: Vec<_> = order.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            keys,
            [
                ("2", 4),
                ("10", 2),
                ("b", 5),
                ("a", 3),
                ("01", 6),
                ("4294967295", 7)
            ]
        );
    }

    #[test]
    fn records_drop_proto_and_refuse_what_zod_refuses() {
        let record = parse_string_array_record(r#"{"__proto__": 5, "user": ["a", "b"]}"#)
            .unwrap()
            .unwrap();
        assert_eq!(
            record,
            [("user".to_owned(), vec!["a".to_owned(), "b".to_owned()])]
        );
        for bad in [
            r#"{"team":"create"}"#,
            "[]",
            "null",
            r#"{"a":[1]}"#,
            "\"x\"",
        ] {
            assert_eq!(parse_string_array_record(bad).unwrap(), None, "{bad}");
        }
        assert!(parse_string_array_record("{nope").is_err());
        assert!(is_object_prototype_property("constructor"));
        assert!(!is_object_prototype_property("user"));
    }
}
