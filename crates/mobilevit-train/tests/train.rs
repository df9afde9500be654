//! Training runs on a tiny generated dataset: resume equivalence, NaN handling, bad input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::Device;
use mobilevit_train::metrics::EpochMetrics;
use mobilevit_train::{
    Config, Datasets, Outcome, Reporter, SplitImages, StepProgress, TrainError, train,
    train_with_datasets,
};

/// Writes `count` small PNGs of 4 classes and a PaddleClas list file.
fn dataset(dir: &Path, count: usize) -> PathBuf {
    let mut list = String::new();
    for i in 0..count {
        let label = i % 4;
        let pixels: Vec<u8> = (0..32 * 32 * 3)
            .map(|p| ((p * (label + 3) + i * 7) % 256) as u8)
            .collect();
        let name = format!("{i:03}.png");
        image::save_buffer(
            dir.join(&name),
            &pixels,
            32,
            32,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        list.push_str(&format!("{name} {label}\n"));
    }
    let path = dir.join("list.txt");
    std::fs::write(&path, list).unwrap();
    path
}

fn config_text(data: &Path, output: &Path, extra_global: &str) -> String {
    format!(
        "Global:\n  output_dir: {output}\n  epochs: 2\n  seed: 3\n  lr_reference_batch_size: 16\n  save_step_interval: 0\n{extra_global}\
Arch:\n  name: MobileViT_XXS\n  class_num: 4\n\
Loss:\n  Train:\n    - CELoss: {{weight: 1.0, epsilon: 0.1}}\n\
Optimizer:\n  name: AdamW\n  weight_decay: 0.01\n  one_dim_param_no_weight_decay: True\n  lr: {{name: Cosine, learning_rate: 0.002, eta_min: 0.0001, warmup_epoch: 1, warmup_start_lr: 0.0002}}\n\
EMA:\n  decay: 0.9\n\
DataLoader:\n  Train:\n    dataset:\n      name: ImageNetDataset\n      image_root: {data}\n      cls_label_path: {data}/list.txt\n      transform_ops:\n        - DecodeImage: {{to_rgb: True}}\n        - RandCropImage: {{size: 32, scale: [0.5, 1.0]}}\n        - RandFlipImage: {{flip_code: 1}}\n        - NormalizeImage: {{scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1]}}\n    sampler: {{name: DistributedBatchSampler, batch_size: 8, drop_last: False, shuffle: True}}\n    loader: {{num_workers: 2}}\n  Eval:\n    dataset:\n      name: ImageNetDataset\n      image_root: {data}\n      cls_label_path: {data}/list.txt\n      transform_ops:\n        - DecodeImage: {{to_rgb: True}}\n        - ResizeImage: {{size: 32}}\n        - NormalizeImage: {{scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1]}}\n    sampler: {{name: DistributedBatchSampler, batch_size: 10}}\n",
        output = output.display(),
        data = data.display(),
    )
}

/// MobileViTV2's training recipe on top of [`config_text`] (PaddleClas's
/// `MobileViTV2_x1_0.yaml`: RandAugmentV3, RandomErasing, Mixup or CutMix, per-tensor gradient
/// clipping), with the batch operators made likelier so that a short run mixes.
const V2_RECIPE: [&str; 3] = [
    "DataLoader.Train.dataset.transform_ops=[{DecodeImage: {to_rgb: True, backend: pil}}, \
     {RandCropImage: {size: 32, interpolation: bicubic, backend: pil, use_log_aspect: True}}, \
     {RandFlipImage: {flip_code: 1}}, {RandAugmentV3: {num_layers: 2, interpolation: bicubic}}, \
     {NormalizeImage: {scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1], order: ''}}, \
     {RandomErasing: {EPSILON: 0.25, sl: 0.02, sh: 1.0/3.0, r1: 0.3, attempt: 10, use_log_aspect: True, mode: const}}]",
    "DataLoader.Train.dataset.batch_transform_ops=[{OpSampler: {MixupOperator: {alpha: 0.2, prob: 0.4}, \
     CutmixOperator: {alpha: 1.0, prob: 0.4}}}]",
    "Optimizer.clip_norm=0.05",
];

fn load(
    dir: &Path,
    text: &str,
    overrides: &[&str],
) -> Result<Config, mobilevit_train::ConfigError> {
    let path = dir.join("config.yaml");
    std::fs::write(&path, text).unwrap();
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Config::load(&path, &overrides)
}

/// Records every step; raises the stop flag after `stop_after` steps.
struct Recorder {
    steps: Vec<(usize, f64, f64)>,
    stop: Arc<AtomicBool>,
    stop_after: Option<usize>,
}

impl Reporter for Recorder {
    fn message(&mut self, _: &str) {}
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn step(&mut self, p: &StepProgress) {
        self.steps.push((p.global_step, p.lr, p.loss));
        if self.stop_after == Some(p.global_step) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
    fn epoch_end(&mut self, _: &EpochMetrics) {}
}

/// Burn's CPU backend has one process-wide random generator (initialisation, dropout), and runs
/// of parallel test threads were seen to disturb each other: the tests of this file run one at
/// a time, each holding this lock for its whole body.
static ONE_TEST_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    ONE_TEST_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `(global step, learning rate, loss)` of every optimizer step.
type Steps = Vec<(usize, f64, f64)>;

fn run(config: &Config, stop_after: Option<usize>) -> (Result<Outcome, TrainError>, Steps) {
    run_on(config, &Datasets::default(), stop_after)
}

/// [`run`] on `datasets` instead of the config's where they are set.
fn run_on(
    config: &Config,
    datasets: &Datasets,
    stop_after: Option<usize>,
) -> (Result<Outcome, TrainError>, Steps) {
    let stop = Arc::new(AtomicBool::new(false));
    let mut recorder = Recorder {
        steps: Vec::new(),
        stop: Arc::clone(&stop),
        stop_after,
    };
    // Burn's CPU backend has one device: `Global.devices` workers all run on it.
    let count = config.global.devices.as_ref().map_or(1, Vec::len);
    let devices = vec![Device::flex(); count];
    let outcome = train_with_datasets(config, datasets, &devices, &mut recorder, stop);
    (outcome, recorder.steps)
}

fn weights(path: &Path) -> Vec<f32> {
    let model = mobilevit::weights::load_bpk(path, &Device::flex())
        .unwrap()
        .model;
    let images = burn::tensor::Tensor::<4>::ones([1, 3, 32, 32], &Device::flex());
    model.forward(images).into_data().try_to_vec().unwrap()
}

/// The model's parameters, BatchNorm running statistics left out.
fn parameters(path: &Path) -> Vec<f32> {
    let model = mobilevit::weights::load_bpk(path, &Device::flex())
        .unwrap()
        .model;
    mobilevit_train::ranks::model_values(&model, false)
}

/// Asserts that two runs took the same optimizer steps: the same step numbers and learning
/// rates, losses within `loss_tolerance`.
fn assert_same_steps(steps: &Steps, reference: &Steps, loss_tolerance: f64) {
    assert_eq!(steps.len(), reference.len(), "the same optimizer steps");
    for (a, b) in steps.iter().zip(reference) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1, "learning rate at step {}", a.0);
        assert!(
            (a.2 - b.2).abs() < loss_tolerance,
            "loss at step {}: {} vs {}",
            a.0,
            a.2,
            b.2
        );
    }
}

