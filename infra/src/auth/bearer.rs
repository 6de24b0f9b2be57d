//! Bearer JWTs (RFC 6750, RFC 7519): the token from `Authorization`, its
//! signature checked with a configured key (HS256 or RS256, from a secret,
//! a PEM or a JWKS file), `exp` (required) and `nbf` within the leeway,
//! `iss` and `aud` when configured, and `sub` a UUID: the user id.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::HttpRequest;
use jsonwebtoken::{decode, decode_header, Validation};
use serde::Deserialize;
use uuid::Uuid;

use crate::config::{JwtKey, JwtSettings};

/// Verifies bearer tokens against the configured keys. Cheap to clone.
#[derive(Clone)]
pub struct BearerVerifier {
    settings: Arc<JwtSettings>,
}

/// Why a bearer token was refused; the detail of the 401 says which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BearerRefused {
    #[error("an Authorization: Bearer <token> header is required")]
    Missing,
    #[error("the bearer token is malformed")]
    Malformed,
    #[error("the bearer token is signed with an algorithm or key this service does not accept")]
    UnknownKey,
    #[error("the bearer token's signature does not verify")]
    BadSignature,
    #[error("the bearer token has expired")]
    Expired,
    #[error("the bearer token is not valid yet")]
    NotYetValid,
    #[error("the bearer token's issuer or audience is not this service's")]
    WrongParty,
    #[error("the bearer token's sub is not a user id (a UUID)")]
    NotAUser,
}

impl BearerRefused {
    /// RFC 6750 §3: no error code when no token was sent, `invalid_token`
    /// for one that does not verify.
    pub fn challenge(&self) -> &'static str {
        match self {
            BearerRefused::Missing => "Bearer",
            _ => "Bearer error=\"invalid_token\"",
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

impl BearerVerifier {
    pub fn new(settings: &JwtSettings) -> Self {
        Self {
            settings: Arc::new(settings.clone()),
        }
    }

    /// The user id of the request's bearer token.
    pub fn caller(&self, request: &HttpRequest) -> Result<Uuid, BearerRefused> {
        let value = request
            .headers()
            .get(header::AUTHORIZATION)
            .ok_or(BearerRefused::Missing)?
            .to_str()
            .map_err(|_| BearerRefused::Malformed)?;
        let (scheme, token) = value.trim().split_once(' ').ok_or(BearerRefused::Missing)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(BearerRefused::Missing);
        }
        self.verify(token.trim())
    }

    /// The `sub` of a genuine, current token.
    pub fn verify(&self, token: &str) -> Result<Uuid, BearerRefused> {
        let header = decode_header(token).map_err(|_| BearerRefused::Malformed)?;
        // A token naming a kid is checked against that key; one naming none
        // against every key of its algorithm (there are a few at most).
        let candidates: Vec<&JwtKey> = self
            .settings
            .keys
            .iter()
            .filter(|key| key.algorithm == header.alg)
            .filter(|key| header.kid.is_none() || key.kid.is_none() || key.kid == header.kid)
            .collect();
        if candidates.is_empty() {
            return Err(BearerRefused::UnknownKey);
        }
        let validation = self.validation(header.alg);
        let mut refusal = BearerRefused::BadSignature;
        for key in candidates {
            match decode::<Claims>(token, &key.key, &validation) {
                Ok(data) => {
                    return Uuid::parse_str(&data.claims.sub).map_err(|_| BearerRefused::NotAUser)
                }
                Err(error) => {
                    refusal = refusal_of(error.kind());
                    // Only a signature mismatch may be another key's token.
                    if refusal != BearerRefused::BadSignature {
                        return Err(refusal);
                    }
                }
            }
        }
        Err(refusal)
    }

    fn validation(&self, algorithm: jsonwebtoken::Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.leeway = self.settings.leeway_seconds;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        match &self.settings.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        if let Some(issuer) = &self.settings.issuer {
            validation.set_issuer(&[issuer]);
        }
        validation
    }
}

fn refusal_of(kind: &jsonwebtoken::errors::ErrorKind) -> BearerRefused {
    use jsonwebtoken::errors::ErrorKind;
    match kind {
        ErrorKind::InvalidSignature => BearerRefused::BadSignature,
        ErrorKind::ExpiredSignature => BearerRefused::Expired,
        ErrorKind::ImmatureSignature => BearerRefused::NotYetValid,
        ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => BearerRefused::WrongParty,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => BearerRefused::UnknownKey,
        ErrorKind::MissingRequiredClaim(claim) if claim == "sub" => BearerRefused::NotAUser,
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" || claim == "iss" => {
            BearerRefused::WrongParty
        }
        _ => BearerRefused::Malformed,
    }
}
