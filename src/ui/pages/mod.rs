//! One file per route, one `XxxPage` component each.
mod account;
mod admin;
mod auth;
mod dev_mailbox;
mod home;
mod link;
mod not_found;
mod oidc;

pub use account::MePage;
pub use admin::AdminPage;
pub use auth::{CheckInboxPage, ForgotPasswordPage, LoginPage, ResetPasswordPage, SignUpPage};
pub use dev_mailbox::DevMailboxPage;
pub use home::HomePage;
pub use link::LinkPage;
pub use not_found::NotFoundPage;
pub use oidc::{LinkedProvidersCard, ProviderButtons, ProviderFinishPage, ProviderProblemPage};