/// Asserts that the last weights of two runs' output folders give logits within 1e-4.
fn assert_same_logits(output: &Path, reference: &Path) {
    let difference = max_difference(
        &weights(&output.join("latest.bpk")),
        &weights(&reference.join("latest.bpk")),
    );
    assert!(difference < 1e-4, "final logits differ by {difference}");
}

/// The last evaluation of a finished run.
fn last_eval(outcome: Result<Outcome, TrainError>) -> mobilevit_train::EvalResult {
    match outcome.unwrap() {
        Outcome::Finished {
            last_eval: Some(eval),
            ..
        } => eval,
        other => panic!("no evaluation: {other:?}"),
    }
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

#[test]
fn two_devices_reach_the_weights_of_one_device_accumulating_two_micro_batches() {
    let _guard = exclusive();
    devices_and_accumulation_agree(&[]);
}

#[test]
fn with_mobilevit_v2_augmentations_two_devices_reach_the_weights_of_one_device_accumulating() {
    let _guard = exclusive();
    // Mixup and CutMix mix each device's micro-batch, as PaddleClas's collate function mixes
    // each GPU's batch: the same micro-batches are mixed the same way however they are spread.
    devices_and_accumulation_agree(&V2_RECIPE);
}

fn devices_and_accumulation_agree(recipe: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 40);
    // Per-device batch 4 and global batch 8: two workers take one micro-batch each per step,
    // one device accumulates two. Dropout (classifier 0.1, transformer 0.05) stays on.
    let batch: Vec<&str> = ["DataLoader.Train.sampler.batch_size=4"]
        .into_iter()
        .chain(recipe.iter().copied())
        .collect();
    let parallel_out = dir.path().join("parallel");
    let parallel = load(
        dir.path(),
        &config_text(
            &data,
            &parallel_out,
            "  devices: [0, 1]\n  global_batch_size: 8\n",
        ),
        &batch,
    )
    .unwrap();
    let single_out = dir.path().join("single");
    let single = load(
        dir.path(),
        &config_text(&data, &single_out, "  global_batch_size: 8\n"),
        &batch,
    )
    .unwrap();
    let (outcome, parallel_steps) = run(&parallel, None);
    assert!(matches!(outcome.unwrap(), Outcome::Finished { .. }));
    let (outcome, single_steps) = run(&single, None);
    assert!(matches!(outcome.unwrap(), Outcome::Finished { .. }));

    // 40 images, 8 per optimizer step: 5 steps per epoch either way, same learning rates
    // (global batch 8 against the reference 16: every rate halved) and the same losses.
    assert_eq!(parallel_steps.len(), 10);
    assert_same_steps(&parallel_steps, &single_steps, 1e-6);
    assert!((parallel_steps[0].1 - 0.0002 * 8.0 / 16.0).abs() < 1e-12);
    // The gradients of each micro-batch are the same and summed in the same order, so the
    // parameters agree to float rounding (measured: 0 on this machine).
    let difference = max_difference(
        &parameters(&parallel_out.join("latest.bpk")),
        &parameters(&single_out.join("latest.bpk")),
    );
    eprintln!("parameters differ by {difference}");
    assert!(difference < 1e-6, "parameters differ by {difference}");
    // BatchNorm running statistics take one update per optimizer step with the mean of the
    // step's micro-batch statistics, however the step is split: they agree to float rounding
    // of a mean of two (the order of the additions differs), and so does the evaluation.
    let statistics = |path: &Path| {
        let model = mobilevit::weights::load_bpk(path, &Device::flex())
            .unwrap()
            .model;
        mobilevit_train::ranks::model_values(&model, true)
    };
    let difference = max_difference(
        &statistics(&parallel_out.join("latest.bpk")),
        &statistics(&single_out.join("latest.bpk")),
    );
    eprintln!("parameters and running statistics differ by {difference}");
    assert!(
        difference < 1e-5,
        "running statistics differ by {difference}"
    );
    let eval_loss = |out: &Path| -> f64 {
        let text = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
        let last = text
            .lines()
            .last()
            .unwrap()
            .split(',')
            .nth(6)
            .unwrap()
            .to_string();
        last.parse().unwrap()
    };
    let (a, b) = (eval_loss(&parallel_out), eval_loss(&single_out));
    assert!((a - b).abs() < 1e-5, "eval loss {a} vs {b}");
}

