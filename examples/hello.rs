//! An axum hello world, for `bench/run` only: the ceiling a Hearth page is compared with
//! (same machine, same run, same wrk settings). Listens on the address in its argument.
use axum::{routing::get, Router};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3299".to_string());
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app).await
}
