//! MobileViTv2 logits against timm's, HF's and PaddleClas's own on the same weights
//! (`scripts/make_v2_fixtures.py`, `scripts/make_paddle_v2_fixtures.py`).
//!
//! The fixtures' weights are not committed for every width (v2 at width 2.0 has 18 M
//! parameters): they come from a formula on timm's tensor names that the fixture script and
//! [`formula`] below both implement, bit for bit. timm-named files are written here from it
//! and read back through the converter; HF's and PaddleClas's files of width 0.5 are
//! committed as the scripts wrote them.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use burn_store::{BurnToPyTorchAdapter, ModuleSnapshot};
use mobilevit::variant::Family;
use mobilevit::{LoadOptions, MobileVit, MobileVitConfig, Source, Variant, load_weights, npy};
use mobilevit_contract::{Preprocessing, Preset};
use safetensors::Dtype;
use safetensors::tensor::TensorView;

/// Largest absolute logit difference accepted.
const TOLERANCE: f32 = 1e-4;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/v2")
}

/// The fixture formula (`scripts/make_v2_fixtures.py`, "FORMULA"): a splitmix64 stream seeded
/// by the FNV-1a hash of a timm tensor name, one draw `u` in [0, 1) per element.
mod formula {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

    fn seed(name: &str) -> u64 {
        name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }

    /// `count` draws for `name`.
    pub fn draws(name: &str, count: usize) -> impl Iterator<Item = f64> {
        let mut state = seed(name);
        (0..count).map(move |_| {
            state = state.wrapping_add(GOLDEN);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 40) as f64 / 16_777_216.0
        })
    }

    /// The values of timm tensor `name` of `shape`.
    pub fn values(name: &str, shape: &[usize]) -> Vec<f32> {
        let count: usize = shape.iter().product();
        let is_norm = matches!(
            name.rsplit('.').nth(1),
            Some("bn" | "norm" | "norm1" | "norm2")
        );
        let scale = (3.0 / (count / shape[0]) as f64).sqrt();
        draws(name, count)
            .map(|u| {
                let value = if name.ends_with("running_var") {
                    0.5 + u
                } else if name.ends_with("running_mean") {
                    (u - 0.5) * 0.4
                } else if is_norm && name.ends_with("weight") {
                    0.5 + u
                } else if is_norm && name.ends_with("bias") {
                    (u - 0.5) * 0.4
                } else if name.ends_with("weight") {
                    ((u - 0.5) * 2.0) * scale
                } else {
                    (u - 0.5) * 0.2
                };
                value as f32
            })
            .collect()
    }
}

/// timm-named weights of `variant` from the formula, written as timm's safetensors.
fn write_timm_formula(variant: Variant, path: &Path) {
    let model = MobileVitConfig::imagenet(variant)
        .init(&Device::flex())
        .unwrap();
    let tensors = model.collect(None, Some(Box::new(BurnToPyTorchAdapter)), true);
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|tensor| {
            let shape = tensor.shape.as_slice().to_vec();
            let bytes = formula::values(&tensor.name, &shape)
                .iter()
                .flat_map(|value| value.to_le_bytes())
                .collect();
            (tensor.name.clone(), shape, bytes)
        })
        .collect();
    let views = data.iter().map(|(name, shape, bytes)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes).unwrap();
        (name.as_str(), view)
    });
    safetensors::serialize_to_file(views, None, path).unwrap();
}

/// The formula's input images, `[2, 3, size, size]`.
fn formula_input(size: usize) -> Tensor<4> {
    let shape = [2, 3, size, size];
    let values: Vec<f32> = formula::draws("input", shape.iter().product())
        .map(|u| u as f32)
        .collect();
    Tensor::from_data(TensorData::new(values, shape), &Device::flex())
}

fn check(model: &MobileVit, logits: &str, size: usize) {
    let expected: Tensor<2> = npy::read_f32(&fixtures().join(logits), &Device::flex()).unwrap();
    let input = formula_input(size);
    let folded = model.clone().fold_batch_norm();
    for (form, model) in [("", model), (" folded", &folded)] {
        let diff = (model.forward(input.clone()) - expected.clone())
            .abs()
            .max()
            .into_scalar::<f32>();
        println!("{logits}{form}: max |diff| = {diff:.2e}");
        assert!(diff <= TOLERANCE, "{logits}{form}: max |diff| {diff:e}");
    }
}