#[test]
fn gradient_checkpointing_trains_the_same_weights() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 40);
    let run_with = |name: &str, extra: &str| {
        let out = dir.path().join(name);
        let config = load(dir.path(), &config_text(&data, &out, extra), &[]).unwrap();
        let (outcome, steps) = run(&config, None);
        assert!(matches!(outcome.unwrap(), Outcome::Finished { .. }));
        (steps, parameters(&out.join("latest.bpk")))
    };
    let (kept_steps, kept) = run_with("kept", "");
    let (recomputed_steps, recomputed) = run_with("recomputed", "  gradient_checkpointing: true\n");
    // Recomputing an activation gives the same values, dropout masks included.
    assert_same_steps(&kept_steps, &recomputed_steps, 1e-6);
    let difference = max_difference(&kept, &recomputed);
    assert!(difference < 1e-6, "parameters differ by {difference}");
}

#[test]
fn a_run_stopped_and_resumed_matches_an_uninterrupted_run() {
    let _guard = exclusive();
    stopped_and_resumed_matches_uninterrupted("");
}

#[test]
fn a_data_parallel_run_stopped_and_resumed_matches_an_uninterrupted_run() {
    let _guard = exclusive();
    // Two workers of 8 images make the global batch of 16 without accumulation.
    stopped_and_resumed_matches_uninterrupted("  devices: [0, 1]\n");
}

#[test]
fn a_run_with_mobilevit_v2_augmentations_stopped_and_resumed_matches_an_uninterrupted_run() {
    let _guard = exclusive();
    stopped_and_resumed_with("", &V2_RECIPE);
}

fn stopped_and_resumed_matches_uninterrupted(extra_global: &str) {
    stopped_and_resumed_with(extra_global, &[]);
}

