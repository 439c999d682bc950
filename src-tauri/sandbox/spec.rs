//! Every carrier request the sandbox receives is checked against the carriers' own OpenAPI
//! documents (`openapi/`, trimmed by `scripts/vendor-openapi.py` to the operations served and
//! embedded here) before it is carried out: the path and method must be an operation; query,
//! path and form parameters and JSON body fields must be declared, with the spec's casing; values
//! must have the declared type, enum, pattern, length, range and format (`uri`, `date-time`,
//! `uuid`); a body must come with a content type the operation declares, and only where it
//! declares one. A request that breaks a rule is answered as the carrier answers a bad request
//! and recorded as a [`Violation`] (`/_sandbox/violations`).
//!
//! Where the carriers accept something their specs leave out, the exception is in
//! [`CONVENTIONS`], each with its reason, and nowhere else.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::faults::Carrier;

/// A request that does not match the carrier's specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub carrier: Carrier,
    pub method: String,
    /// The sandbox path, prefix included.
    pub path: String,
    /// The operation's path in the carrier's document, when there is one.
    pub operation: Option<String>,
    /// Where in the request.
    pub part: Part,
    /// The offending parameter or field (`VoiceUrl`, `filter[country_code]`, `/connection_id`,
    /// `Content-Type`, `body`); empty when the API has no such operation (path or method).
    pub field: String,
    pub problem: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// No operation has this path, or not this method.
    Operation,
    /// A path parameter (the carriers answer these 404: no such resource).
    Path,
    Query,
    /// The body, its fields or its content type.
    Body,
}

/// A carrier's documented or observed convention that its OpenAPI document does not capture.
pub struct Convention {
    /// The document's operation path (`/2010-04-01/Accounts/{AccountSid}/...`).
    pub operation: &'static str,
    pub method: &'static str,
    pub field: &'static str,
    pub allows: Allows,
    pub reason: &'static str,
}

pub enum Allows {
    /// An empty value, which clears the field.
    Empty,
    /// `null`, which keeps the field as it is.
    Null,
    /// Nothing more, but the carrier refuses it with an error of its own, which the sandbox's
    /// handler gives: the violation is recorded and the request goes on to the handler.
    OwnAnswer,
}

/// Every exception to the specs the sandbox makes.
pub const CONVENTIONS: &[Convention] = &[
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
        method: "post",
        field: "VoiceApplicationSid",
        allows: Allows::Empty,
        reason: "The spec's pattern allows only an AP sid, yet an application can only be taken \
                 off a number by sending the parameter empty: Twilio's helper libraries pass the \
                 empty string through, and its Console does the same. NumberDesk sends it only \
                 when the number has an application and the new setting has none.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
        method: "post",
        field: "SmsApplicationSid",
        allows: Allows::Empty,
        reason: "As VoiceApplicationSid, for the messaging application.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
        method: "post",
        field: "TrunkSid",
        allows: Allows::Empty,
        reason: "As VoiceApplicationSid, for an Elastic SIP Trunk.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
        method: "post",
        field: "SmsUrl",
        allows: Allows::Empty,
        reason: "Twilio returns an unset URL as \"\" and takes \"\" back to unset it; the spec's \
                 `format: uri` has no empty form. Sent only to restore a number that had none.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
        method: "post",
        field: "VoiceUrl",
        allows: Allows::Empty,
        reason: "As SmsUrl.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/{Sid}.json",
        method: "post",
        field: "StatusCallback",
        allows: Allows::Empty,
        reason: "As SmsUrl.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Local.json",
        method: "post",
        field: "AreaCode",
        allows: Allows::OwnAnswer,
        reason: "Twilio answers AreaCode on a typed purchase path with its own error 21457.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/Mobile.json",
        method: "post",
        field: "AreaCode",
        allows: Allows::OwnAnswer,
        reason: "As on Local.json.",
    },
    Convention {
        operation: "/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers/TollFree.json",
        method: "post",
        field: "AreaCode",
        allows: Allows::OwnAnswer,
        reason: "As on Local.json.",
    },
    Convention {
        operation: "/phone_numbers/{id}/messaging",
        method: "patch",
        field: "/messaging_profile_id",
        allows: Allows::Null,
        reason: "The field's own description says null keeps the current profile (and \"\" \
                 unassigns it); its schema is a plain string without `nullable`.",
    },
    Convention {
        operation: "/phone_numbers/{id}/messaging",
        method: "patch",
        field: "/messaging_product",
        allows: Allows::Null,
        reason: "As messaging_profile_id: documented to keep the current product.",
    },
];

