//! Server functions: the public HTTP API of Hearth, under the stable prefix `/api`.
//! Each is a thin adapter: authenticate, parse input into domain types, call the server
//! services, map the result to a DTO. Bodies run on the server only.
pub mod admin;
pub mod auth;
pub mod dev;
pub mod oidc;