fn stopped_and_resumed_with(extra_global: &str, recipe: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 40);

    let straight_out = dir.path().join("straight");
    // A weight decay large enough that parameters decayed in the wrong group would show.
    let strong_decay: Vec<&str> = ["Optimizer.weight_decay=5.0"]
        .into_iter()
        .chain(recipe.iter().copied())
        .collect();
    let straight = load(
        dir.path(),
        &config_text(&data, &straight_out, extra_global),
        &strong_decay,
    )
    .unwrap();
    let (outcome, reference) = run(&straight, None);
    assert!(matches!(outcome.unwrap(), Outcome::Finished { .. }));
    // 40 images in micro-batches of 8 to the global batch of 16 (one device accumulating two,
    // or two workers with one each): 3 optimizer steps per epoch; on one device the last
    // step has only one micro-batch, two workers pad it from the start of the epoch.
    assert_eq!(reference.len(), 6, "2 epochs of 3 steps");

    let resumed_out = dir.path().join("resumed");
    let resumed = load(
        dir.path(),
        &config_text(&data, &resumed_out, extra_global),
        &strong_decay,
    )
    .unwrap();
    // Stop in the middle of the first epoch, then resume from the output folder.
    let (outcome, first) = run(&resumed, Some(2));
    assert!(matches!(outcome.unwrap(), Outcome::Interrupted { .. }));
    let (outcome, second) = run(&resumed, None);
    assert!(matches!(outcome.unwrap(), Outcome::Finished { .. }));
    let combined: Steps = first.into_iter().chain(second).collect();
    assert_same_steps(&combined, &reference, 1e-5);
    assert_same_logits(&straight_out, &resumed_out);
    for file in [
        "metrics.csv",
        "curves.svg",
        "config.yaml",
        "best_model.bpk",
        "latest_ema.bpk",
        "checkpoint/state.json",
    ] {
        assert!(resumed_out.join(file).exists(), "{file}");
    }
    let csv = std::fs::read_to_string(resumed_out.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two epochs:\n{csv}");
}

#[test]
fn a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 40);
    let out = dir.path().join("out");
    let config = load(
        dir.path(),
        &config_text(&data, &out, ""),
        &[
            "Global.save_step_interval=1",
            "Optimizer.lr.learning_rate=1.0e30",
            "Optimizer.lr.warmup_start_lr=1.0e30",
        ],
    )
    .unwrap();
    let (outcome, _) = run(&config, None);
    let error = outcome.unwrap_err().to_string();
    assert!(error.contains("the training loss became"), "{error}");
    assert!(error.contains("checkpoint"), "{error}");
    assert!(
        out.join("checkpoint/state.json").exists(),
        "the last good checkpoint is kept"
    );
}

#[test]
fn a_missing_dataset_or_unwritable_output_is_a_clear_error() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let config = load(
        dir.path(),
        &config_text(&missing, &dir.path().join("out"), ""),
        &[],
    )
    .unwrap();
    let error = run(&config, None).0.unwrap_err().to_string();
    assert!(error.contains("nowhere/list.txt"), "{error}");

    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 8);
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let config = load(
        dir.path(),
        &config_text(&data, &blocker.join("out"), ""),
        &[],
    )
    .unwrap();
    let error = run(&config, None).0.unwrap_err().to_string();
    assert!(error.contains("file/out"), "{error}");
}

#[test]
fn nccl_gradient_reduction_is_refused_off_cuda() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 8);
    let config = load(
        dir.path(),
        &config_text(&data, &dir.path().join("out"), "  devices: [0, 1]\n"),
        &["Global.gradient_reduction=nccl"],
    )
    .unwrap();
    let error = run(&config, None).0.unwrap_err().to_string();
    assert!(
        error.contains("Global.gradient_reduction: nccl") && error.contains("'cpu'"),
        "{error}"
    );
    let error = load(
        dir.path(),
        &config_text(&data, &dir.path().join("out"), ""),
        &["Global.gradient_reduction=mpi"],
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("gradient_reduction"), "{error}");
}

/// The stem's convolution weights and BatchNorm running mean, and the classifier's weights.
fn stem_and_head(path: &Path) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let model = mobilevit::weights::load_bpk(path, &Device::flex())
        .unwrap()
        .model;
    let values = |tensor: burn::tensor::Tensor<1>| tensor.into_data().try_to_vec::<f32>().unwrap();
    let stem = values(model.stem.conv.weight.val().flatten(0, 3));
    let stem_mean = values(model.stem.bn.running_mean.value());
    let head = values(model.head.fc.weight.val().flatten(0, 1));
    (stem, stem_mean, head)
}

