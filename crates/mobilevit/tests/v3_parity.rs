//! MobileViTv3 logits against PaddleClas's own on the same weights
//! (`scripts/make_paddle_v3_fixtures.py`): the weights come from the v2 fixtures' formula, on
//! this crate's tensor names (v3 has no timm names). PaddleClas's files of the smallest
//! variant of each kind are committed and read through the converter; the larger ones are
//! written here from the formula.

mod common;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mobilevit::variant::Family;
use mobilevit::{LoadOptions, MobileVit, Source, Variant, load_weights};
use mobilevit_contract::{Preprocessing, Preset};

use common::write_timm_formula;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/v3")
}

/// The logits at `sizes` of each variant: on v1's blocks at 256 and 224 (where the last block
/// resizes), on v2's at 256 and 192 (PaddleClas's v2 blocks take only multiples of 64).
fn sizes(variant: Variant) -> [usize; 2] {
    match variant.family() {
        Family::V3OnV1 => [256, 224],
        _ => [256, 192],
    }
}

fn check_all_sizes(model: &MobileVit, variant: Variant) {
    for size in sizes(variant) {
        let logits = format!("paddle_{variant}_logits_{size}x{size}.npy");
        common::check(model, &fixtures().join(logits), size);
    }
}

#[test]
fn paddle_files_of_the_smallest_variants_match_paddleclas() {
    for variant in [Variant::V3Xxs, Variant::V3x050] {
        let path = fixtures().join(format!("paddle_{variant}_formula.pdparams"));
        let options = LoadOptions {
            from: None,
            expected: Some(variant),
        };
        let loaded = load_weights(&path, options, &Device::flex()).unwrap();
        let info = loaded.info.unwrap();
        assert_eq!(info.source, Some(Source::Paddle));
        let preset = match variant.family() {
            Family::V3OnV1 => Preset::PaddleV3,
            _ => Preset::PaddleV2,
        };
        assert_eq!(info.preprocessing, Preprocessing::preset(preset));
        check_all_sizes(&loaded.model, variant);
    }
}

#[test]
fn the_other_variants_match_paddleclas() {
    let dir = tempfile::tempdir().unwrap();
    for variant in [Variant::V3XxsL2, Variant::V3S, Variant::V3x100] {
        let path = dir.path().join(format!("{variant}.safetensors"));
        write_timm_formula(variant, &path);
        let options = LoadOptions {
            from: None,
            expected: Some(variant),
        };
        let model = load_weights(&path, options, &Device::flex()).unwrap().model;
        check_all_sizes(&model, variant);
    }
}
