//! The REST API's own OpenAPI document, held against the server's replies: which
//! operations it lists, and for each reply that its status is one the operation
//! documents, that its body is JSON valid against the documented schema, and which
//! (operation, status) pairs the test has seen, so that a test can insist on all.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use axum::body::Body;
use http::{Method, Request, header};
use serde_json::{Value, json};

use super::{API_KEY, Reply, Tandem};

/// Where the document's paths are mounted.
const BASE: &str = "/v1.3";
/// The methods an OpenAPI path item can hold.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// An operation as the document names it: lowercase method and path template.
pub type Operation = (String, String);

/// The document as served, and what replies have been checked against it.
pub struct Contract {
    /// The document.
    pub document: Value,
    covered: Mutex<BTreeSet<(Operation, u16)>>,
}

impl Contract {
    /// Fetches `/v1.3/openapi.json` from `tandem`.
    pub async fn fetch(tandem: &Tandem) -> Contract {
        let document = tandem.api_ok(&format!("{BASE}/openapi.json")).await;
        Contract { document, covered: Mutex::default() }
    }

    /// Every documented operation.
    pub fn operations(&self) -> BTreeSet<Operation> {
        let paths = self.document["paths"].as_object().expect("the document has paths");
        paths
            .iter()
            .flat_map(|(path, item)| {
                METHODS.iter().filter(|m| item.get(**m).is_some()).map(|m| ((*m).to_owned(), path.clone()))
            })
            .collect()
    }

    /// The statuses the operation documents, with their response objects.
    fn responses(&self, (method, path): &Operation) -> BTreeMap<u16, Value> {
        let responses = self.document["paths"][path][method]["responses"].as_object().expect("responses");
        responses.iter().map(|(status, r)| (status.parse().expect("numeric status"), r.clone())).collect()
    }

    /// The documented operation that `method` on `path` (below `/v1.3`, query allowed)
    /// is an instance of.
    pub fn operation_of(&self, method: &Method, path: &str) -> Option<Operation> {
        let path = path.strip_prefix(BASE)?.split('?').next()?;
        let method = method.as_str().to_ascii_lowercase();
        self.operations().into_iter().find(|(m, template)| *m == method && matches_template(template, path))
    }

    /// Sends `method` on `path` with the test key and checks the reply.
    pub async fn call(&self, tandem: &Tandem, method: Method, path: &str, body: &str) -> Reply {
        self.call_with_key(tandem, method, path, body, Some(API_KEY)).await
    }

    /// Sends `method` on `path` with `key` (or none) and checks the reply.
    pub async fn call_with_key(
        &self,
        tandem: &Tandem,
        method: Method,
        path: &str,
        body: &str,
        key: Option<&str>,
    ) -> Reply {
        let operation = self.operation_of(&method, path).unwrap_or_else(|| panic!("{method} {path} is not documented"));
        let mut request = Request::builder()
            .method(method.clone())
            .uri(tandem.control_url(path))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let reply = tandem.send(request.body(Body::from(body.to_owned())).expect("request")).await;
        self.check(&operation, &format!("{method} {path}"), body, &reply);
        reply
    }

    /// Asserts that `reply` is one `operation` documents: a listed status, and a JSON
    /// body that the status's schema accepts. A request body the server took must be
    /// one the document accepts, and one it could not parse one the document refuses.
    #[track_caller]
    fn check(&self, operation: &Operation, what: &str, request_body: &str, reply: &Reply) {
        let status = reply.status.as_u16();
        let responses = self.responses(operation);
        let Some(response) = responses.get(&status) else {
            panic!("{what}: {status} is not among the documented {:?}: {}", responses.keys(), reply.text());
        };
        self.covered.lock().expect("covered").insert((operation.clone(), status));
        let (method, path) = operation;
        if let Some(schema) = json_schema(&self.document["paths"][path][method]["requestBody"], what) {
            let errors = self.errors(schema, request_body.as_bytes());
            if reply.status.is_success() {
                assert!(errors.is_empty(), "{what}: accepted a body the document refuses: {errors:?}\n{request_body}");
            } else if reply.json()["error"] == "invalid_json" {
                assert!(
                    !errors.is_empty(),
                    "{what}: refused as invalid_json a body the document accepts: {request_body}"
                );
            }
        }
        if let Some(schema) = json_schema(response, what) {
            assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/json"), "{what}: {status}");
            let errors = self.errors(schema, &reply.body);
            let text = reply.text();
            assert!(
                errors.is_empty(),
                "{what}: {status}: the body does not match the document:\n{}\n{text}",
                errors.join("\n")
            );
        }
    }

    /// Why `body` is not JSON that `schema` (which may refer to the document's
    /// components) accepts with no property the schema does not name; empty if it is.
    fn errors(&self, schema: &Value, body: &[u8]) -> Vec<String> {
        let instance: Value = match serde_json::from_slice(body) {
            Ok(instance) => instance,
            Err(e) => return vec![format!("not JSON: {e}")],
        };
        // The `$ref`s point into `#/components`, so the document's components sit at
        // the root of the schema the validator gets.
        let mut wrapper = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.document["components"],
            "allOf": [schema],
        });
        close_objects(&mut wrapper);
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&wrapper)
            .unwrap_or_else(|e| panic!("the documented schema {schema} does not compile: {e}"));
        validator.iter_errors(&instance).map(|e| format!("at {}: {e}", e.instance_path())).collect()
    }

    /// Asserts that `body` is a valid instance of the component schema `name`.
    #[track_caller]
    pub fn assert_component(&self, name: &str, body: &[u8], what: &str) {
        let errors = self.errors(&json!({"$ref": format!("#/components/schemas/{name}")}), body);
        assert!(errors.is_empty(), "{what}: not a {name}: {errors:?}\n{}", String::from_utf8_lossy(body));
    }

    /// Every documented (operation, status) that no checked reply had.
    pub fn uncovered(&self) -> Vec<String> {
        let covered = self.covered.lock().expect("covered");
        self.operations()
            .into_iter()
            .flat_map(|op| self.responses(&op).into_keys().map(move |status| (op.clone(), status)))
            .filter(|pair| !covered.contains(pair))
            .map(|((method, path), status)| format!("{} {path} {status}", method.to_uppercase()))
            .collect()
    }
}

/// The JSON schema of a request body or response object, if it documents a body.
fn json_schema<'a>(body: &'a Value, what: &str) -> Option<&'a Value> {
    let content = body.get("content")?.as_object()?;
    let schema = content.get("application/json").and_then(|media| media.get("schema"));
    Some(schema.unwrap_or_else(|| panic!("{what}: a documented body that is not JSON: {content:?}")))
}

/// Whether `path` (no query) is an instance of `template`, `{name}` matching one segment.
fn matches_template(template: &str, path: &str) -> bool {
    let (template, path): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
}

/// Forbids properties that an object schema does not name: the document must list
/// every field the server sends. Free-form objects (no `properties`) stay open.
fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("properties").is_some_and(Value::is_object) && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}