struct Document {
    root: Value,
    /// The sandbox prefix its paths are served under.
    prefix: &'static str,
}

fn documents() -> &'static [Document] {
    static DOCUMENTS: OnceLock<Vec<Document>> = OnceLock::new();
    DOCUMENTS.get_or_init(|| {
        let parse = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
        vec![
            Document {
                root: parse(include_str!("openapi/twilio/twilio_api_v2010.json")),
                prefix: "/twilio/api",
            },
            Document {
                root: parse(include_str!("openapi/twilio/twilio_pricing_v1.json")),
                prefix: "/twilio/pricing",
            },
            Document {
                root: parse(include_str!("openapi/twilio/twilio_routes_v2.json")),
                prefix: "/twilio/routes",
            },
            Document {
                root: parse(include_str!("openapi/twilio/twilio_numbers_v2.json")),
                prefix: "/twilio/numbers",
            },
            Document {
                root: parse(include_str!("openapi/telnyx/spec3.json")),
                prefix: "/telnyx/v2",
            },
        ]
    })
}

impl Violation {
    /// Whether the carrier answers this one with an error of its own (see [`Allows::OwnAnswer`]).
    pub fn answered_by_carrier(&self) -> bool {
        let method = self.method.to_ascii_lowercase();
        CONVENTIONS.iter().any(|c| {
            matches!(c.allows, Allows::OwnAnswer)
                && Some(c.operation) == self.operation.as_deref()
                && c.method == method
                && c.field == self.field
        })
    }
}

/// A request as the checker sees it.
pub struct Request<'a> {
    pub carrier: Carrier,
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
}

/// What is wrong with `request`; empty when it matches its operation.
pub fn check(request: &Request<'_>) -> Vec<Violation> {
    let mut problems = Problems::default();
    let mut matched = None;
    let method = request.method.to_ascii_lowercase();
    let found = documents().iter().find_map(|document| {
        let rest = request.path.strip_prefix(document.prefix)?;
        Some((document, rest))
    });
    match found {
        None => problems.add("", "no operation of the carrier's API has this path"),
        Some((document, rest)) => match find_operation(document, rest) {
            None => problems.add("", "no operation of the carrier's API has this path"),
            Some((template, item, path_values)) => match item.get(&method) {
                None => problems.add("", &format!("{template} has no {method} operation")),
                Some(operation) => {
                    matched = Some(template.to_string());
                    let checker = Checker {
                        root: &document.root,
                        operation: template,
                        method: &method,
                    };
                    checker.parameters(item, operation, &path_values, request, &mut problems);
                    checker.body(operation, request, &mut problems);
                }
            },
        },
    }
    problems
        .found
        .into_iter()
        .map(|(part, field, problem)| Violation {
            carrier: request.carrier,
            method: request.method.to_string(),
            path: request.path.to_string(),
            operation: matched.clone(),
            part,
            field,
            problem,
        })
        .collect()
}

struct Problems {
    part: Part,
    found: Vec<(Part, String, String)>,
}

impl Default for Problems {
    fn default() -> Self {
        Problems {
            part: Part::Operation,
            found: Vec::new(),
        }
    }
}

impl Problems {
    fn add(&mut self, field: &str, problem: &str) {
        self.found
            .push((self.part, field.to_string(), problem.to_string()));
    }
}

