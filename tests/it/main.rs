//! One integration binary: database tests on both backends, HTTP tests against a real
//! server on a random port, a real SMTP server on loopback, and the kill -9 crash test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod architecture;
mod crash;
mod db;
mod helpers;
mod http;
mod santa;
mod smtp;
mod worker;
