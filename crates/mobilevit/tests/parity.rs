//! Logits against timm's on the same, perturbed weights (fixtures from
//! `scripts/make_fixtures.py`).

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use mobilevit::weights::load_timm_safetensors;
use mobilevit::{MobileVitConfig, Variant, npy};

/// Largest absolute logit difference accepted for XXS.
const TOLERANCE_XXS: f32 = 1e-4;
/// For the deeper and wider XS and S, float32 rounding accumulates more.
const TOLERANCE_LARGER: f32 = 5e-4;

fn repo_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn check_timm(dir: &Path, variant: &str, sizes: &[&str], tolerance: f32) {
    let device = Device::flex();
    let expected = variant.parse::<Variant>().unwrap();
    let weights = dir.join(format!("timm_{variant}_seed0.safetensors"));
    let model = load_timm_safetensors(&weights, Some(expected), &device).unwrap();
    assert_eq!(model.config, MobileVitConfig::imagenet(expected));
    for size in sizes {
        let read = |kind: &str| dir.join(format!("timm_{variant}_{kind}_{size}.npy"));
        let input: Tensor<4> = npy::read_f32(&read("input"), &device).unwrap();
        let expected: Tensor<2> = npy::read_f32(&read("logits"), &device).unwrap();
        let logits = model.forward(input);
        assert_eq!(logits.dims(), expected.dims());
        let largest = expected.clone().abs().max().into_scalar::<f32>();
        let diff = (logits - expected).abs().max().into_scalar::<f32>();
        println!("timm {variant} {size}: max |diff| = {diff:.2e} (max |logit| = {largest:.2})");
        assert!(
            diff <= tolerance,
            "{variant} at {size}: max |diff| {diff:e}"
        );
    }
}

#[test]
fn xxs_matches_timm_at_256_and_with_resizing_at_200() {
    let dir = repo_dir("tests/fixtures");
    check_timm(&dir, "xxs", &["256x256", "200x200"], TOLERANCE_XXS);
}

/// All variants at more sizes, from fixtures that are regenerated rather than committed:
/// `scripts/make_fixtures.py --variants xxs,xs,s --sizes 256,224,200,193x301 --out fixtures-tmp`.
#[test]
#[ignore = "needs fixtures-tmp/ from scripts/make_fixtures.py"]
fn all_variants_match_timm_from_regenerated_fixtures() {
    let dir = repo_dir("fixtures-tmp");
    let sizes = ["256x256", "224x224", "200x200", "193x301"];
    check_timm(&dir, "xxs", &sizes, TOLERANCE_XXS);
    check_timm(&dir, "xs", &sizes, TOLERANCE_LARGER);
    check_timm(&dir, "s", &sizes, TOLERANCE_LARGER);
}
