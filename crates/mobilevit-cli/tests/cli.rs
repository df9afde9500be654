//! The `mobilevit` binary as a user runs it.

mod common;

use std::path::Path;

use burn::tensor::{Device, Distribution, Tensor};
use common::*;
use mobilevit::npy;

fn write_images(path: &Path, shape: [usize; 4]) {
    let device = Device::flex();
    let images = Tensor::<4>::random(shape, Distribution::Uniform(0.0, 1.0), &device);
    npy::write_f32(path, images).unwrap();
}

#[test]
fn info_prints_the_reference_counts() {
    let expected = [
        ("MobileViT_XXS", "1,272,024", "407,364,096", "337.24 M"),
        ("mobilevit_xs", "2,317,848", "1,025,911,808", "930.75 M"),
        ("mobilevit_S", "5,578,632", "2,000,831,488", "1849.35 M"),
    ];
    for (model, params, macs, flops) in expected {
        let text = succeeds(&["info", "--model", model]);
        for figure in [params, macs, flops] {
            assert!(text.contains(figure), "{model}: {figure} not in\n{text}");
        }
    }
}

#[test]
fn info_json_has_exactly_the_documented_keys() {
    let text = succeeds(&[
        "info",
        "--model",
        "mobilevit_xxs",
        "--image-size",
        "193x301",
        "--num-classes",
        "10",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    let mut keys: Vec<_> = report.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    let documented = [
        "buffers",
        "image_size",
        "macs",
        "model",
        "num_classes",
        "paddle_flops",
        "params",
        "stages",
    ];
    assert_eq!(keys, documented);
    assert_eq!(report["model"], "MobileViT_XXS");
    assert_eq!(report["image_size"], serde_json::json!([193, 301]));
    assert_eq!(report["num_classes"], 10);
    assert_eq!(report["params"], 1_272_024 - 321_000 + 3_210);
    let stages = report["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 7);
    assert_eq!(stages[5]["output_size"], serde_json::json!([7, 10]));
}

#[test]
fn info_rejects_unknown_models_and_sizes() {
    fails_with(&["info", "--model", "mobilevit_m"], "MobileViT_XXS");
    fails_with(
        &["info", "--model", "xxs", "--image-size", "16"],
        "at least 32x32",
    );
    fails_with(
        &["info", "--model", "xxs", "--image-size", "0x5"],
        "cannot be 0",
    );
}

#[test]
fn forward_is_reproducible_and_round_trips_through_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.npy");
    write_images(&input, [2, 3, 96, 96]);
    let (first, second, reloaded) = (
        dir.path().join("a.npy"),
        dir.path().join("b.npy"),
        dir.path().join("c.npy"),
    );
    let checkpoint = dir.path().join("seeded.bpk");
    let io = ["--input", path(&input), "--output"];
    let seeded = ["forward", "--model", "MobileViT_XS", "--seed", "5"];
    let save = ["--save-checkpoint", path(&checkpoint)];
    succeeds(&[&seeded[..], &io, &[path(&first)], &save].concat());
    succeeds(&[&seeded[..], &io, &[path(&second)]].concat());
    let from_checkpoint = ["forward", "--weights", path(&checkpoint)];
    succeeds(&[&from_checkpoint[..], &io, &[path(&reloaded)]].concat());
    let logits = read_logits(&first);
    assert_eq!(logits.len(), 2 * 1000);
    assert_eq!(logits, read_logits(&second));
    assert_eq!(logits, read_logits(&reloaded));

    let other_model = ["--model", "mobilevit_s"];
    fails_with(
        &[&from_checkpoint[..], &other_model, &io, &[path(&reloaded)]].concat(),
        "holds MobileViT_XS",
    );
}

#[test]
fn forward_with_timm_weights_reproduces_timm() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("logits.npy");
    let fixtures = fixtures();
    succeeds(&[
        "forward",
        "--weights",
        path(&fixtures.join("timm_xxs_seed0.safetensors")),
        "--input",
        path(&fixtures.join("timm_xxs_input_200x200.npy")),
        "--output",
        path(&out),
    ]);
    let expected = read_logits(&fixtures.join("timm_xxs_logits_200x200.npy"));
    let logits = read_logits(&out);
    let diff = logits
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff <= 1e-4, "max |diff| {diff}");
}