/// The operation whose path template matches `path` (literal segments preferred), its path item
/// and the path parameters' values.
fn find_operation<'d>(
    document: &'d Document,
    path: &str,
) -> Option<(&'d str, &'d Value, BTreeMap<String, String>)> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = document.root.get("paths")?.as_object()?;
    let mut best: Option<(usize, &str, &Value, BTreeMap<String, String>)> = None;
    for (template, item) in paths {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut values = BTreeMap::new();
        let mut literal = 0;
        let matched = parts.iter().zip(&segments).all(|(part, segment)| {
            match (part.find('{'), part.find('}')) {
                (Some(open), Some(close)) if open < close => {
                    let (prefix, suffix) = (&part[..open], &part[close + 1..]);
                    let Some(value) = segment
                        .strip_prefix(prefix)
                        .and_then(|s| s.strip_suffix(suffix))
                    else {
                        return false;
                    };
                    if value.is_empty() {
                        return false;
                    }
                    values.insert(part[open + 1..close].to_string(), percent_decode(value));
                    true
                }
                _ => {
                    literal += 1;
                    part == segment
                }
            }
        });
        if matched && !best.as_ref().is_some_and(|(score, ..)| literal <= *score) {
            best = Some((literal, template, item, values));
        }
    }
    best.map(|(_, template, item, values)| (template, item, values))
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("v={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

struct Checker<'d> {
    root: &'d Value,
    operation: &'d str,
    method: &'d str,
}

