//! Renders outbox messages into emails (plain text and HTML), at send time.
use super::OutgoingEmail;
use crate::domain::outbox::OutboxMessage;
use html_escape::encode_text;

/// Who a message is for, as needed by the templates.
pub struct Recipient<'a> {
    pub email: &'a str,
    /// Empty for someone without an account yet.
    pub display_name: &'a str,
    /// The exchange the mail is about (empty for account mail).
    pub exchange_name: &'a str,
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
        OutboxMessage::SignUpAttempt { .. } => Parts {
            subject: "Someone tried to sign up with your address".into(),
            intro: "Someone tried to create a Hearth account with this email address, which already has one. \
                    Nothing was changed. If it was you: log in, or reset your password if you forgot it."
                .into(),
            button: "Log in",
            url: format!("{base_url}/login"),
            outro: "If it wasn't you, you can ignore this email: nobody can use your account without your password or your mailbox.",
        },
        OutboxMessage::SantaInvite { token, reminder, .. } => Parts {
            subject: format!(
                "{}You are invited to the Secret Santa \"{}\"",
                if *reminder != 0 { "Reminder: " } else { "" },
                to.exchange_name
            ),
            intro: format!(
                "You are invited to the Secret Santa exchange \"{}\" on Hearth. Open the invitation to join or decline.",
                to.exchange_name
            ),
            button: "See the invitation",
            url: format!("{base_url}/l/{token}"),
            outro: "Once you're in, you're in: after you join you can't leave, and the names will be drawn soon.",
        },
        OutboxMessage::SantaInviteNewcomer { email, exchange_id, reminder } => {
            let email: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
            Parts {
                subject: format!(
                    "{}You are invited to the Secret Santa \"{}\"",
                    if *reminder != 0 { "Reminder: " } else { "" },
                    to.exchange_name
                ),
                intro: format!(
                    "You are invited to the Secret Santa exchange \"{}\" on Hearth. Create your account with this address and you are in.",
                    to.exchange_name
                ),
                button: "Join the exchange",
                url: format!("{base_url}/signup?email={email}&next=/santa/{exchange_id}"),
                outro: "Hearth is a small app for gatherings of friends and colleagues. If you don't know the sender, ignore this email.",
            }
        }
        OutboxMessage::GiftingToDo { token, .. } => Parts {
            subject: "You have gifting to do".into(),
            intro: format!(
                "The names have been drawn in \"{}\". Find out who you are giving to, pick an emoji gift and write them a message before the reveal.",
                to.exchange_name
            ),
            button: "See who you drew",
            url: format!("{base_url}/l/{token}"),
            outro: "Keep it secret! You can change your gift until the reveal.",
        },
        OutboxMessage::PresentReady { token, .. } => Parts {
            subject: "Time to open your present".into(),
            intro: format!("The presents of \"{}\" are revealed. Yours is waiting.", to.exchange_name),
            button: "Open my present",
            url: format!("{base_url}/l/{token}"),
            outro: "Then see who made the wall of shame.",
        },
    };
    let greeting = if to.display_name.is_empty() { "Hello".to_string() } else { format!("Hi {}", to.display_name) };
    let text = format!(
        "{greeting},\n\n{intro}\n\n{button}: {url}\n\n{outro}\n\n-- Hearth\n",
        intro = p.intro,
        button = p.button,
        url = p.url,
        outro = p.outro
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.5;color:#222\">\
         <p>{greeting},</p><p>{intro}</p>\
         <p><a href=\"{url}\" style=\"display:inline-block;padding:12px 20px;background:#b3261e;color:#fff;border-radius:8px;text-decoration:none\">{button}</a></p>\
         <p style=\"font-size:14px;color:#555\">Or open this address: <a href=\"{url}\">{url}</a></p>\
         <p style=\"font-size:14px;color:#555\">{outro}</p><p>&mdash; Hearth</p></body></html>",
        greeting = encode_text(&greeting),
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
        let to = Recipient { email: "ann@example.com", display_name: "<Ann>", exchange_name: "" };
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