fn forward_error(input: &Path) -> String {
    let out = input.with_extension("out.npy");
    let output = mobilevit(&[
        "forward",
        "--model",
        "xxs",
        "--input",
        path(input),
        "--output",
        path(&out),
    ]);
    assert!(!output.status.success(), "accepted {}", input.display());
    assert!(!out.exists(), "wrote logits for a bad input");
    stderr(&output)
}

#[test]
fn forward_rejects_bad_inputs_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let float64 = dir.path().join("f64.npy");
    npyz::to_file_1d(&float64, vec![0.5f64; 3 * 64 * 64]).unwrap();
    assert!(forward_error(&float64).contains("expected float32"));

    let rank3 = dir.path().join("rank3.npy");
    npy::write_f32(&rank3, Tensor::<3>::zeros([3, 64, 64], &Device::flex())).unwrap();
    assert!(forward_error(&rank3).contains("rank-4"));

    let gray = dir.path().join("gray.npy");
    write_images(&gray, [1, 1, 64, 64]);
    assert!(forward_error(&gray).contains("3 channels"));

    let tiny = dir.path().join("tiny.npy");
    write_images(&tiny, [1, 3, 16, 16]);
    assert!(forward_error(&tiny).contains("at least 32x32"));

    let text = dir.path().join("text.npy");
    std::fs::write(&text, "not an array").unwrap();
    let message = forward_error(&text);
    assert!(
        message.contains("not a .npy file") && message.contains("text.npy"),
        "{message}"
    );

    let missing = dir.path().join("missing.npy");
    assert!(forward_error(&missing).contains("missing.npy"));
}

#[test]
fn forward_rejects_bad_weights_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("x.npy");
    write_images(&input, [1, 3, 64, 64]);
    let out = dir.path().join("y.npy");
    let run_with = |weights: &Path, extra: &[&str], needle: &str| {
        let mut args = vec!["forward", "--weights", path(weights)];
        args.extend_from_slice(extra);
        args.extend(["--input", path(&input), "--output", path(&out)]);
        let message = fails_with(&args, needle);
        assert!(!out.exists(), "wrote logits with bad weights");
        message
    };
    let junk = dir.path().join("junk.bpk");
    std::fs::write(&junk, vec![7u8; 4096]).unwrap();
    run_with(&junk, &[], "junk.bpk");

    let junk = dir.path().join("junk.safetensors");
    std::fs::write(&junk, "garbage").unwrap();
    run_with(&junk, &[], "not a weights file");

    let xxs = fixtures().join("timm_xxs_seed0.safetensors");
    let message = run_with(
        &xxs,
        &["--model", "mobilevit_s"],
        "timm_xxs_seed0.safetensors",
    );
    assert!(
        message.contains("holds MobileViT_XXS weights, not MobileViT_S"),
        "{message}"
    );

    run_with(&dir.path().join("absent.bpk"), &[], "absent.bpk");
    run_with(&input, &[], "not a weights file");
}

#[test]
fn convert_writes_a_checkpoint_that_forwards_like_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixtures().join("paddle_xxs_input_200x200.npy");
    for (weights, source) in [
        ("paddle_xxs_seed0.pdparams", "paddle"),
        ("cvnets_xxs_seed0.pt", "cvnets"),
    ] {
        let weights = fixtures().join(weights);
        let checkpoint = dir.path().join(format!("{source}.bpk"));
        let text = succeeds(&["convert", path(&weights), path(&checkpoint)]);
        assert!(
            text.contains(&format!("from {source}, expects BGR input")),
            "{text}"
        );
        let (direct, converted) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
        for (from, out) in [(&weights, &direct), (&checkpoint, &converted)] {
            succeeds(&[
                "forward",
                "--weights",
                path(from),
                "--input",
                path(&input),
                "--output",
                path(out),
            ]);
        }
        assert_eq!(read_logits(&direct), read_logits(&converted), "{source}");
    }
}

#[test]
fn convert_to_timm_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("m.bpk");
    let timm = dir.path().join("m.safetensors");
    let source = fixtures().join("timm_xxs_seed0.pth");
    succeeds(&[
        "convert",
        "--from",
        "timm",
        path(&source),
        path(&checkpoint),
    ]);
    let text = succeeds(&["convert", "--to", "timm", path(&checkpoint), path(&timm)]);
    assert!(
        text.contains("MobileViT_XXS, 1000 classes, from timm"),
        "{text}"
    );
    let again = dir.path().join("again.bpk");
    succeeds(&[
        "convert",
        "--model",
        "mobilevit_xxs",
        path(&timm),
        path(&again),
    ]);
}

