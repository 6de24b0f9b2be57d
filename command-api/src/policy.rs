//! The rules in force at this instance, read once at start-up. They travel
//! inside each request record (hold lifetime and limit, wallet limits), so
//! a replay decides with the rules of the day, not today's.

use domain::{HoldLimit, Money};
use infra::config::Secret;

use crate::configuration::Settings;
use crate::error::StartupError;

#[derive(Debug, Clone)]
pub struct Policy {
    pub hold_ttl: chrono::Duration,
    pub hold_limit: HoldLimit,
    pub max_single_charge: Money,
    pub max_balance: Money,
    /// `None` turns the admin endpoints off (401).
    pub admin_key: Option<Secret>,
}

impl Policy {
    pub fn from_settings(settings: &Settings) -> Result<Self, StartupError> {
        let invalid =
            |variable: &'static str, reason: String| StartupError::Policy { variable, reason };
        let ttl = settings.reservation.hold_ttl_seconds;
        let hold_ttl = i64::try_from(ttl)
            .ok()
            .and_then(chrono::Duration::try_seconds)
            .ok_or_else(|| invalid("HOLD_TTL_SECONDS", format!("{ttl} is too long")))?;
        let limit = settings.reservation.max_holds_per_user;
        let hold_limit = HoldLimit::try_from(i64::from(limit))
            .map_err(|e| invalid("MAX_HOLDS_PER_USER", e.to_string()))?;
        let max_single_charge = Money::try_from(settings.wallet.max_single_charge)
            .map_err(|e| invalid("MAX_SINGLE_CHARGE", e.to_string()))?;
        let max_balance = Money::try_from(settings.wallet.max_balance)
            .map_err(|e| invalid("MAX_BALANCE", e.to_string()))?;
        Ok(Self {
            hold_ttl,
            hold_limit,
            max_single_charge,
            max_balance,
            admin_key: settings.admin.key.clone(),
        })
    }
}