impl<'d> Checker<'d> {
    fn resolve(&self, mut value: &'d Value) -> &'d Value {
        for _ in 0..32 {
            let Some(pointer) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            match pointer.strip_prefix('#').and_then(|p| self.root.pointer(p)) {
                Some(target) => value = target,
                None => return &Value::Null,
            }
        }
        value
    }

    /// Whether a convention lets `field` take `value` (`""` or `null`) in this operation.
    fn conventional(&self, field: &str, value: &Value) -> bool {
        CONVENTIONS.iter().any(|c| {
            c.operation == self.operation
                && c.method == self.method
                && c.field == field
                && match c.allows {
                    Allows::Empty => value.as_str() == Some(""),
                    Allows::Null => value.is_null(),
                    Allows::OwnAnswer => false,
                }
        })
    }

    fn parameters(
        &self,
        item: &'d Value,
        operation: &'d Value,
        path_values: &BTreeMap<String, String>,
        request: &Request<'_>,
        problems: &mut Problems,
    ) {
        let declared: Vec<&Value> = [item.get("parameters"), operation.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .map(|p| self.resolve(p))
            .collect();
        let text = |p: &Value, key: &str| p.get(key).and_then(Value::as_str).map(str::to_owned);

        problems.part = Part::Path;
        for (name, value) in path_values {
            let parameter = declared.iter().find(|p| {
                text(p, "in").as_deref() == Some("path") && text(p, "name").as_deref() == Some(name)
            });
            if let Some(schema) = parameter.and_then(|p| p.get("schema")) {
                self.scalar(name, value, schema, problems);
            }
        }

        problems.part = Part::Query;
        // Query: plain names, and deepObject names (`filter[country_code]`) gathered per object.
        let mut objects: BTreeMap<String, Value> = BTreeMap::new();
        for (key, value) in url::form_urlencoded::parse(request.query.as_bytes()) {
            let (base, keys) = split_deep(&key);
            let parameter = declared.iter().find(|p| {
                text(p, "in").as_deref() == Some("query")
                    && text(p, "name").as_deref() == Some(base)
            });
            let Some(parameter) = parameter else {
                let hint = declared
                    .iter()
                    .filter_map(|p| text(p, "name"))
                    .find(|n| n.eq_ignore_ascii_case(base))
                    .map(|n| format!(" (the spec spells it {n})"))
                    .unwrap_or_default();
                problems.add(&key, &format!("unknown query parameter{hint}"));
                continue;
            };
            let Some(schema) = parameter.get("schema") else {
                continue;
            };
            if keys.is_empty() {
                self.scalar(&key, &value, schema, problems);
            } else {
                let object = objects.entry(base.to_string()).or_insert_with(json_object);
                insert_deep(object, &keys, &value);
            }
        }
        for (base, object) in objects {
            let parameter = declared
                .iter()
                .find(|p| text(p, "name").as_deref() == Some(&base));
            if let Some(schema) = parameter.and_then(|p| p.get("schema")) {
                self.deep(&base, &object, schema, problems);
            }
        }
        let sent: Vec<String> = url::form_urlencoded::parse(request.query.as_bytes())
            .map(|(k, _)| split_deep(&k).0.to_string())
            .collect();
        for parameter in &declared {
            let required = parameter.get("required").and_then(Value::as_bool) == Some(true);
            if required && text(parameter, "in").as_deref() == Some("query") {
                let name = text(parameter, "name").unwrap_or_default();
                if !sent.contains(&name) {
                    problems.add(&name, "required query parameter left out");
                }
            }
        }
    }

    /// A deepObject's gathered string values against its object schema.
    fn deep(&self, path: &str, value: &Value, schema: &'d Value, problems: &mut Problems) {
        let schema = self.resolve(schema);
        match value {
            Value::Object(map) => {
                let properties = self.properties(schema);
                for (key, inner) in map {
                    let field = format!("{path}[{key}]");
                    match properties.get(key.as_str()) {
                        Some(property) => self.deep(&field, inner, property, problems),
                        None if self.open(schema) => {}
                        None => problems.add(&field, "unknown field"),
                    }
                }
            }
            Value::String(text) => self.scalar(path, text, schema, problems),
            _ => {}
        }
    }

    /// A string value from a query, path or form against a schema, coerced to its type.
    fn scalar(&self, field: &str, text: &str, schema: &'d Value, problems: &mut Problems) {
        let schema = self.resolve(schema);
        let typed = match type_of(schema).as_deref() {
            Some("integer") => match text.parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => return problems.add(field, &format!("{text:?} is not an integer")),
            },
            Some("number") => match text.parse::<f64>() {
                Ok(n) => Value::from(n),
                Err(_) => return problems.add(field, &format!("{text:?} is not a number")),
            },
            Some("boolean") => match text.to_ascii_lowercase().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return problems.add(field, &format!("{text:?} is not true or false")),
            },
            Some("array") => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                for part in text.split(',') {
                    self.scalar(field, part, items, problems);
                }
                return;
            }
            _ => Value::String(text.to_string()),
        };
        self.value(field, &typed, schema, problems);
    }

    fn properties(&self, schema: &'d Value) -> Map<String, Value> {
        let schema = self.resolve(schema);
        let mut all = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for key in ["allOf", "anyOf", "oneOf"] {
            for branch in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                all.extend(self.properties(branch));
            }
        }
        all
    }

    /// Whether an object schema takes fields it does not declare.
    fn open(&self, schema: &Value) -> bool {
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) | None => false,
            Some(_) => true,
        }
    }

    /// A JSON value against a schema.
    fn value(&self, field: &str, value: &Value, schema: &'d Value, problems: &mut Problems) {
        let schema = self.resolve(schema);
        if self.conventional(field, value) {
            return;
        }
        if value.is_null() {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true)
                || schema
                    .get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|t| t.iter().any(|t| t == "null"));
            if !nullable {
                problems.add(field, "null is not allowed here");
            }
            return;
        }
        if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
            for branch in branches {
                self.value_shape(field, value, branch, problems);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                let fits = branches.iter().any(|branch| {
                    let mut inner = Problems::default();
                    self.value(field, value, branch, &mut inner);
                    inner.found.is_empty()
                });
                if !fits {
                    problems.add(field, "matches none of the forms the spec allows");
                }
            }
        }
        self.value_shape(field, value, schema, problems);
    }

    /// Type, enum, string rules, range, array items and object fields of one schema.
    fn value_shape(&self, field: &str, value: &Value, schema: &'d Value, problems: &mut Problems) {
        let schema = self.resolve(schema);
        let kind = type_of(schema);
        let fits = match kind.as_deref() {
            None => true,
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some("array") => value.is_array(),
            Some("object") => value.is_object(),
            Some(_) => true,
        };
        if !fits {
            let kind = kind.unwrap_or_default();
            return problems.add(field, &format!("{} is not of type {kind}", short(value)));
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                let listed: Vec<String> = allowed.iter().map(short).collect();
                problems.add(
                    field,
                    &format!("{} is not one of {}", short(value), listed.join(", ")),
                );
                return;
            }
        }
        match value {
            Value::String(text) => self.string(field, text, schema, problems),
            Value::Number(number) => {
                let n = number.as_f64().unwrap_or_default();
                let below = schema
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| n < m);
                let above = schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| n > m);
                if below || above {
                    problems.add(field, &format!("{n} is out of the allowed range"));
                }
            }
            Value::Array(items) => {
                let count = items.len() as u64;
                if schema
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| count < m)
                {
                    problems.add(field, "too few items");
                }
                if schema
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|m| count > m)
                {
                    problems.add(field, "too many items");
                }
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.value(&format!("{field}/{i}"), item, item_schema, problems);
                    }
                }
            }
            Value::Object(map) => {
                let properties = self.properties(schema);
                for (key, inner) in map {
                    let inner_field = format!("{field}/{key}");
                    match properties.get(key) {
                        Some(property) => {
                            if self.resolve(property).get("readOnly") == Some(&Value::Bool(true)) {
                                problems.add(&inner_field, "read-only field sent");
                            } else {
                                self.value(&inner_field, inner, property, problems);
                            }
                        }
                        None if self.open(schema) => {}
                        None => problems.add(&inner_field, "unknown field"),
                    }
                }
                for name in required(schema) {
                    if !map.contains_key(&name) {
                        problems.add(&format!("{field}/{name}"), "required field left out");
                    }
                }
            }
            _ => {}
        }
    }

    fn string(&self, field: &str, text: &str, schema: &Value, problems: &mut Problems) {
        let length = text.chars().count() as u64;
        if schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| length < m)
        {
            problems.add(field, &format!("{text:?} is shorter than the spec allows"));
        }
        if schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| length > m)
        {
            problems.add(field, "longer than the spec allows");
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            if regex(pattern).is_some_and(|r| !r.is_match(text)) {
                problems.add(field, &format!("{text:?} does not match {pattern}"));
            }
        }
        let fits = match schema.get("format").and_then(Value::as_str) {
            Some("uri") => url::Url::parse(text).is_ok_and(|u| u.has_host()),
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            Some("uuid") => is_uuid(text),
            _ => true,
        };
        if !fits {
            let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
            problems.add(field, &format!("{text:?} is not a valid {format}"));
        }
    }

    fn body(&self, operation: &'d Value, request: &Request<'_>, problems: &mut Problems) {
        problems.part = Part::Body;
        let declared = operation.get("requestBody").map(|b| self.resolve(b));
        let media = request.content_type.map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        let Some(declared) = declared else {
            if !request.body.is_empty() {
                problems.add("body", "this operation takes no request body");
            }
            return;
        };
        let required = declared.get("required").and_then(Value::as_bool) == Some(true);
        if request.body.is_empty() && media.is_none() {
            if required {
                problems.add("body", "the request body is required");
            }
            return;
        }
        let content = declared.get("content").and_then(Value::as_object);
        let Some((media, entry)) = media
            .as_deref()
            .and_then(|m| content.and_then(|c| c.get(m)).map(|e| (m, e)))
        else {
            let allowed: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
            let sent = media.unwrap_or_else(|| "none".into());
            let allowed: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            problems.add(
                "Content-Type",
                &format!(
                    "{sent} is not a content type of this operation ({})",
                    allowed.join(", ")
                ),
            );
            return;
        };
        let schema = entry.get("schema").unwrap_or(&Value::Null);
        match media {
            "application/x-www-form-urlencoded" => self.form(request.body, schema, problems),
            "application/json" => match serde_json::from_slice::<Value>(request.body) {
                Ok(value) => self.value("", &value, schema, problems),
                Err(_) => problems.add("body", "the body is not JSON"),
            },
            _ => {}
        }
    }

    fn form(&self, body: &[u8], schema: &'d Value, problems: &mut Problems) {
        let schema = self.resolve(schema);
        let properties = self.properties(schema);
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        for (name, value) in &pairs {
            match properties.get(name) {
                None => {
                    let hint = properties
                        .keys()
                        .find(|n| n.eq_ignore_ascii_case(name))
                        .map(|n| format!(" (the spec spells it {n})"))
                        .unwrap_or_default();
                    problems.add(name, &format!("unknown parameter{hint}"));
                }
                Some(_) if self.conventional(name, &Value::String(value.clone())) => {}
                Some(property) => self.scalar(name, value, property, problems),
            }
        }
        for name in required(schema) {
            if !pairs.iter().any(|(n, _)| *n == name) {
                problems.add(&name, "required parameter left out");
            }
        }
    }
}