#[test]
fn convert_fails_cleanly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.bpk");
    let hostile = dir.path().join("hostile.pdparams");
    std::fs::write(&hostile, b"\x80\x02cposix\nsystem\nq\x00.").unwrap();
    let cases: [(&Path, &[&str], &str); 4] = [
        (&hostile, &[], "refusing the pickled global 'posix.system'"),
        (
            &fixtures().join("timm_xxs_seed0.safetensors"),
            &["--to-rgb"],
            "already take RGB",
        ),
        (
            &fixtures().join("hf_xxs_seed0.safetensors"),
            &["--model", "MobileViT_S"],
            "holds MobileViT_XXS weights, not MobileViT_S",
        ),
        (
            &fixtures().join("hf_xxs_seed0.safetensors"),
            &["--from", "paddle"],
            "no tensor maps to timm's 'stem.conv.weight'",
        ),
    ];
    for (input, extra, needle) in cases {
        let args = [&["convert"], extra, &[path(input), path(&out)]].concat();
        fails_with(&args, needle);
        assert!(!out.exists(), "{args:?} left an output file");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
    }
    fails_with(
        &["convert", "--from", "caffe", path(&hostile), path(&out)],
        "unknown weights source 'caffe'",
    );
}

#[test]
fn preprocess_writes_the_timm_tensor_of_the_cat() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cat.npy");
    let cat = fixtures().join("images/chelsea.png");
    succeeds(&[
        "preprocess",
        "--preset",
        "timm",
        path(&cat),
        "--output",
        path(&out),
    ]);
    let ours: Tensor<4> = npy::read_f32(&out, &Device::flex()).unwrap();
    let timm: Tensor<4> = npy::read_f32(
        &fixtures().join("preprocess_timm_chelsea.npy"),
        &Device::flex(),
    )
    .unwrap();
    let mean = (ours - timm).abs().mean().into_scalar::<f32>();
    assert!(mean <= 1e-6, "mean |diff| {mean}");
}

/// A `[256, 256, 3]` uint8 crop as the CHW float tensor of `NormalizeImage {scale: 1/255}`.
fn paddleclas_infer_tensor(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    let pixels: Vec<u8> = npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap();
    let scale = (1.0f64 / 255.0) as f32;
    (0..3)
        .flat_map(|c| {
            pixels
                .iter()
                .skip(c)
                .step_by(3)
                .map(move |&p| f32::from(p) * scale)
        })
        .collect()
}

