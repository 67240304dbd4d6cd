//! The one layout every mail uses (askama templates, HTML escaped by default), and the
//! core's own mails: accounts. A gathering fills `MailParts` for its own kinds (see
//! `registry::MailKind`) and calls `compose`.
use super::OutgoingEmail;
use crate::core::domain::outbox::AccountMail;
use askama::Template;

/// What a mail says: a subject, a paragraph, an optional list, one button (a deep link),
/// optional further choices (each a link) and a closing line.
#[derive(Default)]
pub struct MailParts {
    pub subject: String,
    pub intro: String,
    /// Lines shown as a list after the paragraph (an event's attendees).
    pub list: Vec<String>,
    pub button: &'static str,
    pub url: String,
    /// Further links shown as buttons after the main one: (label, address).
    pub choices: Vec<(String, String)>,
    pub outro: &'static str,
}

#[derive(Template)]
#[template(
    ext = "txt",
    source = "{{ greeting }},\n\n{{ p.intro }}\n\n{% for line in p.list %}- {{ line }}\n{% endfor %}{% if !p.list.is_empty() %}\n{% endif %}{{ p.button }}: {{ p.url }}\n\n{% for (label, url) in p.choices %}{{ label }}: {{ url }}\n\n{% endfor %}{{ p.outro }}\n\n-- Hearth\n"
)]
struct TextMail<'a> {
    greeting: &'a str,
    p: &'a MailParts,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!DOCTYPE html><html><body style="font-family:sans-serif;line-height:1.5;color:#222"><p>{{ greeting }},</p><p>{{ p.intro }}</p>{% if !p.list.is_empty() %}<ul>{% for line in p.list %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}<p><a href="{{ p.url }}" style="display:inline-block;padding:12px 20px;background:#b3261e;color:#fff;border-radius:8px;text-decoration:none">{{ p.button }}</a>{% for (label, url) in p.choices %} <a href="{{ url }}" style="display:inline-block;margin:4px 0;padding:12px 20px;border:2px solid #b3261e;color:#b3261e;border-radius:8px;text-decoration:none">{{ label }}</a>{% endfor %}</p><p style="font-size:14px;color:#555">Or open this address: <a href="{{ p.url }}">{{ p.url }}</a></p><p style="font-size:14px;color:#555">{{ p.outro }}</p><p>&mdash; Hearth</p></body></html>"#
)]
struct HtmlMail<'a> {
    greeting: &'a str,
    p: &'a MailParts,
}

/// The email for `to` (greeted by `display_name`, or "Hello" when it is empty).
pub fn compose(p: MailParts, to: &str, display_name: &str, idempotency_key: &str) -> anyhow::Result<OutgoingEmail> {
    let greeting = if display_name.is_empty() { "Hello".to_string() } else { format!("Hi {display_name}") };
    let text = TextMail { greeting: &greeting, p: &p }.render()?;
    let html = HtmlMail { greeting: &greeting, p: &p }.render()?;
    Ok(OutgoingEmail {
        to: to.to_string(),
        subject: p.subject,
        text,
        html,
        idempotency_key: idempotency_key.to_string(),
        attachments: Vec::new(),
    })
}

/// What an account mail says.
pub fn account_parts(msg: &AccountMail, base_url: &str) -> MailParts {
    match msg {
        AccountMail::VerifyEmail { token, .. } => MailParts {
            subject: "Confirm your email for Hearth".into(),
            intro: "Welcome to Hearth! Please confirm your email address to finish signing up.".into(),
            button: "Confirm my email",
            url: format!("{base_url}/l/{token}"),
            outro: "The link works once and expires in 48 hours. If you did not sign up for Hearth, you can ignore this email.",
            ..Default::default()
        },
        AccountMail::SignInLink { token, .. } => MailParts {
            subject: "Your Hearth sign-in link".into(),
            intro: "Here is the link you asked for to sign in to Hearth.".into(),
            button: "Sign in to Hearth",
            url: format!("{base_url}/l/{token}"),
            outro: "The link works once and expires in 30 minutes. If you did not ask for it, you can ignore this email.",
            ..Default::default()
        },
        AccountMail::PasswordReset { token, .. } => MailParts {
            subject: "Reset your Hearth password".into(),
            intro: "Someone (hopefully you) asked to reset your Hearth password.".into(),
            button: "Choose a new password",
            url: format!("{base_url}/reset/{token}"),
            outro: "The link works once and expires in an hour. If you did not ask for it, your password stays as it is.",
            ..Default::default()
        },
        AccountMail::SignUpAttempt { .. } => MailParts {
            subject: "Someone tried to sign up with your address".into(),
            intro: "Someone tried to create a Hearth account with this email address, which already has one. \
                    Nothing was changed. If it was you: log in, or reset your password if you forgot it."
                .into(),
            button: "Log in",
            url: format!("{base_url}/login"),
            outro: "If it wasn't you, you can ignore this email: nobody can use your account without your password or your mailbox.",
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mail_links_to_its_page_in_both_parts_and_escapes_names() {
        let reset = AccountMail::PasswordReset { user_id: 1, token: "tok".into() };
        let m = compose(account_parts(&reset, "https://h.example"), "ann@example.com", "<Ann>", "k").unwrap();
        assert!(m.text.contains("https://h.example/reset/tok"));
        assert!(m.html.contains("https://h.example/reset/tok"));
        assert!(m.text.contains("Hi <Ann>"), "the text part is not HTML");
        assert!(m.html.contains("&#60;Ann&#62;") || m.html.contains("&lt;Ann&gt;"), "{}", m.html);
        assert!(!m.html.contains("<Ann>"));
        let verify = AccountMail::VerifyEmail { user_id: 1, token: "t2".into() };
        let v = compose(account_parts(&verify, "http://x"), "ann@example.com", "", "k").unwrap();
        assert!(v.text.starts_with("Hello,") && v.text.contains("http://x/l/t2"));
    }

    #[test]
    fn a_url_with_a_query_stays_one_attribute() {
        let p = MailParts {
            subject: "s".into(),
            intro: "i".into(),
            button: "b",
            url: "https://h.example/signup?email=a%40b.c&next=/santa/1\" onclick=\"x".into(),
            outro: "o",
            ..Default::default()
        };
        let m = compose(p, "a@b.c", "", "k").unwrap();
        assert!(!m.html.contains("\" onclick"), "{}", m.html);
    }
}