fn loaded(path: &Path, variant: Variant, source: Source) -> MobileVit {
    let options = LoadOptions {
        from: None,
        expected: Some(variant),
    };
    let loaded = load_weights(path, options, &Device::flex()).unwrap();
    let info = loaded.info.unwrap();
    assert_eq!(info.source, Some(source));
    // Each source's own v2 eval preprocessing: timm's and PaddleClas's RGB at 288 bicubic,
    // HF's processor (BGR, 288 bilinear) as for v1.
    let expected = match source {
        Source::Timm => Preset::TimmV2,
        Source::Hf => Preset::Hf,
        Source::Paddle => Preset::PaddleV2,
        Source::Cvnets => unreachable!("no ml-cvnets v2 fixture"),
    };
    assert_eq!(info.preprocessing, Preprocessing::preset(expected));
    assert_eq!(source.preset(Family::V2), expected);
    loaded.model
}

#[test]
fn the_formula_matches_the_fixture_scripts_test_vectors() {
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixtures().join("meta.json")).unwrap()).unwrap();
    let vectors = &meta["formula_test_vectors"];
    // The draws' top 24 bits, as integers (JSON floats do not round-trip exactly).
    let first_draws: Vec<u64> = formula::draws("input", 8)
        .map(|u| (u * 16_777_216.0) as u64)
        .collect();
    let expected: Vec<u64> = vectors["input_first_draws"]["z_top24"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bits| bits.as_u64().unwrap())
        .collect();
    assert_eq!(first_draws, expected);
    let tensors = vectors["first_values"].as_object().unwrap();
    assert_eq!(tensors.len(), 3);
    for (name, record) in tensors {
        let shape: Vec<usize> = record["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|side| side.as_u64().unwrap() as usize)
            .collect();
        let bits: Vec<String> = formula::values(name, &shape)[..4]
            .iter()
            .map(|value| format!("{:#010x}", value.to_bits()))
            .collect();
        assert_eq!(
            serde_json::json!(bits),
            record["first_values_f32_bits"],
            "{name}"
        );
    }
}

#[test]
fn timm_widths_half_and_two_match_timm_at_256_and_200() {
    let dir = tempfile::tempdir().unwrap();
    for (variant, tag) in [(Variant::V2x050, "050"), (Variant::V2x200, "200")] {
        let path = dir.path().join(format!("timm_{tag}.safetensors"));
        write_timm_formula(variant, &path);
        let model = loaded(&path, variant, Source::Timm);
        for size in [256, 200] {
            check(
                &model,
                &format!("timm_{tag}_logits_{size}x{size}.npy"),
                size,
            );
        }
    }
}

#[test]
fn hf_width_half_matches_hf_where_its_blocks_zero_fill() {
    let path = fixtures().join("hf_050_formula.safetensors");
    let model = loaded(&path, Variant::V2x050, Source::Hf);
    for size in [256, 200] {
        check(&model, &format!("hf_050_logits_{size}x{size}.npy"), size);
    }
}

#[test]
fn hf_width_two_matches_hf_with_hfs_options() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timm_200.safetensors");
    write_timm_formula(Variant::V2x200, &path);
    let timm = loaded(&path, Variant::V2x200, Source::Timm);
    let hf = MobileVitConfig::hf(Variant::V2x200)
        .init(&Device::flex())
        .unwrap()
        .load_record(timm.into_record());
    for size in [256, 200] {
        check(&hf, &format!("hf_200_logits_{size}x{size}.npy"), size);
    }
}

#[test]
fn paddle_width_half_matches_paddleclas() {
    // PaddleClas's v2 takes only sides that are multiples of 64.
    let path = fixtures().join("paddle_050_formula.pdparams");
    let model = loaded(&path, Variant::V2x050, Source::Paddle);
    for size in [256, 192] {
        check(
            &model,
            &format!("paddle_050_logits_{size}x{size}.npy"),
            size,
        );
    }
}
