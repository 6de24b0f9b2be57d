use std::error::Error;
use std::fmt;

/// An error with every cause behind it, on one line for the logs:
/// `outer: cause: root cause`. Log it as a field, e.g.
/// `tracing::error!(error = %ErrorChain(&error), "request failed")`.
///
/// Many messages here already end with their source (`"redis: {0}"`); a
/// cause whose text the line already holds is not repeated.
pub struct ErrorChain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(error) = cause {
            let text = error.to_string();
            if !text.is_empty() && !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            cause = error.source();
        }
        f.write_str(&line)
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    enum Outer {
        /// The usual style here: the message repeats its source.
        #[error("redis: {0}")]
        Embedding(#[source] std::io::Error),
        /// The source kept aside, as `#[source]` intends.
        #[error("cannot append the command")]
        Aside(#[source] Middle),
    }

    #[derive(Debug, thiserror::Error)]
    #[error("the broker refused the record")]
    struct Middle(#[source] std::io::Error);

    fn refused() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused")
    }

    #[test]
    fn every_cause_is_shown_once() {
        let embedding = Outer::Embedding(refused());
        assert_eq!(
            ErrorChain(&embedding).to_string(),
            "redis: connection refused"
        );
        let aside = Outer::Aside(Middle(refused()));
        assert_eq!(
            ErrorChain(&aside).to_string(),
            "cannot append the command: the broker refused the record: connection refused"
        );
    }
}
