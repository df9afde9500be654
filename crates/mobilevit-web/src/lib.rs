//! MobileViT in the browser: a `.bpk` checkpoint, the preprocessing it records and its class
//! names, run in WebAssembly on Burn's CPU backend (one thread, WebAssembly SIMD).
//!
//! `scripts/build_web.sh` compiles this crate for `wasm32-unknown-unknown`, generates its
//! JavaScript glue with `wasm-bindgen` and writes a static site to `target/web/` whose page
//! (`www/index.html`) decodes, preprocesses and classifies every image in the page itself.
//! Images go through the same code as `mobilevit predict` (decoding included), so the scores
//! are the CLI's.

use std::path::Path;

use mobilevit_eval::{Classifier, Prediction, describe};
use wasm_bindgen::prelude::*;

/// A classifier for a web page: load once, classify many images.
#[wasm_bindgen]
pub struct WebClassifier {
    classifier: Classifier,
    weights: String,
}

#[wasm_bindgen]
impl WebClassifier {
    /// Loads a `.bpk` checkpoint from its bytes (`name` names it in errors and metadata).
    #[wasm_bindgen(constructor)]
    pub fn new(weights: Vec<u8>, name: &str) -> Result<WebClassifier, JsError> {
        console_error_panic_hook::set_once();
        let classifier = Classifier::from_bpk_bytes(weights, Path::new(name)).map_err(js_error)?;
        Ok(Self {
            classifier,
            weights: name.to_string(),
        })
    }

    /// The model and its preprocessing contract, as JSON with the keys of the server's
    /// `GET /metadata`.
    pub fn metadata(&self) -> String {
        let classifier = &self.classifier;
        serde_json::json!({
            "model": classifier.model_name(),
            "num_classes": classifier.num_classes(),
            "weights": self.weights,
            "weights_info": classifier.info(),
            "preprocessing": describe(classifier.preprocessing()),
            "version": env!("CARGO_PKG_VERSION"),
        })
        .to_string()
    }

    /// The `topk` most probable classes of an encoded image (PNG, JPEG, BMP, WebP), as the
    /// JSON of `mobilevit predict --json`: `{"image": name, "topk": [{class_id, label,
    /// score}, ...]}`, best first.
    pub fn classify(&self, image: &[u8], name: &str, topk: usize) -> Result<String, JsError> {
        let classes = self.classifier.num_classes();
        if !(1..=classes).contains(&topk) {
            return Err(JsError::new(&format!(
                "topk must be from 1 to {classes} (the model's classes), not {topk}"
            )));
        }
        let image = Classifier::decode_image(image, Path::new(name)).map_err(js_error)?;
        let mut scored = self
            .classifier
            .classify(vec![image], topk)
            .map_err(js_error)?;
        let prediction = Prediction {
            image: name.into(),
            topk: scored.pop().unwrap_or_default(),
        };
        serde_json::to_string(&prediction).map_err(js_error)
    }

    /// Logits of a preprocessed float32 batch (no decoding, no preprocessing).
    ///
    /// # Shapes
    /// - `values`: `[batch, 3, height, width]`, row-major
    /// - returns: `[batch, num_classes]`, row-major
    pub fn forward(
        &self,
        values: Vec<f32>,
        batch: usize,
        height: usize,
        width: usize,
    ) -> Result<Vec<f32>, JsError> {
        self.classifier
            .forward(values, [batch, 3, height, width])
            .map_err(js_error)
    }
}

fn js_error(error: impl std::fmt::Display) -> JsError {
    JsError::new(&error.to_string())
}
