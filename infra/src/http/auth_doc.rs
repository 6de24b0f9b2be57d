//! How callers authenticate, in each API's OpenAPI document (`infra::auth`):
//! the gateway's `X-User-Id` (AUTH_MODE=gateway, the default) or a bearer
//! JWT (AUTH_MODE=jwt). Every operation that takes the user (it has the
//! `X-User-Id` parameter) lists both as alternative security requirements
//! and says on its 401 what jwt mode adds; written once here rather than
//! on each handler.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ObjectBuilder, OpenApi, RefOr, Type};

use crate::auth::USER_ID_HEADER;

/// The security scheme of the gateway's header.
pub const GATEWAY_SCHEME: &str = "gatewayUserId";
/// The security scheme of bearer JWTs.
pub const BEARER_SCHEME: &str = "bearerAuth";

/// What every such 401 adds.
pub const BEARER_NOTE: &str = "With `AUTH_MODE=jwt`: the bearer token is missing, malformed, forged, expired or not for this service (`UNAUTHENTICATED`, with `WWW-Authenticate: Bearer`).";

/// Adds both schemes to `api` and to each operation that takes the user.
pub fn describe_authentication(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        GATEWAY_SCHEME,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            USER_ID_HEADER,
            "AUTH_MODE=gateway (the default): the caller's user id (UUID), set by the upstream gateway that authenticated them.",
        ))),
    );
    components.add_security_scheme(
        BEARER_SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "AUTH_MODE=jwt: a JWT signed HS256 or RS256 by a configured key, with `exp`; its `sub` (a UUID) is the caller. `X-User-Id` is then ignored.",
                ))
                .build(),
        ),
    );
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            if takes_the_user(operation) {
                describe(operation);
            }
        }
    }
}

fn takes_the_user(operation: &Operation) -> bool {
    operation.parameters.iter().flatten().any(|parameter| {
        parameter.parameter_in == ParameterIn::Header
            && parameter.name.eq_ignore_ascii_case(USER_ID_HEADER)
    })
}

fn describe(operation: &mut Operation) {
    let none = Vec::<String>::new();
    operation.security = Some(vec![
        SecurityRequirement::new(GATEWAY_SCHEME, none.clone()),
        SecurityRequirement::new(BEARER_SCHEME, none),
    ]);
    if let Some(RefOr::T(response)) = operation.responses.responses.get_mut("401") {
        if !response.description.contains(BEARER_NOTE) {
            response.description = format!("{} {BEARER_NOTE}", response.description);
        }
        response.headers.insert(
            "WWW-Authenticate".to_owned(),
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(
                    "With `AUTH_MODE=jwt`: `Bearer`, or `Bearer error=\"invalid_token\"` for a token that does not verify.",
                ))
                .build(),
        );
    }
}
