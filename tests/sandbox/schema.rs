//! Checks sandbox replies against the carriers' official OpenAPI documents, trimmed to the
//! operations these tests check and what those reach through `$ref` (`src-tauri/sandbox/openapi/`,
//! written by `scripts/vendor-openapi.py`; its README names the sources), loaded once per test
//! binary. The checker covers what the specs use: `$ref`, `type` (also 3.1 type lists with
//! `null`), `nullable`, `enum`, `pattern`, `minLength`/`maxLength`, `properties`, `required`,
//! `items`, `allOf`/`anyOf`/`oneOf`. Beyond JSON Schema it fails on fields the schema does not
//! declare (misnamed fields) and, for success bodies, on declared fields the reply leaves out
//! (missing fields).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use reqwest::StatusCode;
use serde_json::{Map, Value};

pub struct Spec {
    name: &'static str,
    root: Value,
}

fn load(name: &'static str, relative: &str) -> Spec {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src-tauri/sandbox/openapi")
        .join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let root =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    Spec { name, root }
}

pub fn twilio_api() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("twilio_api_v2010", "twilio/twilio_api_v2010.json"))
}

pub fn twilio_pricing() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("twilio_pricing_v1", "twilio/twilio_pricing_v1.json"))
}

pub fn twilio_routes() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("twilio_routes_v2", "twilio/twilio_routes_v2.json"))
}

pub fn twilio_numbers() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("twilio_numbers_v2", "twilio/twilio_numbers_v2.json"))
}

pub fn telnyx() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| load("telnyx_spec3", "telnyx/spec3.json"))
}