#[test]
fn fine_tuning_replaces_or_keeps_the_head_and_freezes_the_backbone() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 24);
    // A 4-class model to start from.
    let base_out = dir.path().join("base");
    let base = load(
        dir.path(),
        &config_text(&data, &base_out, ""),
        &["Global.epochs=1"],
    )
    .unwrap();
    run(&base, None).0.unwrap();
    let pretrained = base_out.join("latest.bpk");

    // Same classes: the head is kept; a frozen backbone does not move, the head does.
    let frozen_out = dir.path().join("frozen");
    let pretrained_key = format!("Arch.pretrained={}", pretrained.display());
    let frozen = load(
        dir.path(),
        &config_text(&data, &frozen_out, ""),
        &[
            "Global.epochs=1",
            &pretrained_key,
            "Arch.freeze_backbone_epochs=1",
        ],
    )
    .unwrap();
    let built = mobilevit_train::recipe::build_model(
        &frozen,
        &Device::flex(),
        mobilevit::ChannelOrder::Rgb,
    )
    .unwrap();
    assert!(!built.origin.contains("replaced"), "{}", built.origin);
    run(&frozen, None).0.unwrap();
    let (stem_before, mean_before, head_before) = stem_and_head(&pretrained);
    let (stem_after, mean_after, head_after) = stem_and_head(&frozen_out.join("latest.bpk"));
    assert_eq!(stem_before, stem_after, "a frozen parameter changed");
    assert_eq!(
        mean_before, mean_after,
        "a frozen BatchNorm statistic changed"
    );
    assert_ne!(head_before, head_after, "the head did not train");

    // A head learning-rate multiplier of 0 keeps the head and trains the rest: the rates reach
    // the classifier's parameter group.
    let still_head_out = dir.path().join("still_head");
    let still_head = load(
        dir.path(),
        &config_text(&data, &still_head_out, ""),
        &["Global.epochs=1", &pretrained_key, "Arch.head_lr_mult=0"],
    )
    .unwrap();
    run(&still_head, None).0.unwrap();
    let (stem_after, _, head_after) = stem_and_head(&still_head_out.join("latest.bpk"));
    assert_eq!(head_before, head_after, "the head moved at learning rate 0");
    assert_ne!(stem_before, stem_after, "the backbone did not train");
    let negative = load(
        dir.path(),
        &config_text(&data, &dir.path().join("negative"), ""),
        &[&pretrained_key, "Arch.head_lr_mult=-1"],
    )
    .unwrap();
    let error = run(&negative, None).0.unwrap_err().to_string();
    assert!(error.contains("Arch.head_lr_mult"), "{error}");

    // Other classes: a new head.
    let three = load(
        dir.path(),
        &config_text(&data, &dir.path().join("three"), ""),
        &[&pretrained_key, "Arch.class_num=3"],
    )
    .unwrap();
    let built =
        mobilevit_train::recipe::build_model(&three, &Device::flex(), mobilevit::ChannelOrder::Rgb)
            .unwrap();
    assert_eq!(built.model.num_classes(), 3);
    assert!(
        built
            .origin
            .contains("4-class head is replaced by a new 3-class head"),
        "{}",
        built.origin
    );

    // The fine-tuned checkpoint goes back to timm and loads again.
    let loaded =
        mobilevit::weights::load_bpk(&frozen_out.join("latest.bpk"), &Device::flex()).unwrap();
    let timm = dir.path().join("finetuned.safetensors");
    mobilevit::convert::export::save_timm_safetensors(&loaded.model, None, &timm).unwrap();
    let back =
        mobilevit::load_weights(&timm, mobilevit::LoadOptions::default(), &Device::flex()).unwrap();
    assert_eq!(back.model.num_classes(), 4);
}

#[test]
fn weights_for_the_other_channel_order_are_adapted_and_checkpoints_record_the_training_order() {
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    dataset(&data, 8);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let paddle = fixtures.join("paddle_xxs_seed0.pdparams");
    let pretrained_key = format!("Arch.pretrained={}", paddle.display());
    let output = dir.path().join("run");
    // Training decodes RGB; the Eval block decodes BGR, as PaddleClas's own configs do.
    let text = config_text(&data, &output, "").replace(
        "        - DecodeImage: {to_rgb: True}\n        - ResizeImage",
        "        - DecodeImage: {to_rgb: False}\n        - ResizeImage",
    );
    assert!(text.contains("to_rgb: False"));
    let config = load(
        dir.path(),
        &text,
        &["Global.epochs=1", &pretrained_key, "Arch.class_num=1000"],
    )
    .unwrap();

    // PaddleClas's BGR weights, to be trained on RGB: the stem takes RGB, the same function.
    let device = Device::flex();
    let bgr = mobilevit::load_weights(&paddle, mobilevit::LoadOptions::default(), &device).unwrap();
    let built =
        mobilevit_train::recipe::build_model(&config, &device, mobilevit::ChannelOrder::Rgb)
            .unwrap();
    assert!(
        built.origin.contains("swapped to take RGB"),
        "{}",
        built.origin
    );
    let image = burn::tensor::Tensor::<4>::random(
        [1, 3, 64, 64],
        burn::tensor::Distribution::Default,
        &device,
    );
    let expected = bgr.model.forward(image.clone());
    let adapted = built.model.forward(image.flip([1]));
    let diff = (adapted - expected).abs().max().into_scalar::<f32>();
    assert!(diff < 1e-4, "max |diff| {diff}");

    // The run evaluates on RGB (with a note) and records the eval pipeline decoded RGB.
    struct Messages(Vec<String>);
    impl Reporter for Messages {
        fn message(&mut self, line: &str) {
            self.0.push(line.to_string());
        }
        fn epoch_start(&mut self, _: usize, _: usize) {}
        fn step(&mut self, _: &StepProgress) {}
        fn epoch_end(&mut self, _: &EpochMetrics) {}
    }
    let mut log = Messages(Vec::new());
    let stop = Arc::new(AtomicBool::new(false));
    train(&config, &[Device::flex()], &mut log, stop).unwrap();
    let messages = log.0;
    assert!(
        messages
            .iter()
            .any(|m| m.contains("DataLoader.Eval decodes BGR") && m.contains("evaluating on RGB")),
        "{messages:?}"
    );
    let loaded =
        mobilevit::load_weights(&output.join("latest.bpk"), Default::default(), &device).unwrap();
    let info = loaded
        .info
        .expect("a trained checkpoint records its preprocessing");
    assert_eq!(info.source, None);
    assert_eq!(info.channel_order(), mobilevit::ChannelOrder::Rgb);
    assert_eq!(info.preprocessing.input_size(), Some([32, 32]));
}

