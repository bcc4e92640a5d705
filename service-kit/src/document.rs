//! What every service's OpenAPI document says the same way: the answers every endpoint can give
//! whatever it does (bad input, a wrong content type, a name that is not there, a missing
//! credential), written into the document once rather than repeated by each handler.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// An answer with the JSON error body (`ErrorBody`, see [`crate::error`]).
pub fn error_answer(description: &str) -> RefOr<utoipa::openapi::Response> {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/json", body)
        .build()
        .into()
}

/// Adds `status` with `description` to `operation`, unless the operation describes it itself.
pub fn answers(operation: &mut Operation, status: &str, description: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| error_answer(description));
}

/// Calls `each` with the method, route and operation of every operation in `doc`.
pub fn each_operation(doc: &mut OpenApi, mut each: impl FnMut(&str, &str, &mut Operation)) {
    for (route, item) in &mut doc.paths.paths {
        let methods = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, operation) in methods {
            if let Some(operation) = operation.as_mut() {
                each(method, route, operation);
            }
        }
    }
}

/// The `400` of an operation that takes path or query values or a body, the `415` of one that
/// takes JSON and the `404` of one whose path names things, where the operation does not
/// describe them itself: every endpoint answers them the same way (see [`crate::extract`]).
pub fn bad_input(operation: &mut Operation) {
    let takes_values = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let takes_json = operation
        .request_body
        .as_ref()
        .is_some_and(|body| match body {
            RefOr::T(body) => body
                .content
                .keys()
                .any(|t| t.starts_with("application/json")),
            RefOr::Ref(_) => false,
        });
    if takes_values || operation.request_body.is_some() {
        answers(
            operation,
            "400",
            "A path or query value, or the body, is malformed",
        );
    }
    if takes_json {
        answers(operation, "415", "The body is not `application/json`");
    }
    let names_things = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
    if names_things {
        answers(
            operation,
            "404",
            "Nothing of a name the path gives: no such environment, app or other thing",
        );
    }
}
