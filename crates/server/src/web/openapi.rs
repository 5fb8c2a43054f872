//! The OpenAPI 3.1 document at `/api/v1/openapi.json`, built from the endpoint table.

use serde_json::{Map, Value, json};

use super::api::Endpoint;

pub fn document(endpoints: &[Endpoint]) -> Value {
    let mut paths = Map::new();
    for endpoint in endpoints {
        let mut operation = json!({
            "summary": endpoint.summary,
            "security": [{"session": [], "csrf": []}, {"token": []}],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "401": {"description": "Not signed in"},
                "403": {"description": "Not allowed, or CSRF token missing"},
                "404": {"description": "Missing, or another organisation's"},
                "429": {"description": "Too many requests; retry after the Retry-After header's seconds"},
            },
        });
        if endpoint.path.contains("{id}") {
            operation["parameters"] = json!([{
                "name": "id", "in": "path", "required": true, "schema": {"type": "integer"}
            }]);
        }
        if let Some(body) = endpoint.body {
            operation["requestBody"] = json!({
                "required": true,
                "description": body,
                "content": {"application/json": {"schema": {"type": "object"}}},
            });
        }
        if endpoint.path.ends_with("/openapi.json") {
            operation["security"] = json!([]);
        }
        paths
            .entry(endpoint.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(endpoint.method.to_owned(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Shu'an (数安) platform API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Organisations, data sources, scan jobs, the reviewed inventory and the audit trail. Unsafe requests made with a session cookie need the X-CSRF-Token header; API tokens (Authorization: Bearer) need none.",
        },
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": super::SESSION_COOKIE},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            "token": {"type": "http", "scheme": "bearer"},
        }},
        "paths": paths,
    })
}
