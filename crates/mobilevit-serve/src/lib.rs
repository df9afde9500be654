//! An HTTP inference service for MobileViT: `POST /predict` (an image, or a multipart upload)
//! answers with the top classes as `mobilevit predict --json` does; concurrent requests are
//! classified together in batches; `GET /health` and `GET /metadata` describe the service, and
//! `GET /` is a page to classify an image from a browser.
//!
//! Limits: a request body larger than `max_body_bytes` gets 413, a full queue 503 (with
//! `Retry-After`), an unreadable image 400, an unknown content type 415.

pub mod batcher;
pub mod error;
pub mod page;
pub mod routes;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use burn::tensor::Device;
use mobilevit::MobileVit;
use mobilevit_data::Pipeline;
use mobilevit_eval::ClassNames;

pub use batcher::{BatchPolicy, Batcher};
pub use error::ServeError;
pub use routes::AppState;

/// Service settings.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Batching and queueing.
    pub policy: BatchPolicy,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Classes returned when the request does not say (`?topk=K`).
    pub default_topk: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            policy: BatchPolicy {
                max_batch: 8,
                batch_wait: std::time::Duration::from_millis(5),
                queue: 64,
            },
            max_body_bytes: 8 << 20,
            default_topk: 5,
        }
    }
}

/// The service's routes over `model` (moved to its own inference thread).
pub fn router(
    model: MobileVit,
    names: ClassNames,
    pipeline: Pipeline,
    metadata: serde_json::Value,
    device: Device,
    options: ServeOptions,
) -> Result<Router, ServeError> {
    let num_classes = model.num_classes();
    let batcher = Batcher::start(model.fold_batch_norm(), names, device, options.policy)?;
    let state = AppState {
        batcher,
        pipeline: Arc::new(pipeline),
        metadata: Arc::new(metadata),
        default_topk: options.default_topk,
        num_classes,
        max_body_bytes: options.max_body_bytes,
    };
    Ok(Router::new()
        .route("/", get(page::index))
        .route("/page.js", get(page::script))
        .route("/engine.js", get(page::engine))
        .route("/page.css", get(page::style))
        .route("/predict", post(routes::predict))
        .route("/health", get(routes::health))
        .route("/metadata", get(routes::metadata))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .with_state(state))
}
