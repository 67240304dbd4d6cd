//! One integration binary: database tests on both backends, HTTP tests against a real
//! server on a random port, a real SMTP server on loopback, and the kill -9 crash test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod helpers;

mod architecture;
mod backup;
mod crash;
mod db;
mod events;
mod fuzz;
mod http;
mod instances;
mod lunches;
mod oidc;
mod santa;
mod seed;
mod smtp;
mod vouchers;
mod worker;
