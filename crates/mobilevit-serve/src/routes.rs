//! `POST /predict`, `GET /health`, `GET /metadata`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{Method, StatusCode, Uri, header};
use mobilevit_data::{ChwTensor, Image, Pipeline, RunPipeline};
use mobilevit_eval::Prediction;
use serde::Deserialize;
use tokio::sync::oneshot;

use crate::batcher::{Batcher, Job};
use crate::error::ServeError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub(crate) batcher: Batcher,
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) metadata: Arc<serde_json::Value>,
    pub(crate) default_topk: usize,
    pub(crate) num_classes: usize,
    pub(crate) max_body_bytes: usize,
}

/// `?topk=K`.
#[derive(Debug, Deserialize)]
pub struct PredictQuery {
    topk: Option<usize>,
}

/// Classifies one image: the body itself (`image/*`, `application/octet-stream`) or the first
/// file of a `multipart/form-data` upload. Answers as `mobilevit predict --json` does.
pub async fn predict(
    State(state): State<AppState>,
    query: Result<Query<PredictQuery>, QueryRejection>,
    request: Request,
) -> Result<Json<Prediction>, ServeError> {
    let Query(query) = query.map_err(|rejection| {
        ServeError::BadRequest(format!(
            "bad query: {} (expected ?topk=K, K from 1 to {})",
            rejection.body_text(),
            state.num_classes
        ))
    })?;
    let topk = match query.topk {
        Some(topk) if !(1..=state.num_classes).contains(&topk) => {
            return Err(ServeError::BadRequest(format!(
                "topk must be from 1 to {} (the model's classes), not {topk}",
                state.num_classes
            )));
        }
        Some(topk) => topk,
        None => state.default_topk.clamp(1, state.num_classes),
    };
    let (name, bytes) = read_image_body(&state, request).await?;
    if bytes.is_empty() {
        return Err(ServeError::EmptyBody);
    }
    let pipeline = Arc::clone(&state.pipeline);
    let tensor = tokio::task::spawn_blocking(move || preprocess(&pipeline, &bytes))
        .await
        .map_err(|error| ServeError::Inference(format!("preprocessing stopped: {error}")))??;
    let (reply, answer) = oneshot::channel();
    state.batcher.submit(Job {
        tensor,
        topk,
        reply,
    })?;
    let topk = answer
        .await
        .map_err(|_| ServeError::Inference("the inference thread dropped the request".into()))??;
    Ok(Json(Prediction {
        image: name.into(),
        topk,
    }))
}

/// The image's name (the upload's file name, or `request`) and bytes.
async fn read_image_body(
    state: &AppState,
    request: Request,
) -> Result<(String, Bytes), ServeError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if mime == "multipart/form-data" {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|rejection| ServeError::BadRequest(rejection.body_text()))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|error| unreadable(error.status(), error.body_text(), state))?
        {
            let Some(name) = field.file_name().map(str::to_string) else {
                continue;
            };
            let bytes = field
                .bytes()
                .await
                .map_err(|error| unreadable(error.status(), error.body_text(), state))?;
            return Ok((name, bytes));
        }
        return Err(ServeError::EmptyBody);
    }
    if mime.starts_with("image/") || mime == "application/octet-stream" {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| unreadable(rejection.status(), rejection.body_text(), state))?;
        return Ok(("request".to_string(), bytes));
    }
    Err(ServeError::UnsupportedMediaType(content_type))
}

/// A body axum could not read: over the size limit, or malformed.
fn unreadable(status: StatusCode, text: String, state: &AppState) -> ServeError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ServeError::TooLarge(state.max_body_bytes)
    } else {
        ServeError::BadRequest(text)
    }
}

/// Decode and the eval transforms.
fn preprocess(pipeline: &Pipeline, bytes: &[u8]) -> Result<ChwTensor, ServeError> {
    let image = Image::decode(bytes, pipeline.order).map_err(ServeError::BadImage)?;
    pipeline
        .run_deterministic(image)
        .map_err(|error| ServeError::BadImage(error.to_string()))
}

/// Any other path.
pub async fn not_found(uri: Uri) -> ServeError {
    ServeError::NotFound(uri.path().to_string())
}

/// A known path asked with another method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ServeError {
    ServeError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}

/// Liveness, with the counters.
pub async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let stats = state.batcher.stats();
    let (images, batches) = (
        stats.images.load(Ordering::Relaxed),
        stats.batches.load(Ordering::Relaxed),
    );
    Json(serde_json::json!({
        "status": "ok",
        "images": images,
        "batches": batches,
        "mean_batch": if batches == 0 { 0.0 } else { images as f64 / batches as f64 },
    }))
}

/// The model and its preprocessing contract.
pub async fn metadata(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.metadata.as_ref().clone())
}
