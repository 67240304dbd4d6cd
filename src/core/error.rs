//! The one error type that crosses the wire. Its messages are written for people;
//! internal details are logged on the server and never sent.
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input; `field` names the form field when there is one.
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    #[error("Please log in to continue.")]
    Unauthorized,
    #[error("You can't do that.")]
    Forbidden,
    /// The account was banned by an admin: it cannot invite, create codes or buy.
    #[error("An admin has suspended your account: you can't invite people, create codes or buy.")]
    Suspended,
    /// Refused for a reason the person can read (403), e.g. "Your account cannot invite".
    #[error("{0}")]
    Denied(String),
    #[error("We couldn't find that.")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// More than `server.body_limit_bytes` was sent (413).
    #[error("That is more than a form can send. Please shorten what you typed and try again.")]
    TooLarge,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    #[error("We couldn't reach Hearth. Check your connection and try again.")]
    Network,
}

impl AppError {
    pub fn invalid(field: &str, message: impl ToString) -> Self {
        Self::Invalid { field: Some(field.to_string()), message: message.to_string() }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid { .. } => 422,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::Suspended | Self::Denied(_) => 403,
            Self::NotFound => 404,
            Self::Conflict(_) => 409,
            Self::TooManyRequests(_) => 429,
            Self::TooLarge => 413,
            Self::Internal => 500,
            Self::Network => 503,
        }
    }

    /// The field the message is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::Invalid {
                field: None,
                message: "Some of the form was missing or not understood. Please check it and try again.".into(),
            },
            ServerFnErrorErr::Request(_) => Self::Network,
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        // Postgres refuses text it cannot store (a NUL character: SQLSTATE 22021) before any
        // lookup: that is what was sent, not our side.
        if let sqlx::Error::Database(d) = &e {
            if matches!(d.code().as_deref(), Some("22021" | "22P05")) {
                tracing::info!(error = %d, "refused text the database cannot store");
                return Self::Invalid {
                    field: None,
                    message: "Some of what you sent has characters that can't be stored (like a NUL character). Please remove them and try again.".into(),
                };
            }
        }
        tracing::error!(error = ?e, "database error");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = ?e, "internal error");
        Self::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_mistakes_are_never_500() {
        assert_eq!(AppError::invalid("email", "bad").status(), 422);
        assert_eq!(AppError::TooManyRequests("slow down".into()).status(), 429);
        assert_eq!(AppError::Internal.to_string(), "Something went wrong on our side. Please try again in a moment.");
    }
}
