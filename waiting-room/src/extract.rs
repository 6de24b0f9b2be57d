//! Enforcement: the extractors both APIs put on the endpoints the queue
//! guards, in the contract's order (see `pass`). Headers are read here and
//! nowhere else.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures::future::LocalBoxFuture;
use infra::auth::{Authenticator, Unauthenticated};
use infra::problem::Problem;
use uuid::Uuid;

use super::active::ActiveCheck;
use super::error::QueueError;
use super::handle::Queue;
use super::offered::OfferedToken;
use super::pass::{ActiveQueuePass, QueuePass};

/// The caller, as the app's `infra::auth::Authenticator` names them:
/// `X-User-Id` (the default) or a verified bearer token's `sub`.
pub fn caller_id(request: &HttpRequest) -> Result<Uuid, QueueError> {
    Authenticator::of(request)
        .caller(request)
        .map_err(|refused| match refused {
            Unauthenticated::NoUserId => QueueError::Unauthenticated,
            Unauthenticated::Bearer(refused) => QueueError::BearerRefused(refused),
        })
}

/// What the extractors read synchronously, in the contract's order.
fn read(request: &HttpRequest) -> Result<(Queue, Uuid, OfferedToken), QueueError> {
    let user_id = caller_id(request)?;
    let queue = mounted_queue(request)?;
    Ok((queue, user_id, OfferedToken::of(request)))
}

pub(crate) fn mounted_queue(request: &HttpRequest) -> Result<Queue, QueueError> {
    request
        .app_data::<web::Data<Queue>>()
        .map(|data| data.get_ref().clone())
        .ok_or(QueueError::NotMounted)
}

impl FromRequest for QueuePass {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = read(request);
        Box::pin(async move {
            let (queue, user_id, token) = read?;
            Ok(queue.pass(user_id, token.as_deref()).await?)
        })
    }
}

impl FromRequest for ActiveQueuePass {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let read = read(request);
        Box::pin(async move {
            let (queue, user_id, token) = read?;
            Ok(queue.active_pass(user_id, token.as_deref()).await?)
        })
    }
}

/// The caller's token verified (`X-User-Id`, then the signature: 401
/// before Redis is asked) and its ACTIVE check ready to send, so the
/// handler can pipeline it with its own Redis command and hand the reply
/// to `Queue::settle`.
impl FromRequest for ActiveCheck {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let check = || {
            let user_id = caller_id(request)?;
            let queue = mounted_queue(request)?;
            queue.active_check(user_id, OfferedToken::of(request).as_deref())
        };
        ready(check().map_err(Problem::from))
    }
}