fn json_object() -> Value {
    Value::Object(Map::new())
}

/// `filter[phone_number][starts_with]` → (`filter`, [`phone_number`, `starts_with`]).
fn split_deep(key: &str) -> (&str, Vec<&str>) {
    let Some(open) = key.find('[') else {
        return (key, Vec::new());
    };
    let keys = key[open..]
        .split('[')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches(']'))
        .collect();
    (&key[..open], keys)
}

fn insert_deep(object: &mut Value, keys: &[&str], value: &str) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut at = object;
    for key in parents {
        let Value::Object(map) = at else {
            return;
        };
        at = map.entry(key.to_string()).or_insert_with(json_object);
    }
    if let Value::Object(map) = at {
        map.insert(last.to_string(), Value::String(value.to_string()));
    }
}

fn type_of(schema: &Value) -> Option<String> {
    match schema.get("type") {
        Some(Value::String(kind)) => Some(kind.clone()),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .map(str::to_owned),
        _ => None,
    }
}

fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn regex(pattern: &str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(BTreeMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio(method: &'static str, path: &'static str, body: &'static str) -> Vec<Violation> {
        check(&Request {
            carrier: Carrier::Twilio,
            method,
            path,
            query: "",
            content_type: Some("application/x-www-form-urlencoded"),
            body: body.as_bytes(),
        })
    }

    const NUMBER: &str = "/twilio/api/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/IncomingPhoneNumbers/PNbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.json";

    #[test]
    fn a_well_formed_twilio_update_passes_and_each_kind_of_mistake_is_named() {
        assert_eq!(
            twilio(
                "POST",
                NUMBER,
                "VoiceUrl=https%3A%2F%2Fa.example%2Fv&VoiceMethod=POST"
            ),
            vec![]
        );
        let fields = |v: Vec<Violation>| v.into_iter().map(|v| v.field).collect::<Vec<_>>();
        assert_eq!(
            fields(twilio("POST", NUMBER, "voiceUrl=https%3A%2F%2Fa.example")),
            ["voiceUrl"]
        );
        assert_eq!(
            fields(twilio("POST", NUMBER, "VoiceUrl=not%20a%20url")),
            ["VoiceUrl"]
        );
        assert_eq!(
            fields(twilio("POST", NUMBER, "VoiceMethod=PUT")),
            ["VoiceMethod"]
        );
        assert_eq!(
            fields(twilio("POST", NUMBER, "VoiceApplicationSid=AP1")),
            ["VoiceApplicationSid", "VoiceApplicationSid"]
        );
        // The listed convention: an empty SID clears it.
        assert_eq!(twilio("POST", NUMBER, "VoiceApplicationSid="), vec![]);
        let wrong_type = check(&Request {
            content_type: Some("application/json"),
            ..Request {
                carrier: Carrier::Twilio,
                method: "POST",
                path: NUMBER,
                query: "",
                content_type: None,
                body: b"{}",
            }
        });
        assert_eq!(fields(wrong_type), ["Content-Type"]);
    }

    #[test]
    fn a_telnyx_body_and_query_are_checked_field_by_field() {
        let telnyx =
            |method: &'static str, path: &'static str, query: &'static str, body: &'static str| {
                check(&Request {
                    carrier: Carrier::Telnyx,
                    method,
                    path,
                    query,
                    content_type: (!body.is_empty()).then_some("application/json"),
                    body: body.as_bytes(),
                })
                .into_iter()
                .map(|v| v.field)
                .collect::<Vec<_>>()
            };
        let number = "/telnyx/v2/phone_numbers/1293384261075731499";
        assert!(telnyx("PATCH", number, "", r#"{"connection_id":"123"}"#).is_empty());
        assert_eq!(
            telnyx("PATCH", number, "", r#"{"connectionId":"123"}"#),
            ["/connectionId"]
        );
        assert_eq!(
            telnyx("PATCH", number, "", r#"{"connection_id":5}"#),
            ["/connection_id"]
        );
        let search = "/telnyx/v2/available_phone_numbers";
        assert!(telnyx(
            "GET",
            search,
            "filter%5Bcountry_code%5D=US&filter%5Blimit%5D=5",
            ""
        )
        .is_empty());
        assert_eq!(
            telnyx("GET", search, "filter%5Bcountry%5D=US", ""),
            ["filter[country]"]
        );
        assert_eq!(
            telnyx("GET", search, "filter%5Blimit%5D=five", ""),
            ["filter[limit]"]
        );
        assert_eq!(telnyx("GET", "/telnyx/v2/no_such_thing", "", ""), [""]);
    }
}
