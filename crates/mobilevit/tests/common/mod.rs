//! What the parity tests of v2 and v3 share: the fixture formula (weights and inputs from
//! a tensor's name), timm-named files written from it, and the logits check.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};
use burn_store::{BurnToPyTorchAdapter, ModuleSnapshot};
use mobilevit::{MobileVit, MobileVitConfig, Variant, npy};
use safetensors::Dtype;
use safetensors::tensor::TensorView;

/// Largest absolute logit difference accepted.
pub const TOLERANCE: f32 = 1e-4;

/// The fixture formula (`scripts/weight_formula.py`, "FORMULA"): a splitmix64 stream seeded
/// by the FNV-1a hash of a timm tensor name, one draw `u` in [0, 1) per element.
pub mod formula {
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

/// timm-named weights of `variant` (for v3, this crate's names) from the formula, written as
/// timm's safetensors.
pub fn write_timm_formula(variant: Variant, path: &Path) {
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
pub fn formula_input(size: usize) -> Tensor<4> {
    let shape = [2, 3, size, size];
    let values: Vec<f32> = formula::draws("input", shape.iter().product())
        .map(|u| u as f32)
        .collect();
    Tensor::from_data(TensorData::new(values, shape), &Device::flex())
}

pub fn check(model: &MobileVit, logits: &Path, size: usize) {
    let expected: Tensor<2> = npy::read_f32(logits, &Device::flex()).unwrap();
    let logits = logits.file_name().unwrap().to_string_lossy();
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
