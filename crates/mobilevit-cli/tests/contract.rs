//! One preprocessing contract: for weights from every source, converted plainly and with
//! `--to-rgb`, `predict`, `eval`, `serve` and the exported ONNX model (run in onnxruntime on the
//! tensor `preprocess` writes) give the same class probabilities on the same photo.
//!
//! The ONNX part runs `scripts/onnx_run.py` with `MOBILEVIT_TEST_PYTHON` (set by
//! `scripts/test.sh`, which installs onnxruntime).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::*;

/// Largest difference allowed between two consumers' probabilities of a class.
const TOLERANCE: f64 = 1e-5;

type Scores = BTreeMap<u64, f64>;

fn python() -> String {
    std::env::var("MOBILEVIT_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// `[{"class_id": .., "score": ..}, ...]` as class -> probability.
fn scores_of(topk: &serde_json::Value) -> Scores {
    topk.as_array()
        .expect("a top-k list")
        .iter()
        .map(|entry| {
            (
                entry["class_id"].as_u64().unwrap(),
                entry["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn softmax(logits: &[f32]) -> Scores {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.iter().map(|&l| (l as f64 - max).exp()).collect();
    let total: f64 = exps.iter().sum();
    exps.iter()
        .enumerate()
        .map(|(class, e)| (class as u64, e / total))
        .collect()
}

fn assert_same(label: &str, ours: &Scores, reference: &Scores) {
    assert_eq!(ours.len(), reference.len(), "{label}: number of classes");
    for (class, &p) in reference {
        let q = ours[class];
        assert!(
            (p - q).abs() <= TOLERANCE,
            "{label}: class {class}: {q} vs {p}"
        );
    }
}

fn predict_scores(weights: &Path, image: &Path) -> Scores {
    let text = succeeds(&[
        "predict",
        "--weights",
        path(weights),
        "--topk",
        "1000",
        "--json",
        path(image),
    ]);
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    scores_of(&line["topk"])
}

/// The exported model's probabilities on the tensor `preprocess` gives for the weights, and
/// the channel order its metadata records.
fn onnx_scores(weights: &Path, image: &Path, dir: &Path) -> (Scores, String) {
    let model = dir.join("model.onnx");
    let input = dir.join("input.npy");
    let logits = dir.join("logits.npy");
    succeeds(&["export", "--weights", path(weights), "-o", path(&model)]);
    succeeds(&[
        "preprocess",
        "--weights",
        path(weights),
        path(image),
        "-o",
        path(&input),
    ]);
    let output = Command::new(python())
        .arg(repo("scripts/onnx_run.py"))
        .args([&model, &input, &logits])
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "{}: {error} (run scripts/test.sh or set MOBILEVIT_TEST_PYTHON)",
                python()
            )
        });
    assert!(
        output.status.success(),
        "onnxruntime: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let order = metadata["preprocess.channel_order"]
        .as_str()
        .unwrap()
        .to_string();
    (softmax(&read_logits(&logits)), order)
}

/// `eval --recorded` over a one-image list labelled with `label`: the probability of the
/// label, from the reported loss.
fn eval_probability(weights: &Path, image: &Path, label: u64, dir: &Path) -> f64 {
    let list = dir.join("val_list.txt");
    std::fs::write(
        &list,
        format!("{} {label}\n", image.file_name().unwrap().to_str().unwrap()),
    )
    .unwrap();
    let overrides = [
        format!("Global.pretrained_model={}", path(weights)),
        "Arch.class_num=1000".to_string(),
        format!(
            "DataLoader.Eval.dataset.image_root={}",
            path(image.parent().unwrap())
        ),
        format!("DataLoader.Eval.dataset.cls_label_path={}", path(&list)),
        "DataLoader.Eval.sampler.batch_size=1".to_string(),
    ];
    let config = repo("configs/demo/mnist5k_xxs.yaml");
    let mut args = vec!["eval", "-c", path(&config), "--recorded", "--json"];
    for item in &overrides {
        args.extend(["-o", item.as_str()]);
    }
    let text = succeeds(&args);
    let json: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(json["count"], 1);
    (-json["loss"].as_f64().unwrap()).exp()
}

/// A `mobilevit serve` process on a free port; killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(weights: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mobilevit"))
            .args(["serve", "--weights", path(weights), "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split(':').take(2).collect::<Vec<_>>().join(":").into())
            .unwrap_or_else(|| panic!("no address in '{line}'"));
        Self { child, address }
    }

    /// `POST /predict?topk=1000` with the image's bytes.
    fn scores(&self, image: &Path) -> Scores {
        let body = std::fs::read(image).unwrap();
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let head = format!(
            "POST /predict?topk=1000 HTTP/1.1\r\nHost: {}\r\nContent-Type: image/png\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.address,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (status, rest) = response.split_once("\r\n").unwrap();
        assert!(status.contains("200"), "{response}");
        let json = rest.split_once("\r\n\r\n").unwrap().1;
        let answer: serde_json::Value = serde_json::from_str(json).unwrap();
        scores_of(&answer["topk"])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every consumer of `weights` gives `reference`'s probabilities on `image`.
fn check_consumers(weights: &Path, image: &Path, reference: &Scores, order: &str, dir: &Path) {
    let label = weights.file_name().unwrap().to_str().unwrap();
    assert_same(
        &format!("{label}: predict"),
        &predict_scores(weights, image),
        reference,
    );
    let server = Server::start(weights);
    assert_same(&format!("{label}: serve"), &server.scores(image), reference);
    drop(server);
    let (onnx, onnx_order) = onnx_scores(weights, image, dir);
    assert_eq!(onnx_order, order, "{label}: ONNX metadata channel order");
    assert_same(&format!("{label}: onnxruntime"), &onnx, reference);
    let (&best, &p) = reference.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap();
    let q = eval_probability(weights, image, best, dir);
    assert!(
        (p - q).abs() <= TOLERANCE,
        "{label}: eval gives class {best} probability {q}, predict {p}"
    );
}

#[test]
fn every_consumer_gives_the_same_scores_for_every_source_and_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let image = fixtures().join("images/chelsea.png");
    let sources = [
        ("timm", "timm_xxs_seed0.safetensors", "RGB"),
        ("hf", "hf_xxs_seed0.safetensors", "BGR"),
        ("cvnets", "cvnets_xxs_seed0.pt", "BGR"),
        ("paddle", "paddle_xxs_seed0.pdparams", "BGR"),
    ];
    for (name, file, order) in sources {
        let original = fixtures().join(file);
        let reference = predict_scores(&original, &image);
        let plain = dir.path().join(format!("{name}.bpk"));
        succeeds(&["convert", path(&original), path(&plain)]);
        check_consumers(&plain, &image, &reference, order, dir.path());
        if order == "BGR" {
            // --to-rgb moves the channel swap from the decoder into the stem: the same scores.
            let rgb = dir.path().join(format!("{name}_rgb.bpk"));
            succeeds(&["convert", "--to-rgb", path(&original), path(&rgb)]);
            check_consumers(&rgb, &image, &reference, "RGB", dir.path());
        }
    }
}

#[test]
fn a_preset_or_config_that_disagrees_with_the_weights_is_decoded_their_way_with_a_notice() {
    let weights = fixtures().join("paddle_xxs_seed0.pdparams");
    let image = fixtures().join("images/chelsea.png");
    // PaddleClas's own config: Infer decodes RGB; the weights expect BGR. Its Infer block
    // resizes with OpenCV, its Eval block (which the weights record) with Pillow, so the
    // reference is the Infer block written to decode BGR.
    let config = fixtures().join("paddleclas/MobileViT_XXS.yaml");
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    let infer = text.find("Infer:").unwrap();
    let bgr_config = dir.path().join("bgr.yaml");
    let bgr_text = format!(
        "{}{}",
        &text[..infer],
        text[infer..].replacen("to_rgb: True", "to_rgb: False", 1)
    );
    std::fs::write(&bgr_config, bgr_text).unwrap();
    let output = mobilevit(&[
        "predict",
        "-c",
        path(&bgr_config),
        "-o",
        &format!("Global.pretrained_model={}", path(&weights)),
        "--topk",
        "1000",
        "--json",
        path(&image),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("decoding BGR"));
    let reference = scores_of(
        &serde_json::from_str::<serde_json::Value>(stdout(&output).lines().next().unwrap())
            .unwrap()["topk"],
    );
    let output = mobilevit(&[
        "predict",
        "-c",
        path(&config),
        "-o",
        &format!(
            "Global.pretrained_model={}",
            path(&weights.with_extension(""))
        ),
        "--topk",
        "1000",
        "--json",
        path(&image),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let notice = stderr(&output);
    assert!(notice.contains("decoding BGR"), "{notice}");
    assert!(notice.contains("class_id_map_file"), "{notice}");
    let text = stdout(&output);
    let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_same(
        "predict -c PaddleClas config",
        &scores_of(&line["topk"]),
        &reference,
    );

    // The Infer block drives predict: its top-k (5) and its images, when none are given.
    let output = mobilevit(&[
        "predict",
        "-c",
        path(&config),
        "-o",
        &format!("Global.pretrained_model={}", path(&weights)),
        "-o",
        &format!("Infer.infer_imgs={}", path(&image)),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let line: serde_json::Value =
        serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(line["topk"].as_array().unwrap().len(), 5);

    // A preset in the other order: the same, with a notice.
    let output = mobilevit(&[
        "predict",
        "--weights",
        path(&weights),
        "--preset",
        "timm",
        "--json",
        path(&image),
    ]);
    assert!(output.status.success());
    assert!(stderr(&output).contains("the timm preprocessing decodes RGB: decoding BGR"));
}

/// The last row of a run's `metrics.csv` as column -> value.
fn last_metrics(output: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(output.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let last: Vec<&str> = lines.last().unwrap().split(',').collect();
    header
        .into_iter()
        .zip(last)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_trained_checkpoint_carries_its_eval_pipeline_and_every_image_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (classes, val_images) = (3, 22);
    let train_list = write_split(data, "train", 24, classes, 0);
    let val_list = write_split(data, "val", val_images, classes, 100);
    let output = data.join("run");
    let overrides = [
        format!("Global.output_dir={}", path(&output)),
        "Global.epochs=1".into(),
        "Global.lr_reference_batch_size=8".into(),
        format!("Arch.class_num={classes}"),
        format!("DataLoader.Train.dataset.image_root={}", path(data)),
        format!(
            "DataLoader.Train.dataset.cls_label_path={}",
            path(&train_list)
        ),
        "DataLoader.Train.sampler.batch_size=8".into(),
        "DataLoader.Train.loader.num_workers=1".into(),
        format!("DataLoader.Eval.dataset.image_root={}", path(data)),
        format!("DataLoader.Eval.dataset.cls_label_path={}", path(&val_list)),
        // 22 images in batches of 7: the last batch is padded with 6 repeats.
        "DataLoader.Eval.sampler.batch_size=7".into(),
        "DataLoader.Eval.loader.num_workers=1".into(),
    ];
    let config = repo("configs/demo/mnist5k_xxs.yaml");
    let with_overrides = |command: &'static str, extra: &[String]| -> Vec<String> {
        let mut args = vec![command.to_string(), "-c".into(), path(&config).to_string()];
        for item in overrides.iter().chain(extra) {
            args.extend(["-o".to_string(), item.clone()]);
        }
        args
    };
    let train: Vec<String> = with_overrides("train", &[]);
    succeeds(&train.iter().map(String::as_str).collect::<Vec<_>>());
    let metrics = last_metrics(&output);
    let weights = output.join("latest.bpk");

    // `eval` on the checkpoint counts the 22 images once, and agrees with the trainer's eval.
    let mut eval = with_overrides(
        "eval",
        &[format!("Global.pretrained_model={}", path(&weights))],
    );
    eval.push("--json".into());
    let text = succeeds(&eval.iter().map(String::as_str).collect::<Vec<_>>());
    let result: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(result["count"], val_images);
    let top1 = result["top1"].as_f64().unwrap();
    let loss = result["loss"].as_f64().unwrap();
    let trainer_top1: f64 = metrics["eval_top1"].parse().unwrap();
    let trainer_loss: f64 = metrics["eval_loss"].parse().unwrap();
    assert!(
        (top1 - trainer_top1).abs() < 1e-6,
        "{top1} vs {trainer_top1}"
    );
    assert!(
        (loss - trainer_loss).abs() < 1e-5,
        "{loss} vs {trainer_loss}"
    );

    // The checkpoint records the config's eval pipeline: predict and export need no -c, and
    // the export is 48x48, as the config's eval images are.
    let first_val = data.join("val_000.png");
    succeeds(&["predict", "--weights", path(&weights), path(&first_val)]);
    let model = data.join("model.onnx");
    let text = succeeds(&["export", "--weights", path(&weights), "-o", path(&model)]);
    assert!(text.contains("float32[batch, 3, 48, 48]"), "{text}");

    // onnxruntime on the recorded preprocessing scores what eval scores.
    let mut batch = Vec::new();
    let mut labels = Vec::new();
    for line in std::fs::read_to_string(&val_list).unwrap().lines() {
        let (file, label) = line.split_once(' ').unwrap();
        let input = data.join("one.npy");
        succeeds(&[
            "preprocess",
            "--weights",
            path(&weights),
            path(&data.join(file)),
            "-o",
            path(&input),
        ]);
        batch.extend(read_values::<4>(&input));
        labels.push(label.parse::<usize>().unwrap());
    }
    let inputs = data.join("inputs.npy");
    let images = burn::tensor::Tensor::<4>::from_data(
        burn::tensor::TensorData::new(batch, [val_images, 3, 48, 48]),
        &burn::tensor::Device::flex(),
    );
    mobilevit::npy::write_f32(&inputs, images).unwrap();
    let logits_path = data.join("logits.npy");
    let status = Command::new(python())
        .arg(repo("scripts/onnx_run.py"))
        .args([&model, &inputs, &logits_path])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let logits = read_logits(&logits_path);
    let (mut hits, mut loss_sum) = (0usize, 0f64);
    for (row, &label) in logits.chunks(classes).zip(&labels) {
        let probabilities = softmax(row);
        let best = probabilities
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(&class, _)| class as usize)
            .unwrap();
        hits += usize::from(best == label);
        loss_sum -= probabilities[&(label as u64)].ln();
    }
    let onnx_top1 = hits as f64 / val_images as f64;
    let onnx_loss = loss_sum / val_images as f64;
    assert!(
        (onnx_top1 - top1).abs() < 1e-9,
        "onnxruntime top-1 {onnx_top1}, eval {top1}"
    );
    assert!(
        (onnx_loss - loss).abs() < 1e-4,
        "onnxruntime loss {onnx_loss}, eval {loss}"
    );
}
