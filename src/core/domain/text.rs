//! Short texts people type (names, notes, descriptions): trimmed, bounded, plain text
//! only (no markup, no control characters), for every gathering.

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("Please fill in {0}.")]
    Empty(&'static str),
    #[error("{0} can have at most {1} characters.")]
    TooLong(&'static str, usize),
    #[error("{0} can't contain HTML: please leave out < and >.")]
    Markup(&'static str),
    #[error("{0} contains characters we can't show.")]
    Control(&'static str),
}

/// Plain text typed by a person: trimmed, bounded, no markup, no control characters
/// (newlines allowed when `multiline`). `what` names the field in messages.
pub fn plain_text(
    input: &str,
    what: &'static str,
    max: usize,
    required: bool,
    multiline: bool,
) -> Result<String, TextError> {
    let s = input.trim();
    if s.is_empty() && required {
        return Err(TextError::Empty(what));
    }
    if s.chars().count() > max {
        return Err(TextError::TooLong(what, max));
    }
    if s.contains('<') || s.contains('>') {
        return Err(TextError::Markup(what));
    }
    if s.chars().any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) {
        return Err(TextError::Control(what));
    }
    Ok(s.to_string())
}
