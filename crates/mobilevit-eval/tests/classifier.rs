//! A classifier from a checkpoint held in memory (the WebAssembly engine's way) answers as one
//! loaded from the file, and bad bytes get errors that name them.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mobilevit::weights::save_bpk;
use mobilevit::{LoadOptions, load_weights};
use mobilevit_eval::{Classifier, ClassifierError};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The timm XXS fixture as a `.bpk` with its preprocessing recorded.
fn timm_bpk(dir: &Path) -> PathBuf {
    let weights = repo("tests/fixtures/timm_xxs_seed0.safetensors");
    let loaded = load_weights(&weights, LoadOptions::default(), &Device::flex()).unwrap();
    let path = dir.join("timm_xxs.bpk");
    save_bpk(&loaded.model, loaded.info.as_ref(), &path).unwrap();
    path
}

#[test]
fn bytes_classify_as_the_file_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = timm_bpk(dir.path());
    let from_file = Classifier::load(&path, Some(1)).unwrap();
    let from_bytes =
        Classifier::from_bpk_bytes(std::fs::read(&path).unwrap(), Path::new("w.bpk")).unwrap();
    assert_eq!(from_bytes.model_name(), "MobileViT_XXS");
    assert_eq!(from_bytes.info(), from_file.info());
    let photo = repo("tests/fixtures/images/rocket.jpg");
    let decoded =
        Classifier::decode_image(&std::fs::read(&photo).unwrap(), Path::new("r.jpg")).unwrap();
    let opened = Classifier::open_image(&photo).unwrap();
    assert_eq!(decoded.pixels, opened.pixels);
    let expected = from_file.classify(vec![opened], 5).unwrap();
    let got = from_bytes.classify(vec![decoded], 5).unwrap();
    assert_eq!(got, expected);
}

#[test]
fn bytes_that_are_not_a_checkpoint_are_named_in_the_error() {
    let safetensors = std::fs::read(repo("tests/fixtures/timm_xxs_seed0.safetensors")).unwrap();
    let error = Classifier::from_bpk_bytes(safetensors, Path::new("weights.bpk")).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, ClassifierError::Weights(_)), "{error:?}");
    assert!(
        message.starts_with("weights.bpk: not a burnpack checkpoint")
            && message.contains("mobilevit convert"),
        "{message}"
    );
    let error = Classifier::decode_image(b"plain text", Path::new("notes.txt")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "notes.txt: cannot decode image: The image format could not be determined"
    );
}
