//! MobileViTv2 logits against timm's, HF's and PaddleClas's own on the same weights
//! (`scripts/make_v2_fixtures.py`, `scripts/make_paddle_v2_fixtures.py`).
//!
//! The fixtures' weights are not committed for every width (v2 at width 2.0 has 18 M
//! parameters): they come from a formula on timm's tensor names that the fixture script and
//! [`formula`] below both implement, bit for bit. timm-named files are written here from it
//! and read back through the converter; HF's and PaddleClas's files of width 0.5 are
//! committed as the scripts wrote them.

mod common;

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use mobilevit::variant::Family;
use mobilevit::{LoadOptions, MobileVit, MobileVitConfig, Source, Variant, load_weights};
use mobilevit_contract::{Preprocessing, Preset};

use common::{formula, write_timm_formula};

fn check(model: &MobileVit, logits: &str, size: usize) {
    common::check(model, &fixtures().join(logits), size);
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/v2")
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