fn regex(pattern: &str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

/// How many items of an array are checked (all would make 1,000-item pages slow for nothing).
const ITEMS_CHECKED: usize = 40;

impl Spec {
    /// The JSON schema of `method path`'s reply with `status`, falling back to `4XX`/`default`.
    pub fn response_schema(&self, path: &str, method: &str, status: StatusCode) -> &Value {
        let operation = self
            .root
            .pointer(&format!(
                "/paths/{}/{}",
                path.replace('~', "~0").replace('/', "~1"),
                method.to_ascii_lowercase()
            ))
            .unwrap_or_else(|| {
                panic!(
                    "{}: no operation {method} {path} (a new one goes in OPERATIONS of \
                     scripts/vendor-openapi.py, then run it again)",
                    self.name
                )
            });
        let responses = &operation["responses"];
        let class = format!("{}XX", status.as_u16() / 100);
        let response = [status.as_u16().to_string(), class, "default".to_string()]
            .iter()
            .find_map(|key| responses.get(key))
            .unwrap_or_else(|| {
                panic!("{}: {method} {path} documents no {status} reply", self.name)
            });
        let response = self.resolve(response);
        response
            .pointer("/content/application~1json/schema")
            .unwrap_or_else(|| panic!("{}: {method} {path} {status} has no JSON schema", self.name))
    }

    /// Fails the test unless `body` fits the documented reply exactly: nothing undeclared, and
    /// (for 2xx) nothing declared left out except the fields named in `may_omit`.
    pub fn check(
        &self,
        path: &str,
        method: &str,
        status: StatusCode,
        body: &Value,
        may_omit: &[&str],
    ) {
        let schema = self.response_schema(path, method, status);
        let mut errors = Vec::new();
        let strict = status.is_success();
        self.validate(schema, body, "$", strict, may_omit, &mut errors);
        assert!(
            errors.is_empty(),
            "{} {method} {path} {status}: reply does not match the schema:\n  {}\nbody: {}",
            self.name,
            errors.join("\n  "),
            truncate(&body.to_string())
        );
    }

    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let pointer = reference.trim_start_matches('#');
                    schema = self
                        .root
                        .pointer(pointer)
                        .unwrap_or_else(|| panic!("{}: unresolved $ref {reference}", self.name));
                }
                None => return schema,
            }
        }
        panic!("{}: $ref chain too deep", self.name)
    }

    /// Properties declared by a schema, its `allOf` parts included.
    fn properties<'a>(&'a self, schema: &'a Value, into: &mut Map<String, Value>) -> bool {
        let schema = self.resolve(schema);
        let mut declared = false;
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            declared = true;
            for (key, value) in properties {
                into.insert(key.clone(), value.clone());
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                declared |= self.properties(part, into);
            }
        }
        declared
    }

    fn validate(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        strict: bool,
        may_omit: &[&str],
        errors: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                let fits = branches.iter().any(|branch| {
                    let mut branch_errors = Vec::new();
                    self.validate(branch, value, at, strict, may_omit, &mut branch_errors);
                    branch_errors.is_empty()
                });
                if !fits {
                    errors.push(format!("{at}: fits none of the {key} branches: {value}"));
                }
                return;
            }
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(kind)) => vec![kind.as_str()],
            Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if value.is_null() {
            let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true)
                || types.contains(&"null")
                || schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|values| values.contains(&Value::Null));
            if !nullable {
                errors.push(format!("{at}: null where the schema does not allow null"));
            }
            return;
        }
        if !types.is_empty() {
            let string_override =
                schema.pointer("/x-twilio/overrideType") == Some(&Value::String("string".into()));
            let fits = types.iter().any(|kind| match *kind {
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number() || (string_override && value.is_string()),
                "boolean" => value.is_boolean(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                "null" => false,
                _ => true,
            });
            if !fits {
                errors.push(format!("{at}: {value} is not of type {types:?}"));
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                errors.push(format!("{at}: {value} is not one of {allowed:?}"));
            }
        }
        if let Some(text) = value.as_str() {
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                if let Some(regex) = regex(pattern) {
                    if !regex.is_match(text) {
                        errors.push(format!("{at}: {text:?} does not match /{pattern}/"));
                    }
                }
            }
            let length = text.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                if length < min {
                    errors.push(format!("{at}: {text:?} shorter than {min}"));
                }
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                if length > max {
                    errors.push(format!("{at}: {text:?} longer than {max}"));
                }
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for part in parts {
                // Properties are checked together below, so each part is checked without
                // the undeclared-field rule.
                let part = self.resolve(part);
                if part.get("properties").is_none() {
                    self.validate(part, value, at, strict, may_omit, errors);
                }
            }
        }
        if let Some(items) = value.as_array() {
            if let Some(item_schema) = schema.get("items") {
                for (index, item) in items.iter().enumerate().take(ITEMS_CHECKED) {
                    self.validate(
                        item_schema,
                        item,
                        &format!("{at}[{index}]"),
                        strict,
                        may_omit,
                        errors,
                    );
                }
            }
        }
        if let Some(object) = value.as_object() {
            let mut declared = Map::new();
            let has_properties = self.properties(schema, &mut declared);
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: required field {name} is missing"));
                    }
                }
            }
            if !has_properties {
                return;
            }
            let open = matches!(
                schema.get("additionalProperties"),
                Some(Value::Bool(true)) | Some(Value::Object(_))
            );
            // Twilio's search sends `SMS` and `MMS` where the spec declares `sms` and `mms`; its
            // own description spells them so. Objects of that format match keys in any case.
            let any_case =
                schema.get("format") == Some(&Value::String("phone-number-capabilities".into()));
            let find = |key: &str| {
                declared.get(key).or_else(|| {
                    any_case
                        .then(|| declared.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
                        .flatten()
                        .map(|(_, v)| v)
                })
            };
            for (key, field) in object {
                match find(key) {
                    Some(field_schema) => self.validate(
                        field_schema,
                        field,
                        &format!("{at}.{key}"),
                        strict,
                        may_omit,
                        errors,
                    ),
                    None if open => {}
                    None => errors.push(format!("{at}: field {key} is not in the schema")),
                }
            }
            if strict {
                for key in declared.keys() {
                    let present = object.contains_key(key)
                        || (any_case && object.keys().any(|k| k.eq_ignore_ascii_case(key)));
                    if !present && !may_omit.contains(&key.as_str()) {
                        errors.push(format!("{at}: declared field {key} is missing"));
                    }
                }
            }
        }
    }
}

