//! Renders outbox messages into emails (plain text and HTML), at send time.
use super::OutgoingEmail;
use crate::domain::outbox::OutboxMessage;
use html_escape::encode_text;

/// Who a message is for, as needed by the templates.
pub struct Recipient<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
}

struct Parts {
    subject: String,
    intro: String,
    button: &'static str,
    url: String,
    outro: &'static str,
}

pub fn render(msg: &OutboxMessage, to: &Recipient<'_>, base_url: &str, idempotency_key: &str) -> OutgoingEmail {
    let p = match msg {
        OutboxMessage::VerifyEmail { token, .. } => Parts {
            subject: "Confirm your email for Hearth".into(),
            intro: "Welcome to Hearth! Please confirm your email address to finish signing up.".into(),
            button: "Confirm my email",
            url: format!("{base_url}/l/{token}"),
            outro: "The link works once and expires in 48 hours. If you did not sign up for Hearth, you can ignore this email.",
        },
        OutboxMessage::SignInLink { token, .. } => Parts {
            subject: "Your Hearth sign-in link".into(),
            intro: "Here is the link you asked for to sign in to Hearth.".into(),
            button: "Sign in to Hearth",
            url: format!("{base_url}/l/{token}"),
            outro: "The link works once and expires in 30 minutes. If you did not ask for it, you can ignore this email.",
        },
        OutboxMessage::PasswordReset { token, .. } => Parts {
            subject: "Reset your Hearth password".into(),
            intro: "Someone (hopefully you) asked to reset your Hearth password.".into(),
            button: "Choose a new password",
            url: format!("{base_url}/reset/{token}"),
            outro: "The link works once and expires in an hour. If you did not ask for it, your password stays as it is.",
        },
    };
    let text = format!(
        "Hi {name},\n\n{intro}\n\n{button}: {url}\n\n{outro}\n\n-- Hearth\n",
        name = to.display_name,
        intro = p.intro,
        button = p.button,
        url = p.url,
        outro = p.outro
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5;color:#222\">\
         <p>Hi {name},</p><p>{intro}</p>\
         <p><a href=\"{url}\" style=\"display:inline-block;padding:12px 20px;background:#b3261e;color:#fff;border-radius:8px;text-decoration:none\">{button}</a></p>\
         <p style=\"font-size:14px;color:#555\">Or open this address: <a href=\"{url}\">{url}</a></p>\
         <p style=\"font-size:14px;color:#555\">{outro}</p><p>&mdash; Hearth</p></body></html>",
        name = encode_text(to.display_name),
        intro = encode_text(&p.intro),
        url = html_escape::encode_double_quoted_attribute(&p.url),
        button = p.button,
        outro = p.outro
    );
    OutgoingEmail {
        to: to.email.to_string(),
        subject: p.subject,
        text,
        html,
        idempotency_key: idempotency_key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_links_to_its_page_in_both_parts_and_escapes_names() {
        let to = Recipient { email: "ann@example.com", display_name: "<Ann>" };
        let m =
            render(&OutboxMessage::PasswordReset { user_id: 1, token: "tok".into() }, &to, "https://h.example", "k");
        assert!(m.text.contains("https://h.example/reset/tok"));
        assert!(m.html.contains("https://h.example/reset/tok"));
        assert!(m.html.contains("&lt;Ann&gt;"));
        assert!(!m.html.contains("<Ann>"));
        let v = render(&OutboxMessage::VerifyEmail { user_id: 1, token: "t2".into() }, &to, "http://x", "k");
        assert!(v.text.contains("http://x/l/t2"));
    }
}
