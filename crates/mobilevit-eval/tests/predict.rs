//! Prediction on a real photo against timm's ranking with the same weights.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mobilevit::{LoadOptions, load_weights};
use mobilevit_data::Preset;
use mobilevit_eval::{ClassNames, predict};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn timm_logits() -> Vec<f32> {
    let bytes = std::fs::read(fixtures().join("timm_xxs_logits_chelsea.npy")).unwrap();
    npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap()
}

/// The committed, perturbed timm XXS weights.
fn timm_xxs(device: &Device) -> mobilevit::LoadedWeights {
    let weights = fixtures().join("timm_xxs_seed0.safetensors");
    load_weights(&weights, LoadOptions::default(), device).unwrap()
}

#[test]
fn predict_ranks_classes_as_timm_does_on_the_cat() {
    let device = Device::flex();
    let loaded = timm_xxs(&device);
    let info = loaded.info.as_ref().unwrap();
    assert_eq!(
        info.preprocessing,
        mobilevit_data::Preprocessing::preset(Preset::Timm)
    );
    let preset = Preset::Timm;
    let cat = fixtures().join("images/chelsea.png");
    let k = 20;
    let results = predict(
        &loaded.model,
        std::slice::from_ref(&cat),
        &preset.pipeline(),
        &ClassNames::imagenet(),
        k,
        4,
        &device,
    );
    let prediction = results.into_iter().next().unwrap().unwrap();
    let ours: Vec<usize> = prediction.topk.iter().map(|s| s.class_id).collect();

    let logits = timm_logits();
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    assert_eq!(ours, order[..k], "top-{k} ranking differs from timm's");
    assert_eq!(
        prediction.topk[0].label,
        ClassNames::imagenet().name(order[0])
    );
    let total: f32 = prediction.topk.iter().map(|s| s.score).sum();
    assert!(total > 0.0 && total <= 1.0 + 1e-6);
}

#[test]
fn unreadable_images_get_an_error_and_the_others_a_prediction() {
    let device = Device::flex();
    let loaded = timm_xxs(&device);
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"not a jpeg").unwrap();
    let images = vec![
        fixtures().join("images/rocket.jpg"),
        broken.clone(),
        fixtures().join("images/camera.png"),
    ];
    let results = predict(
        &loaded.model,
        &images,
        &Preset::Timm.pipeline(),
        &ClassNames::imagenet(),
        3,
        2,
        &device,
    );
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[2].is_ok());
    let error = results[1].as_ref().unwrap_err().to_string();
    assert!(error.contains("broken.jpg"), "{error}");
    assert_eq!(results[2].as_ref().unwrap().image, images[2]);
}