fn truncate(text: &str) -> String {
    if text.len() > 1500 {
        format!("{}…", &text[..1500])
    } else {
        text.to_string()
    }
}

/// Twilio's error body, which its specs do not declare: `{code, message, more_info, status}`.
pub fn check_twilio_error(body: &Value, status: StatusCode, code: u64) {
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("error body is not an object: {body}"));
    assert_eq!(body["code"].as_u64(), Some(code), "code in {body}");
    assert!(body["message"].is_string(), "message in {body}");
    assert_eq!(
        body["more_info"].as_str(),
        Some(format!("https://www.twilio.com/docs/errors/{code}").as_str()),
        "more_info in {body}"
    );
    assert_eq!(
        body["status"].as_u64(),
        Some(u64::from(status.as_u16())),
        "status in {body}"
    );
    for key in object.keys() {
        assert!(
            ["code", "message", "more_info", "status", "details"].contains(&key.as_str()),
            "unexpected key {key} in Twilio error {body}"
        );
    }
}

/// The first Telnyx error's code, after checking the `{errors: [...]}` shape.
pub fn telnyx_error_code(body: &Value) -> String {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array in {body}"));
    assert!(!errors.is_empty(), "empty errors in {body}");
    for error in errors {
        assert!(error["code"].is_string(), "code must be a string: {body}");
        assert!(error["title"].is_string(), "title must be a string: {body}");
    }
    errors[0]["code"].as_str().unwrap_or_default().to_string()
}

#[cfg(test)]
mod checker {
    use super::*;
    use serde_json::json;

    fn fails(spec: &Spec, path: &str, method: &str, body: &Value) -> bool {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            spec.check(path, method, StatusCode::OK, body, &[])
        }))
        .is_err()
    }

    #[test]
    fn the_checker_rejects_missing_misnamed_and_mistyped_fields() {
        let spec = twilio_routes();
        let path = "/v2/PhoneNumbers/{PhoneNumber}";
        let good = json!({
            "phone_number": "+14155550100",
            "url": "http://127.0.0.1/twilio/routes/v2/PhoneNumbers/+14155550100",
            "sid": "QQ0123456789abcdef0123456789abcdef",
            "account_sid": "AC0123456789abcdef0123456789abcdef",
            "friendly_name": null,
            "voice_region": "us1",
            "date_created": "2024-01-02T15:04:05Z",
            "date_updated": "2024-01-02T15:04:05Z",
        });
        assert!(!fails(spec, path, "get", &good));
        let mut missing = good.clone();
        missing.as_object_mut().unwrap().remove("voice_region");
        assert!(fails(spec, path, "get", &missing), "a missing field");
        let mut misnamed = missing.clone();
        misnamed["voiceRegion"] = json!("us1");
        assert!(fails(spec, path, "get", &misnamed), "a misnamed field");
        let mut mistyped = good.clone();
        mistyped["voice_region"] = json!(1);
        assert!(
            fails(spec, path, "get", &mistyped),
            "a field of the wrong type"
        );
        let mut bad_sid = good.clone();
        bad_sid["sid"] = json!("PN0123456789abcdef0123456789abcdef");
        assert!(
            fails(spec, path, "get", &bad_sid),
            "a SID breaking its pattern"
        );
    }

    #[test]
    fn the_checker_follows_telnyx_refs_enums_and_required_fields() {
        let spec = telnyx();
        let body = json!({"data": [{"id": "1", "record_type": "phone_number", "status": "sold"}],
                          "meta": {"total_pages": 1, "total_results": 1, "page_number": 1, "page_size": 20}});
        assert!(fails(spec, "/phone_numbers", "get", &body));
        let body = json!({"data": [], "meta": {"total_pages": "1", "total_results": 1, "page_number": 1, "page_size": 20}});
        assert!(fails(spec, "/phone_numbers", "get", &body));
    }
}
