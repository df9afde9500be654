//! ONNX export: the exported graph, run by onnxruntime, gives our logits.
//!
//! The onnxruntime check runs `scripts/check_onnx.py` with the Python named by
//! `MOBILEVIT_TEST_PYTHON` (default `python3`), which must have onnxruntime and onnx:
//! `scripts/test.sh` installs the pinned versions and sets it.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use mobilevit::onnx::{OnnxOptions, export_onnx, save_onnx};
use mobilevit::{LoadOptions, MobileVit, MobileVitConfig, Variant, load_weights};
use onnx_protobuf::{Message, ModelProto};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn model(fixture: &str) -> MobileVit {
    let path = repo(&format!("tests/fixtures/{fixture}"));
    load_weights(&path, LoadOptions::default(), &Device::flex())
        .unwrap()
        .model
}

/// Deterministic, image-like input in [0, 1).
fn input(batch: usize, size: usize) -> Tensor<4> {
    let count = batch * 3 * size * size;
    let values: Vec<f32> = (0..count)
        .map(|i| ((i as f32 * 0.618_034).sin() * 0.5 + 0.5).fract())
        .collect();
    Tensor::from_data(
        TensorData::new(values, [batch, 3, size, size]),
        &Device::flex(),
    )
}

fn python() -> String {
    std::env::var("MOBILEVIT_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Exports `fixture` at each size, and checks batches of 1 and 2 in onnxruntime.
fn check_in_onnxruntime(fixture: &str, sizes: &[usize], opset: i64) {
    check_model_in_onnxruntime(fixture, &model(fixture), sizes, opset);
}

/// Exports `model` at each size, and checks batches of 1 and 2 in onnxruntime.
fn check_model_in_onnxruntime(fixture: &str, model: &MobileVit, sizes: &[usize], opset: i64) {
    let dir = tempfile::tempdir().unwrap();
    for &size in sizes {
        let onnx_path = dir.path().join(format!("model_{size}.onnx"));
        let options = OnnxOptions {
            opset,
            image_size: [size, size],
            metadata: Vec::new(),
        };
        save_onnx(model, &options, &onnx_path).unwrap();
        for batch in [1, 2] {
            let images = input(batch, size);
            let (input_path, logits_path) = (
                dir.path().join(format!("input_{batch}_{size}.npy")),
                dir.path().join(format!("logits_{batch}_{size}.npy")),
            );
            mobilevit::npy::write_f32(&input_path, images.clone()).unwrap();
            mobilevit::npy::write_f32(&logits_path, model.forward(images)).unwrap();
            let output = Command::new(python())
                .arg(repo("scripts/check_onnx.py"))
                .args([&onnx_path, &input_path, &logits_path])
                .args(["--tolerance", "1e-4"])
                .output()
                .unwrap_or_else(|error| panic!("cannot run {}: {error}", python()));
            let report = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            println!("{fixture}: {report}");
            assert!(
                output.status.success(),
                "{fixture} at {size}, batch {batch}: {report}\n(needs onnxruntime and onnx in \
                 {}: run scripts/test.sh, or set MOBILEVIT_TEST_PYTHON)",
                python()
            );
        }
    }
}

#[test]
fn timm_xxs_in_onnxruntime_matches_at_256_and_224() {
    // 224 leaves a 7x7 map in the last MobileViT block: the bilinear resize path.
    check_in_onnxruntime("timm_xxs_seed0.safetensors", &[256, 224], 17);
}

#[test]
fn paddle_xxs_in_onnxruntime_matches_with_nearest_fold_back() {
    // PaddleClas folds back with nearest resizing; 200 makes every MobileViT block resize.
    check_in_onnxruntime("paddle_xxs_seed0.pdparams", &[200], 21);
}

#[test]
fn timm_s_in_onnxruntime_matches() {
    check_in_onnxruntime("timm_s_seed0.safetensors", &[256], 18);
}

#[test]
fn hf_v2_in_onnxruntime_matches_with_its_zero_filled_remainders() {
    // At 200 the last three blocks get maps of odd size: HF leaves the remainder out.
    check_in_onnxruntime("v2/hf_050_formula.safetensors", &[256, 200], 17);
}

#[test]
fn paddle_v3_in_onnxruntime_matches_on_both_kinds_of_block() {
    // On v1's blocks at 224 (the last block resizes, bilinear both ways); on v2's at 256.
    check_in_onnxruntime("v3/paddle_MobileViTV3_XXS_formula.pdparams", &[224], 17);
    check_in_onnxruntime("v3/paddle_MobileViTV3_x0_5_formula.pdparams", &[256], 18);
}

#[test]
fn timm_v2_in_onnxruntime_matches_with_aligned_corner_resizes() {
    // timm's rule on the same weights: odd maps are interpolated up, corners aligned.
    let timm = MobileVitConfig::imagenet(Variant::V2x050)
        .init(&Device::flex())
        .unwrap()
        .load_record(model("v2/hf_050_formula.safetensors").into_record());
    check_model_in_onnxruntime("timm v2 0.5", &timm, &[200], 21);
}

#[test]
fn the_graph_has_a_symbolic_batch_and_carries_its_metadata() {
    let model = model("timm_xxs_seed0.safetensors");
    let options = OnnxOptions {
        metadata: vec![("preprocess.channel_order".into(), "RGB".into())],
        ..OnnxOptions::default()
    };
    let proto = ModelProto::parse_from_bytes(&export_onnx(&model, &options).unwrap()).unwrap();
    let metadata: Vec<(String, String)> = proto
        .metadata_props
        .iter()
        .map(|entry| (entry.key.clone(), entry.value.clone()))
        .collect();
    for (key, value) in [
        ("mobilevit.variant", "MobileViT_XXS"),
        ("mobilevit.num_classes", "1000"),
        ("preprocess.channel_order", "RGB"),
    ] {
        assert!(
            metadata.contains(&(key.to_string(), value.to_string())),
            "{key} missing from {metadata:?}"
        );
    }
    assert_eq!(proto.opset_import[0].version, 17);
    let graph = proto.graph.as_ref().unwrap();
    assert_eq!(graph.input[0].name, "images");
    assert_eq!(graph.output[0].name, "logits");
    let dims = |info: &onnx_protobuf::ValueInfoProto| -> Vec<String> {
        match &info.type_.value {
            Some(onnx_protobuf::type_proto::Value::TensorType(tensor)) => tensor
                .shape
                .dim
                .iter()
                .map(|d| match &d.value {
                    Some(onnx_protobuf::tensor_shape_proto::dimension::Value::DimValue(v)) => {
                        v.to_string()
                    }
                    Some(onnx_protobuf::tensor_shape_proto::dimension::Value::DimParam(p)) => {
                        p.clone()
                    }
                    _ => "?".into(),
                })
                .collect(),
            _ => Vec::new(),
        }
    };
    assert_eq!(dims(&graph.input[0]), ["batch", "3", "256", "256"]);
    assert_eq!(dims(&graph.output[0]), ["batch", "1000"]);
    // Every parameter and BatchNorm statistic is an initializer.
    let stored: usize = graph
        .initializer
        .iter()
        .filter(|t| t.data_type == onnx_protobuf::tensor_proto::DataType::FLOAT as i32)
        .filter(|t| !t.dims.is_empty())
        .map(|t| t.dims.iter().product::<i64>() as usize)
        .sum();
    let counts = model.parameter_counts();
    assert_eq!(stored as u64, counts.trainable + counts.buffers);
}

#[test]
fn an_unsupported_opset_or_a_tiny_image_is_an_error() {
    let model = model("timm_xxs_seed0.safetensors");
    let error = export_onnx(
        &model,
        &OnnxOptions {
            opset: 13,
            ..OnnxOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("opset 13"), "{error}");
    let error = export_onnx(
        &model,
        &OnnxOptions {
            image_size: [16, 16],
            ..OnnxOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("16x16"), "{error}");
}
