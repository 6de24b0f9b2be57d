//! Absolute links to query-api. command-api answers commands whose outcome
//! is read on query-api (`Location` of a 201 or 202); a browser on another
//! origin follows a `Location` as given, so a path relative to command-api
//! would reach the wrong service (a `GET` there answers 405).

use std::sync::Arc;

use crate::config::HttpSettings;

#[derive(Debug, Clone)]
pub struct QueryLinks {
    /// `PUBLIC_QUERY_URL`, validated without a trailing slash.
    base: Arc<str>,
}

impl QueryLinks {
    pub fn new(base: &str) -> Self {
        Self {
            base: Arc::from(base.trim_end_matches('/')),
        }
    }

    pub fn from_settings(http: &HttpSettings) -> Self {
        Self::new(&http.public_query_url)
    }

    /// `path` (starting with `/`) as an absolute URL of query-api.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_becomes_an_absolute_url_of_query_api() {
        let links = QueryLinks::new("https://read.tickets.example/");
        assert_eq!(
            links.absolute("/v1/reservations/r"),
            "https://read.tickets.example/v1/reservations/r"
        );
    }
}