/// The loss of one step on two images, no augmentation, no shuffle, from the timm fixture's
/// weights, with `overrides`.
fn one_step_loss_from_weights(dir: &Path, data: &Path, seed: u64, overrides: &[&str]) -> f64 {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let weights = fixtures.join("timm_xxs_seed0.safetensors");
    let output = dir.join(format!("seed{seed}_{}", overrides.len()));
    let text = config_text(data, &output, "")
        .replace(
            "        - RandCropImage: {size: 32, scale: [0.5, 1.0]}\n        - RandFlipImage: {flip_code: 1}\n",
            "        - ResizeImage: {size: 32}\n",
        )
        .replace("drop_last: False, shuffle: True", "drop_last: True, shuffle: False");
    assert!(!text.contains("RandCropImage"));
    let seed_key = format!("Global.seed={seed}");
    let weights_key = format!("Global.pretrained_model={}", weights.display());
    let mut all = vec![
        "Global.epochs=1",
        "Arch.class_num=1000",
        "DataLoader.Train.sampler.batch_size=2",
        "Global.lr_reference_batch_size=2",
        seed_key.as_str(),
        weights_key.as_str(),
    ];
    all.extend_from_slice(overrides);
    let config = load(dir, &text, &all).unwrap();
    let (outcome, steps) = run(&config, Some(1));
    outcome.unwrap();
    steps[0].2
}

#[test]
fn weights_from_a_file_train_with_the_configs_dropout_rates() {
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    dataset(&data, 2);
    let off = ["Arch.dropout=0.0", "Arch.classifier_dropout=0.0"];
    let a = one_step_loss_from_weights(dir.path(), &data, 0, &off);
    let b = one_step_loss_from_weights(dir.path(), &data, 1, &off);
    assert_eq!(a, b, "with every rate 0, the seed must not matter");
    // With the default rates, dropout is on and the seed shows.
    let c = one_step_loss_from_weights(dir.path(), &data, 0, &[]);
    let d = one_step_loss_from_weights(dir.path(), &data, 1, &[]);
    assert_ne!(c, d, "dropout should make the seeds differ");
}

/// Learning rates of every step and the global step at each epoch's end.
#[derive(Default)]
struct Schedule {
    lrs: Vec<f64>,
    epoch_ends: Vec<usize>,
    plan: String,
}

impl Reporter for Schedule {
    fn message(&mut self, line: &str) {
        if let Some(plan) = line.strip_prefix("plan: ") {
            self.plan = plan.to_string();
        }
    }
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn step(&mut self, p: &StepProgress) {
        assert_eq!(p.global_step, self.lrs.len() + 1);
        self.lrs.push(p.lr);
    }
    fn epoch_end(&mut self, m: &EpochMetrics) {
        self.epoch_ends.push(m.step);
    }
}

