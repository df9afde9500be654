//! What a request can fail with, and the HTTP status each gets.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The body is empty.
    #[error("the request has no image: send the image bytes as the body, or a multipart upload")]
    EmptyBody,
    /// The body is not an image we can read.
    #[error("the image cannot be read: {0}")]
    BadImage(String),
    /// The request is malformed (bad multipart, bad query).
    #[error("{0}")]
    BadRequest(String),
    /// Neither an image, raw bytes nor a multipart upload.
    #[error(
        "content type '{0}' is not accepted: send image/*, application/octet-stream or multipart/form-data"
    )]
    UnsupportedMediaType(String),
    /// Larger than the server accepts.
    #[error("the request body is larger than the {0} bytes this server accepts")]
    TooLarge(usize),
    /// The queue is full.
    #[error("the server is busy: every queue slot is taken, retry shortly")]
    Overloaded,
    /// Inference itself failed.
    #[error("inference failed: {0}")]
    Inference(String),
    /// No such route.
    #[error("no route {0}: GET / (the page), POST /predict, GET /health, GET /metadata")]
    NotFound(String),
    /// A route asked with another method.
    #[error(
        "{method} is not allowed on {path}: GET / (the page), POST /predict, GET /health, GET /metadata"
    )]
    MethodNotAllowed {
        /// The request's method.
        method: String,
        /// The request's path.
        path: String,
    },
}

impl ServeError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::EmptyBody | Self::BadImage(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            Self::Inference(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
