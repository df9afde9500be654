//! `GET /` and the files it loads: a page on which a person chooses or drops an image and sees
//! the model's top classes. Everything it needs is served from here (no CDN); the static
//! WebAssembly site (`scripts/build_web.sh`) uses the same page with its own `engine.js`.

use axum::http::header;
use axum::response::IntoResponse;

/// One file of the page, with its content type.
fn file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// The page.
pub async fn index() -> impl IntoResponse {
    file(
        "text/html; charset=utf-8",
        include_str!("../page/index.html"),
    )
}

/// Its behaviour, whatever classifies.
pub async fn script() -> impl IntoResponse {
    file(
        "text/javascript; charset=utf-8",
        include_str!("../page/page.js"),
    )
}

/// How it classifies here: `GET /metadata` and `POST /predict`.
pub async fn engine() -> impl IntoResponse {
    file(
        "text/javascript; charset=utf-8",
        include_str!("../page/engine.js"),
    )
}

/// Its style.
pub async fn style() -> impl IntoResponse {
    file("text/css; charset=utf-8", include_str!("../page/page.css"))
}