#[test]
fn the_schedule_ends_at_the_last_step_for_every_sampler() {
    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    dataset(&data, 45);
    let samplers = [
        "{name: DistributedBatchSampler, batch_size: 8, drop_last: True, shuffle: True}",
        "{name: MultiScaleSampler, scales: [32, 48, 40], first_bs: 8, divided_factor: 8, shuffle: True}",
        "{name: VariableBatchSampler, batch_size: 8, size_range: [32, 64], n_scales: 3, divided_factor: 8, shuffle: True}",
    ];
    let (peak, eta_min) = (0.002, 0.0001);
    for (index, sampler) in samplers.into_iter().enumerate() {
        let output = dir.path().join(format!("run{index}"));
        let text = config_text(&data, &output, "").replace(
            "sampler: {name: DistributedBatchSampler, batch_size: 8, drop_last: False, shuffle: True}",
            &format!("sampler: {sampler}"),
        );
        assert!(text.contains(sampler));
        let config = load(
            dir.path(),
            &text,
            &["Global.epochs=3", "Global.eval_during_train=False"],
        )
        .unwrap();
        let mut schedule = Schedule::default();
        let stop = Arc::new(AtomicBool::new(false));
        train(&config, &[Device::flex()], &mut schedule, stop).unwrap();
        let (lrs, ends) = (&schedule.lrs, &schedule.epoch_ends);
        let (total, warmup) = (lrs.len(), ends[0]);
        assert_eq!(*ends.last().unwrap(), total, "{sampler}");
        // The plan line prints the true totals.
        assert!(
            schedule.plan.contains(&format!("over {warmup} steps"))
                && schedule.plan.contains(&format!("at step {total}")),
            "{sampler}: {}",
            schedule.plan
        );
        // Warmup ends with the first epoch (warmup_epoch: 1); the cosine reaches eta_min just
        // after the last step.
        assert!(
            (lrs[warmup] - peak).abs() < 1e-12,
            "{sampler}: {}",
            lrs[warmup]
        );
        assert!(lrs[warmup - 1] < peak);
        let t = (total - 1 - warmup) as f64 / (total - warmup) as f64;
        let last = eta_min + 0.5 * (peak - eta_min) * (1.0 + (std::f64::consts::PI * t).cos());
        assert!(
            (lrs[total - 1] - last).abs() < 1e-12,
            "{sampler}: {} vs {last}",
            lrs[total - 1]
        );
        assert!(lrs[total - 1] > eta_min);
    }
}

/// PaddleClas's own `MobileViTV2_x0_5.yaml` and `MobileViTV3_XXS.yaml`, unchanged but for where
/// the data is, how much of it and which device: RandAugmentV3, RandomErasing, Mixup/CutMix,
/// gradient clipping, AMP (trained in float32 after a notice) and the MultiScaleSampler.
#[test]
fn paddleclas_own_v2_and_v3_configs_train_as_they_are() {
    let _guard = exclusive();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/paddleclas");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 8);
    for (file, batch) in [
        (
            "MobileViTV2_x0_5.yaml",
            "DataLoader.Train.sampler.batch_size=4",
        ),
        (
            "MobileViTV3_XXS.yaml",
            "DataLoader.Train.sampler.first_bs=2",
        ),
    ] {
        let output = dir.path().join(file);
        let overrides: Vec<String> = [
            "Global.device=cpu".to_string(),
            format!("Global.output_dir={}", output.display()),
            "Global.epochs=1".into(),
            "Global.lr_reference_batch_size=4".into(),
            "Arch.class_num=4".into(),
            batch.into(),
            "DataLoader.Eval.sampler.batch_size=4".into(),
        ]
        .into_iter()
        .chain(["Train", "Eval"].into_iter().flat_map(|split| {
            [
                format!("DataLoader.{split}.dataset.image_root={}", data.display()),
                format!(
                    "DataLoader.{split}.dataset.cls_label_path={}",
                    data.join("list.txt").display()
                ),
            ]
        }))
        .collect();
        let config = Config::load(&fixtures.join(file), &overrides).unwrap();
        let mut messages = Vec::new();
        let stop = Arc::new(AtomicBool::new(false));
        let mut recorder = Messages(&mut messages);
        let outcome = train(&config, &[Device::flex()], &mut recorder, stop);
        assert!(
            matches!(outcome, Ok(Outcome::Finished { .. })),
            "{file}: {outcome:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("AMP.use_amp")),
            "{file}: {messages:?}"
        );
        assert!(output.join("latest.bpk").exists(), "{file}");
    }
}

/// Keeps the trainer's messages.
struct Messages<'a>(&'a mut Vec<String>);

impl Reporter for Messages<'_> {
    fn message(&mut self, text: &str) {
        self.0.push(text.to_string());
    }
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn step(&mut self, _: &StepProgress) {}
    fn epoch_end(&mut self, _: &EpochMetrics) {}
}

