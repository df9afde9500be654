//! Logits against each reference implementation's own, on the same perturbed weights
//! (fixtures from `scripts/make_fixtures.py` and `scripts/make_paddle_fixtures.py`).

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};
use mobilevit::blocks::FoldResize;
use mobilevit::variant::Family;
use mobilevit::{ChannelOrder, LoadOptions, Source, Variant, load_weights, npy};

/// Largest absolute logit difference accepted for XXS.
const TOLERANCE_XXS: f32 = 1e-4;
/// For the deeper and wider XS and S, float32 rounding accumulates more.
const TOLERANCE_LARGER: f32 = 5e-4;

fn repo_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// One reference's fixture set: its weights file, and the prefixes of its input and logits
/// files (HF and ml-cvnets share timm's inputs; ml-cvnets' logits are HF's). The inputs are
/// drawn from the same seed for every variant, so only the XXS files are read.
struct Fixture {
    source: Source,
    weights: &'static str,
    inputs: &'static str,
    logits: &'static str,
}

const FIXTURES: [Fixture; 6] = [
    Fixture {
        source: Source::Timm,
        weights: "timm_{v}_seed0.safetensors",
        inputs: "timm",
        logits: "timm",
    },
    Fixture {
        source: Source::Timm,
        weights: "timm_{v}_seed0.pth",
        inputs: "timm",
        logits: "timm",
    },
    Fixture {
        source: Source::Hf,
        weights: "hf_{v}_seed0.safetensors",
        inputs: "timm",
        logits: "hf",
    },
    Fixture {
        source: Source::Cvnets,
        weights: "cvnets_{v}_seed0.pt",
        inputs: "timm",
        logits: "cvnets",
    },
    Fixture {
        source: Source::Paddle,
        weights: "paddle_{v}_seed0.pdparams",
        inputs: "paddle",
        logits: "paddle",
    },
    Fixture {
        source: Source::Hf,
        weights: "hf_{v}_pytorch_model.bin",
        inputs: "timm",
        logits: "hf",
    },
];

fn check(dir: &Path, fixture: &Fixture, variant: &str, sizes: &[&str]) {
    let device = Device::flex();
    let expected_variant = variant.parse::<Variant>().unwrap();
    let weights = dir.join(fixture.weights.replace("{v}", variant));
    if !weights.exists() && fixture.weights.ends_with(".bin") {
        return; // optional in the committed set
    }
    let options = LoadOptions {
        from: None,
        expected: Some(expected_variant),
    };
    let loaded = load_weights(&weights, options, &device).unwrap();
    let info = loaded
        .info
        .expect("converted weights say where they come from");
    assert_eq!(info.source, Some(fixture.source));
    assert_eq!(
        info.channel_order(),
        fixture.source.channel_order(Family::V1)
    );
    assert_eq!(loaded.model.config.variant, expected_variant);
    let folded = loaded.model.clone().fold_batch_norm();
    for size in sizes {
        let input = dir.join(format!("{}_xxs_input_{size}.npy", fixture.inputs));
        let logits = dir.join(format!("{}_{variant}_logits_{size}.npy", fixture.logits));
        let input: Tensor<4> = npy::read_f32(&input, &device).unwrap();
        let expected: Tensor<2> = npy::read_f32(&logits, &device).unwrap();
        let tolerance = if variant == "xxs" {
            TOLERANCE_XXS
        } else {
            TOLERANCE_LARGER
        };
        // As loaded, and for inference with the batch norms folded into the convolutions.
        for (form, model) in [("", loaded.model.clone()), (" folded", folded.clone())] {
            let logits = model.forward(input.clone());
            let diff = (logits - expected.clone()).abs().max().into_scalar::<f32>();
            println!(
                "{}{form} {variant} {size}: max |diff| = {diff:.2e}",
                weights.display()
            );
            assert!(
                diff <= tolerance,
                "{}{form} at {size}: max |diff| {diff:e}",
                weights.display()
            );
        }
    }
}

#[test]
fn xxs_from_every_source_matches_its_reference() {
    let dir = repo_dir("tests/fixtures");
    for fixture in &FIXTURES {
        check(&dir, fixture, "xxs", &["256x256", "200x200"]);
    }
}

#[test]
fn every_variant_matches_timm() {
    let dir = repo_dir("tests/fixtures");
    for variant in ["xs", "s"] {
        check(&dir, &FIXTURES[0], variant, &["256x256", "200x200"]);
    }
}

#[test]
fn paddle_weights_get_paddle_options() {
    let device = Device::flex();
    let path = repo_dir("tests/fixtures/paddle_xxs_seed0.pdparams");
    let loaded = load_weights(&path, LoadOptions::default(), &device).unwrap();
    assert_eq!(loaded.model.config.fold_resize, FoldResize::Nearest);
    assert_eq!(loaded.model.config.final_norm_eps, 1e-6);
    assert_eq!(loaded.info.unwrap().channel_order(), ChannelOrder::Bgr);
}

/// Every source, variant and size, from fixtures that are regenerated rather than committed:
/// `scripts/make_fixtures.py --sources timm,hf,cvnets --variants xxs,xs,s --sizes
/// 256,224,200,193x301 --out fixtures-tmp` and `scripts/make_paddle_fixtures.py --variants
/// xxs,xs,s --out fixtures-tmp`.
#[test]
#[ignore = "needs fixtures-tmp/ from the fixture scripts"]
fn every_source_and_variant_matches_from_regenerated_fixtures() {
    let dir = repo_dir("fixtures-tmp");
    let sizes = ["256x256", "224x224", "200x200", "193x301"];
    for variant in ["xxs", "xs", "s"] {
        for fixture in &FIXTURES {
            check(&dir, fixture, variant, &sizes);
        }
    }
}
