//! Request extractors whose rejections are [`ApiError`]s, so a malformed body, query or
//! path becomes a problem+json 4xx with a clear message instead of axum's plain text.
//!
//! JSON bodies are read in two steps, so the status says which kind of mistake it was:
//!
//! * bytes that are not JSON are `400 malformed-json`;
//! * JSON that does not fit the operation's schema is `422 invalid-body`, naming where:
//!   wrong types, unknown or duplicate fields, a number out of range, and an array (or
//!   anything else) where the document says object. serde's derived structs would also
//!   take a JSON array of their fields in order (`["why"]` for `{"reason": "why"}`), and
//!   some ignore unknown fields; the `Strict` deserializer refuses both at every depth.

use crate::problem::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};
use std::fmt;

/// A JSON object request body (`Content-Type: application/json`); rejections become problems.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers());
        let bytes = body_bytes(req, state).await?;
        if bytes.is_empty() {
            return Err(ApiError::Body {
                status: StatusCode::BAD_REQUEST,
                detail: "the body is empty; send a JSON object with `Content-Type: application/json`".to_string(),
            });
        }
        if !json {
            return Err(not_json());
        }
        parse_json(&bytes).map(Json)
    }
}

/// A query string; rejections (wrong types, unknown parameters) become problems.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters; rejections become problems.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// A JSON object body that may be left out: no body (or JSON `null`) is `T::default()`;
/// a body that is there must be JSON sent as `application/json`.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers());
        let bytes = body_bytes(req, state).await?;
        // No body at all; a body of only spaces is a JSON body that is not JSON.
        if bytes.is_empty() {
            return Ok(OptionalJson(T::default()));
        }
        if !json {
            return Err(not_json());
        }
        if bytes.trim_ascii() == b"null" {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn not_json() -> ApiError {
    ApiError::Body {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        detail: "send the body with `Content-Type: application/json`".to_string(),
    }
}

/// The whole body, at most [`crate::server::BODY_LIMIT`] bytes.
async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(req, state).await.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Body {
                status,
                detail: format!("the body is larger than the limit of {} bytes", crate::server::BODY_LIMIT),
            }
        } else {
            ApiError::Body { status: StatusCode::BAD_REQUEST, detail: e.body_text() }
        }
    })
}

/// Parses a JSON object body: bytes that are not JSON are 400 (malformed JSON); JSON that
/// does not fit `T` (including a non-object where `T` is an object) is 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    from_object(json_object(bytes)?)
}

/// Parses the body as a JSON object, with duplicate keys refused.
pub fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let value = match serde_json::from_slice::<Unique>(bytes) {
        Ok(Unique(v)) => v,
        Err(e) => return Err(json_error(bytes, e)),
    };
    match value {
        Value::Object(m) => Ok(m),
        other => Err(does_not_fit(format!("the body must be a JSON object, not {}", kind_of(&other)))),
    }
}

/// Turns a JSON object into `T`, refusing anything the document does not allow.
pub fn from_object<T: DeserializeOwned>(body: Map<String, Value>) -> Result<T, ApiError> {
    T::deserialize(Strict { value: Value::Object(body), path: String::new() }).map_err(|e| does_not_fit(e.to_string()))
}

fn does_not_fit(detail: String) -> ApiError {
    ApiError::Body { status: StatusCode::UNPROCESSABLE_ENTITY, detail: format!("the JSON body does not fit: {detail}") }
}

