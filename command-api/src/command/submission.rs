//! `Submission`: the one path every command route takes. As it is
//! extracted it reads the body (413 first), notes the intake, and runs the
//! route's principal extractor (`X-User-Id`, the queue token, or
//! `X-Admin-Key`). `submit` then answers in the contract's order: the
//! principal's refusal, or a replay for a lapsed token; the route's draft
//! (which reads the body: key, then JSON, then the domain); the key's
//! claim; the write path. Every outcome after the body is read is counted
//! under the command's type, so a refusal waits for `submit` rather than
//! failing the extraction.
//!
//! Why one extractor rather than `Caller`, the queue pass and the body as
//! separate handler arguments: actix polls a handler's extractors side by
//! side and answers the first failure it sees, so while a chunked body was
//! still arriving, a missing `X-User-Id` would answer 401 before the 413,
//! and the queue's Redis check would run for a request about to be refused.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures::future::LocalBoxFuture;
use infra::decision::CommandType;

use super::answer::Answer;
use super::body::CommandBody;
use super::draft::{Context, Draft};
use super::intake::Intake;
use super::principal::Principal;
use super::write_path::Commands;
use crate::error::ApiError;

/// A command request, its principal `P` checked and its body `B` read.
pub struct Submission<P, B> {
    commands: web::Data<Commands>,
    intake: Intake,
    principal: Result<P, ApiError>,
    body: B,
}

impl<P: Principal, B: CommandBody> Submission<P, B> {
    /// Answers the command: `draft` turns the principal and the body into
    /// the record to append, refusing (404, 400, ...) as the route's
    /// domain requires; it runs only for a principal let through.
    pub async fn submit<F>(
        self,
        command_type: CommandType,
        draft: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: AsyncFnOnce(P, &B, Context<'_>) -> Result<Draft, ApiError>,
    {
        let Submission {
            commands,
            intake,
            principal,
            body,
        } = self;
        let _flight = commands.track(command_type, &intake);
        let result = answer(command_type, &commands, &intake, principal, &body, draft).await;
        commands.respond(command_type, &intake, result)
    }
}

async fn answer<P, B, F>(
    command_type: CommandType,
    commands: &Commands,
    intake: &Intake,
    principal: Result<P, ApiError>,
    body: &B,
    draft: F,
) -> Result<Answer, ApiError>
where
    P: Principal,
    B: CommandBody,
    F: AsyncFnOnce(P, &B, Context<'_>) -> Result<Draft, ApiError>,
{
    let mut principal = principal?;
    let scope = principal.scope();
    if let Some(lapse) = principal.lapse() {
        // A key that is malformed, or a body that is not JSON, cannot
        // replay anything: the refusal stands.
        let claim = body.claim(&scope, intake).ok().flatten();
        return lapse.replay(claim, commands, intake).await;
    }
    let context = Context {
        at: intake.origin.at,
        pool: commands.pool(),
    };
    // The route's lookups are part of the intake: past its window, 503.
    let drafted = commands
        .deadlines()
        .take_in(intake, "postgres", draft(principal, body, context));
    let record = drafted
        .await?
        .into_record(command_type, intake.origin, commands.topics());
    let claim = body.claim(&scope, intake)?;
    commands.submit(intake, claim, record).await
}

impl<P, B> FromRequest for Submission<P, B>
where
    P: Principal,
    P::Future: 'static,
    B: CommandBody,
    B::Future: 'static,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = B::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            // Nothing about the caller is looked at before the body is in:
            // an oversized one is refused first.
            let body = body.await?;
            let commands = request
                .app_data::<web::Data<Commands>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal("the write path is not mounted".into()))?;
            let intake = Intake::new(&request, commands.clock().now());
            let principal = P::from_request(&request, &mut Payload::None).await;
            Ok(Submission {
                commands,
                intake,
                principal,
                body,
            })
        })
    }
}
