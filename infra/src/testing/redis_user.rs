//! A Redis user of a test's own, so a test can make Redis refuse some
//! commands to one client (as under `maxmemory`, or a blip) while the shared
//! Redis stays untouched for every other test.

use uuid::Uuid;

/// Removed from Redis when dropped.
pub struct RedisUser {
    name: String,
    url: String,
}

impl RedisUser {
    /// A user allowed everything, on the Redis at `url`.
    pub async fn new(url: &str) -> Self {
        let user = Self {
            name: format!("tf-test-{}", Uuid::new_v4().simple()),
            url: url.to_owned(),
        };
        user.allow(&["on", "nopass", "~*", "&*", "+@all"]).await;
        user
    }

    /// Applies ACL rules to the user, on top of the ones it has.
    pub async fn allow(&self, rules: &[&str]) {
        let mut redis = redis::Client::open(self.url.as_str())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("redis is reachable");
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg(&self.name)
            .arg(rules)
            .query_async(&mut redis)
            .await
            .expect("ACL SETUSER");
    }

    /// The URL with this user's name (any password: the user has none).
    pub fn url(&self) -> String {
        self.url
            .replacen("redis://", &format!("redis://{}:x@", self.name), 1)
    }
}

impl Drop for RedisUser {
    fn drop(&mut self) {
        if let Ok(mut redis) =
            redis::Client::open(self.url.as_str()).and_then(|c| c.get_connection())
        {
            let _: Result<(), _> = redis::cmd("ACL")
                .arg("DELUSER")
                .arg(&self.name)
                .query(&mut redis);
        }
    }
}