/// A parse error as a body problem: 400 when the bytes are not JSON, 422 when they are
/// JSON that cannot be held (a number beyond any float, an unpaired surrogate, a
/// duplicate key).
fn json_error(bytes: &[u8], e: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    let is_json = match e.classify() {
        Category::Data => true,
        // The grammar allows what the value parser refuses; the ignoring parser only
        // checks the grammar.
        Category::Syntax => serde_json::from_slice::<de::IgnoredAny>(bytes).is_ok(),
        Category::Io | Category::Eof => false,
    };
    if is_json {
        does_not_fit(e.to_string())
    } else {
        ApiError::Body { status: StatusCode::BAD_REQUEST, detail: format!("the body is not valid JSON: {e}") }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Takes an optional `reason` string out of a JSON object body and parses the rest as `T`
/// (whose unknown fields are refused).
pub fn split_reason<T: DeserializeOwned>(mut body: Map<String, Value>) -> Result<(T, Option<String>), ApiError> {
    let reason = match body.remove("reason") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => return Err(does_not_fit(format!("reason: must be a string, not {}", kind_of(&other)))),
    };
    Ok((from_object(body)?, reason))
}

/// A JSON value whose objects have no duplicate keys.
struct Unique(Value);

impl<'de> de::Deserialize<'de> for Unique {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("a number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Unique(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Unique(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Deserializes a parsed JSON value the way the OpenAPI document describes it: a struct
/// only from an object (never from an array of its fields), and errors prefixed with
/// the path of the value that failed (`contacts[0].name: ...`).
struct Strict {
    value: Value,
    path: String,
}

impl Strict {
    fn at(&self, key: impl fmt::Display) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn error(&self, e: serde_json::Error) -> serde_json::Error {
        // An error from deeper down already names its own, longer path.
        if self.path.is_empty() || e.to_string().starts_with(&self.path) {
            e
        } else {
            de::Error::custom(format!("{}: {e}", self.path))
        }
    }
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => de::Unexpected::Unsigned(u),
            (_, Some(i), _) => de::Unexpected::Signed(i),
            (_, _, Some(f)) => de::Unexpected::Float(f),
            _ => de::Unexpected::Other("number"),
        },
        Value::String(s) => de::Unexpected::Str(s),
        Value::Array(_) => de::Unexpected::Seq,
        Value::Object(_) => de::Unexpected::Map,
    }
}

impl<'de> de::Deserializer<'de> for Strict {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let path = self.path.clone();
        let here = Strict { value: Value::Null, path };
        let r = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (_, Some(i), _) => visitor.visit_i64(i),
                // A number without a fraction is an integer, whichever way it is written
                // (`5.0`, `1e3`), as JSON Schema counts it.
                (_, _, Some(f)) if f.fract() == 0.0 && (0.0..TWO_POW_64).contains(&f) => visitor.visit_u64(f as u64),
                (_, _, Some(f)) if f.fract() == 0.0 && (-TWO_POW_63..0.0).contains(&f) => visitor.visit_i64(f as i64),
                (_, _, Some(f)) => visitor.visit_f64(f),
                _ => Err(de::Error::custom("a number out of range")),
            },
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let len = items.len();
                visitor.visit_seq(StrictSeq { items: items.into_iter().enumerate(), len, path: here.path.clone() })
            }
            Value::Object(m) => {
                visitor.visit_map(StrictMap { entries: m.into_iter(), next: None, path: here.path.clone() })
            }
        };
        r.map_err(|e| here.error(e))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match &self.value {
            Value::Object(m) => {
                // Unknown fields are refused at every depth, also in types that would
                // ignore them elsewhere (the stored address and needs).
                if let Some(k) = m.keys().find(|k| !fields.contains(&k.as_str())) {
                    let e = de::Error::unknown_field(k, fields);
                    return Err(self.error(e));
                }
                self.deserialize_any(visitor)
            }
            other => {
                let e = de::Error::invalid_type(unexpected(other), &"an object");
                Err(self.error(e))
            }
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        // The API's enums are plain strings; serde_json's own handling says so in words.
        let path = self.path.clone();
        let here = Strict { value: Value::Null, path };
        self.value.deserialize_enum(name, variants, visitor).map_err(|e| here.error(e))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct StrictSeq {
    items: std::iter::Enumerate<std::vec::IntoIter<Value>>,
    len: usize,
    path: String,
}

impl<'de> SeqAccess<'de> for StrictSeq {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Self::Error> {
        match self.items.next() {
            Some((i, value)) => seed.deserialize(Strict { value, path: format!("{}[{i}]", self.path) }).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len)
    }
}

struct StrictMap {
    entries: serde_json::map::IntoIter,
    next: Option<(String, Value)>,
    path: String,
}

impl<'de> MapAccess<'de> for StrictMap {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        match self.entries.next() {
            Some((k, v)) => {
                let name: de::value::StringDeserializer<serde_json::Error> = k.clone().into_deserializer();
                let key = seed.deserialize(name).map_err(|e| {
                    let here = Strict { value: Value::Null, path: self.path.clone() };
                    here.error(e)
                })?;
                self.next = Some((k, v));
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        let Some((k, value)) = self.next.take() else {
            return Err(de::Error::custom("a value was asked for before its key"));
        };
        let parent = Strict { value: Value::Null, path: self.path.clone() };
        seed.deserialize(Strict { value, path: parent.at(&k) })
    }
}