#[test]
fn preprocess_reads_paddleclas_own_config_and_obeys_the_weights() {
    let dir = tempfile::tempdir().unwrap();
    let config = fixtures().join("paddleclas/MobileViT_XXS.yaml");
    let weights = fixtures().join("paddle_xxs_seed0.pdparams");
    let horse = fixtures().join("images/horse.png");
    let out = dir.path().join("horse.npy");
    // What PaddleClas's Infer block feeds the model: RGB, resized with OpenCV (the block names
    // no backend), as scripts/make_cv2_resize_fixtures.py computes it with PaddleClas's steps.
    let infer = paddleclas_infer_tensor(&fixtures().join("cv2/paddleclas_infer_horse.npy"));
    let plane = infer.len() / 3;
    let infer_bgr: Vec<f32> = [2, 1, 0]
        .iter()
        .flat_map(|&c| infer[c * plane..(c + 1) * plane].iter().copied())
        .collect();

    // PaddleClas's own file, unchanged: its Infer block decodes RGB, and PaddleClas's weights
    // expect BGR, so the images are decoded BGR: the block's tensor with its channels reversed.
    let args = [
        "preprocess",
        "-c",
        path(&config),
        "--weights",
        path(&weights),
        path(&horse),
        "-o",
        path(&out),
    ];
    let output = mobilevit(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let notice = stderr(&output);
    assert!(
        notice.contains("expect BGR") && notice.contains("decoding BGR"),
        "{notice}"
    );
    assert_eq!(read_values::<4>(&out), infer_bgr);

    // Without weights, the Infer block as written, byte for byte PaddleClas's.
    succeeds(&[
        "preprocess",
        "-c",
        path(&config),
        path(&horse),
        "-o",
        path(&out),
    ]);
    assert_eq!(read_values::<4>(&out), infer);

    let message = fails_with(
        &[
            "preprocess",
            "-c",
            path(&config),
            "--override",
            "Infer.transforms=[{Blur: {}}]",
            path(&horse),
            "-o",
            path(&out),
        ],
        "Blur",
    );
    assert!(message.contains("MobileViT_XXS.yaml"), "{message}");
    // A config is read as strictly by preprocess as by every other command.
    let partial = dir.path().join("partial.yaml");
    std::fs::write(
        &partial,
        "DataLoader:\n  Eval:\n    dataset:\n      transform_ops:\n        - CropImage: {size: 8}\n",
    )
    .unwrap();
    fails_with(
        &[
            "preprocess",
            "-c",
            path(&partial),
            path(&horse),
            "-o",
            path(&out),
        ],
        "missing field",
    );
    fails_with(
        &[
            "preprocess",
            "--preset",
            "timm",
            path(&config),
            "-o",
            path(&out),
        ],
        "cannot decode image",
    );
    fails_with(
        &[
            "preprocess",
            "--preset",
            "keras",
            path(&horse),
            "-o",
            path(&out),
        ],
        "unknown preset",
    );
}

#[test]
fn data_mnist_writes_a_paddleclas_dataset() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("digits.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        std::fs::File::create(&csv).unwrap(),
        flate2::Compression::default(),
    );
    for row in 0..30 {
        let pixels: Vec<String> = (0..784).map(|p| ((p + row) % 256).to_string()).collect();
        writeln!(encoder, "{},{}", pixels.join(","), row % 10).unwrap();
    }
    encoder.finish().unwrap();
    let out = dir.path().join("mnist");
    let text = succeeds(&[
        "data",
        "mnist",
        "--source",
        path(&csv),
        "--output",
        path(&out),
        "--val-per-class",
        "1",
    ]);
    assert!(
        text.contains("20 training and 10 validation digits"),
        "{text}"
    );
    let train = std::fs::read_to_string(out.join("train_list.txt")).unwrap();
    assert_eq!(train.lines().count(), 20);
    let first = train.lines().next().unwrap().split(' ').next().unwrap();
    let image =
        mobilevit_data::Image::open(&out.join(first), mobilevit_data::ChannelOrder::Rgb).unwrap();
    assert_eq!((image.width, image.height), (28, 28));
    assert_eq!(
        std::fs::read_to_string(out.join("label_list.txt"))
            .unwrap()
            .lines()
            .count(),
        10
    );

    std::fs::write(&csv, "not gzip").unwrap();
    fails_with(
        &[
            "data",
            "mnist",
            "--source",
            path(&csv),
            "--output",
            path(&out),
        ],
        "digits.csv.gz",
    );
}

#[test]
fn predict_names_classes_and_reports_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let weights = fixtures().join("timm_xxs_seed0.safetensors");
    let cat = fixtures().join("images/chelsea.png");
    let text = succeeds(&[
        "predict",
        "--weights",
        path(&weights),
        "--topk",
        "2",
        "--json",
        path(&cat),
    ]);
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(line["topk"].as_array().unwrap().len(), 2);
    assert!(line["topk"][0]["label"].as_str().unwrap().len() > 1);

    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, "nope").unwrap();
    let output = mobilevit(&[
        "predict",
        "--weights",
        path(&weights),
        path(&cat),
        path(&broken),
    ]);
    assert!(!output.status.success());
    assert!(
        stdout(&output).contains("chelsea.png"),
        "the good image is still predicted"
    );
    assert!(
        stderr(&output).contains("broken.jpg"),
        "{}",
        stderr(&output)
    );

    fails_with(
        &[
            "predict",
            "--model",
            "mobilevit_s",
            "--weights",
            path(&weights),
            path(&cat),
        ],
        "holds MobileViT_XXS weights, not MobileViT_S",
    );
    let map = dir.path().join("labels.txt");
    std::fs::write(&map, "0 cat\n1 dog\n").unwrap();
    fails_with(
        &[
            "predict",
            "--weights",
            path(&weights),
            "--class-map",
            path(&map),
            path(&cat),
        ],
        "2 class names for a model with 1000 classes",
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    fails_with(
        &["predict", "--weights", path(&weights), path(&empty)],
        "no images in this folder",
    );
}