/// `Optimizer.clip_norm` clips every parameter's gradient, in both weight-decay groups: with
/// AdamW's epsilon at 1, a first step moves each value by `lr * g / (|g| + 1)`, so a clip of
/// 1e-6 keeps every parameter within `lr * 1e-6` of its initial value, where the unclipped step
/// moves some by far more. A clip that is not positive is refused.
#[test]
fn gradient_clipping_clips_every_parameter_and_bad_values_are_refused() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 16);
    let one_step = |name: &str, lr: &str, clip: Option<&str>| {
        let out = dir.path().join(name);
        let overrides: Vec<String> = [
            "Global.epochs=1".to_string(),
            "Optimizer.epsilon=1.0".into(),
            "Optimizer.weight_decay=0.0".into(),
            format!("Optimizer.lr.warmup_start_lr={lr}"),
            format!("Optimizer.lr.learning_rate={lr}"),
            format!("Optimizer.lr.eta_min={lr}"),
        ]
        .into_iter()
        .chain(clip.map(|clip| format!("Optimizer.clip_norm={clip}")))
        .collect();
        let overrides: Vec<&str> = overrides.iter().map(String::as_str).collect();
        let config = load(dir.path(), &config_text(&data, &out, ""), &overrides).unwrap();
        let (outcome, steps) = run(&config, None);
        assert!(matches!(outcome.unwrap(), Outcome::Finished { .. }));
        assert_eq!(steps.len(), 1);
        parameters(&out.join("latest.bpk"))
    };
    let initial = one_step("initial", "0.0", None);
    let free = one_step("free", "0.1", None);
    let clipped = one_step("clipped", "0.1", Some("1.0e-6"));
    let moved = max_difference(&initial, &free);
    let moved_clipped = max_difference(&initial, &clipped);
    eprintln!("largest move: {moved} unclipped, {moved_clipped} clipped");
    assert!(moved > 1e-3, "{moved}");
    assert!(moved_clipped < 1e-6, "{moved_clipped}");

    let out = dir.path().join("bad");
    let config = load(
        dir.path(),
        &config_text(&data, &out, ""),
        &["Optimizer.clip_norm=-1"],
    )
    .unwrap();
    let error = run(&config, None).0.unwrap_err().to_string();
    assert!(error.contains("Optimizer.clip_norm"), "{error}");
}

/// Moves [`dataset`]'s images into one folder per class (`c0` .. `c3`), as torchvision's
/// `ImageFolder` and Burn's `ImageFolderDataset` read them, with one corrupt file in `c1`.
fn class_folders(dir: &Path, count: usize) -> PathBuf {
    let flat = dir.join("flat");
    std::fs::create_dir(&flat).unwrap();
    let list = std::fs::read_to_string(dataset(&flat, count)).unwrap();
    let root = dir.join("folders");
    for line in list.lines() {
        let (name, label) = line.split_once(' ').unwrap();
        let class = root.join(format!("c{label}"));
        std::fs::create_dir_all(&class).unwrap();
        std::fs::rename(flat.join(name), class.join(name)).unwrap();
    }
    std::fs::write(root.join("c1").join("999_corrupt.png"), "not a picture").unwrap();
    root
}

#[test]
fn burns_image_folder_dataset_trains_as_the_configs_class_folders_do() {
    use burn_dataset::vision::ImageFolderDataset;
    use mobilevit_data::DatasetSource;

    let _one = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let folders = class_folders(dir.path(), 24);
    let config_for = |output: &str| {
        let text = config_text(&folders, &dir.path().join(output), "")
            .lines()
            .filter(|line| !line.contains("cls_label_path"))
            .collect::<Vec<_>>()
            .join("\n");
        load(dir.path(), &text, &["Global.epochs=1"]).unwrap()
    };

    // The config's own class folders.
    let (outcome, ours) = run(&config_for("config"), None);
    let our_eval = last_eval(outcome);

    // The same folders through Burn's ImageFolderDataset, which panics on the corrupt file.
    let burn_images = || SplitImages {
        source: Arc::new(DatasetSource::new(
            ImageFolderDataset::new_classification(&folders).unwrap(),
        )),
        class_names: Some(["c0", "c1", "c2", "c3"].map(String::from).to_vec()),
    };
    let datasets = Datasets {
        train: Some(burn_images()),
        eval: Some(burn_images()),
    };
    let burn_out = dir.path().join("burn");
    let (outcome, burns) = run_on(&config_for("burn"), &datasets, None);
    let burn_eval = last_eval(outcome);

    assert_same_steps(&burns, &ours, 1e-5);
    assert_eq!(burn_eval.count, 24);
    assert_eq!(
        (burn_eval.count, burn_eval.skipped),
        (our_eval.count, our_eval.skipped)
    );
    assert_eq!(
        burn_eval.skipped, 1,
        "the corrupt file is reported, not a panic"
    );
    assert!((burn_eval.top1 - our_eval.top1).abs() < 1e-9);
    let skipped =
        mobilevit_train::metrics::read_csv(&burn_out.join("metrics.csv"))[0].skipped_images;
    assert_eq!(skipped, 1);
    assert_same_logits(&burn_out, &dir.path().join("config"));
}
