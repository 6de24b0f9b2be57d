//! The in-flight bound in each service's OpenAPI document. Any route but
//! the probes and the scrape can be shed, so every operation of a service
//! says so on its 503, written once here rather than on each handler.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

/// What every 503 adds, and what an operation without one gets.
pub const SHED_NOTE: &str = "Also answered when this instance is at its bound of requests in flight (`HTTP_MAX_IN_FLIGHT`): nothing was done, retry after `Retry-After`.";

/// Adds the in-flight bound to every operation of `api`'s 503 answers.
pub fn describe_shedding(api: &mut OpenApi) {
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            note_shedding(operation);
        }
    }
}

fn note_shedding(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    match responses.get_mut("503") {
        Some(RefOr::T(response)) => {
            if !response.description.contains(SHED_NOTE) {
                response.description = format!("{} {SHED_NOTE}", response.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            let mut response = Response::new(format!("Unavailable (`UNAVAILABLE`). {SHED_NOTE}"));
            response.content.insert(
                "application/problem+json".to_owned(),
                Content::new(Some(Ref::from_schema_name("ProblemBody"))),
            );
            responses.insert("503".to_owned(), RefOr::T(response));
        }
    }
}

#[cfg(test)]
mod tests {
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem, PathsBuilder};
    use utoipa::openapi::{OpenApiBuilder, ResponsesBuilder};

    use super::*;

    fn operation(with_503: bool) -> Operation {
        let mut responses = ResponsesBuilder::new().response("200", Response::new("ok"));
        if with_503 {
            responses = responses.response("503", Response::new("Redis is down."));
        }
        OperationBuilder::new().responses(responses.build()).build()
    }

    fn description_of_503(api: &OpenApi, path: &str) -> String {
        let item = &api.paths.paths[path];
        let operation = item.get.as_ref().or(item.post.as_ref()).unwrap();
        match &operation.responses.responses["503"] {
            RefOr::T(response) => response.description.clone(),
            RefOr::Ref(_) => panic!("a reference"),
        }
    }

    #[test]
    fn every_operation_says_it_can_be_shed_once() {
        let mut api = OpenApiBuilder::new()
            .paths(
                PathsBuilder::new()
                    .path("/a", PathItem::new(HttpMethod::Get, operation(true)))
                    .path("/b", PathItem::new(HttpMethod::Post, operation(false))),
            )
            .build();
        describe_shedding(&mut api);
        describe_shedding(&mut api);
        let a = description_of_503(&api, "/a");
        assert!(a.starts_with("Redis is down. "), "{a}");
        assert_eq!(a.matches(SHED_NOTE).count(), 1, "{a}");
        let b = description_of_503(&api, "/b");
        assert!(b.contains(SHED_NOTE), "{b}");
    }
}
