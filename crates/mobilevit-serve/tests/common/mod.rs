//! A server on a loopback port, over the committed timm XXS fixture with timm's preset.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mobilevit::{LoadOptions, MobileVit, load_weights};
use mobilevit_data::Preset;
use mobilevit_eval::ClassNames;
use mobilevit_serve::{ServeOptions, router};

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

pub fn model() -> MobileVit {
    let weights = repo("tests/fixtures/timm_xxs_seed0.safetensors");
    load_weights(&weights, LoadOptions::default(), &Device::flex())
        .unwrap()
        .model
}

/// Starts the service on `127.0.0.1:0` and returns its base URL.
pub async fn start(options: ServeOptions) -> String {
    let app = router(
        model(),
        ClassNames::imagenet(),
        Preset::Timm.pipeline(),
        serde_json::json!({"model": "MobileViT_XXS"}),
        Device::flex(),
        options,
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

pub fn image(name: &str) -> Vec<u8> {
    std::fs::read(repo(&format!("tests/fixtures/images/{name}"))).unwrap()
}
