//! The GPU code path: the same cubecl kernels, shaders and dispatch a GPU runs, on the backend
//! `MOBILEVIT_TEST_GPU` names (`wgpu`, the default, or `cuda`). In CI, wgpu runs on Mesa's
//! lavapipe, a software Vulkan driver; `scripts/gpu_check.sh` runs the same tests on CUDA.
//!
//! - Inference: timm's and PaddleClas's XXS logits from the committed fixtures at 256x256 and
//!   200x200 (where every MobileViT block resizes), and a non-square 193x301 against flex.
//! - Training: three AdamW steps of the demo recipe, dropout off, each taken on the GPU and
//!   on flex from the same state (weights, BatchNorm statistics, the optimizer's moments), at
//!   48x48 (a block resizes: bilinearly for timm, nearest fold-back for PaddleClas) and at
//!   64x64 (none does): losses, gradients, updates and running statistics; the GPU's first
//!   update against AdamW's formula in f64.
//! - The binary: `train` with `Global.device` set to the GPU, `eval` and `predict` with
//!   `--device`, and checkpoints written on one device evaluated on the other.
//! - With `MOBILEVIT_TEST_GPU_COUNT` of 2 or more: two GPUs in data parallel against one
//!   accumulating the same two micro-batches.
//!
//! When the backend cannot run here the tests say so and pass, unless `MOBILEVIT_REQUIRE_GPU`
//! is set (CI and the GPU script set it).

#![cfg(any(feature = "wgpu", feature = "cuda"))]

mod common;

use std::path::Path;

use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData};
use common::{fixtures, path, repo, succeeds, write_split};
use mobilevit::convert::readers::{FileFormat, StateDict, read_state_dict};
use mobilevit::{LoadOptions, MobileVit, load_weights, npy};
use mobilevit_train::Config;
use mobilevit_train::batch_norm::StepStatistics;
use mobilevit_train::recipe::{
    LearningRates, Loss, build_optimizer, gradients_as_model, training_device, with_config_dropout,
};

/// Largest absolute logit difference accepted against a fixture or flex (flex itself is within
/// 1e-4 of the references; the GPU sums in other orders; measured on lavapipe: at most 9.4e-6).
const LOGITS_TOLERANCE: f32 = 1e-4;
/// The loss of the same step, from the same state, on the GPU and on flex (measured on
/// lavapipe: at most 2.1e-5).
const LOSS_TOLERANCE: f64 = 1e-4;
/// Each gradient tensor of a step relative to its largest magnitude (floored at 1e-4 of the
/// model's largest gradient, for tensors whose gradient is zero by construction), and each
/// update (weights after minus before) in units of the learning rate. Measured on lavapipe:
/// at most 4.0e-3 and 2.8e-3.
const STEP_TOLERANCE: f32 = 1e-2;
/// BatchNorm running statistics after a step, relative to their tensor's largest magnitude
/// (measured on lavapipe: at most 2.3e-5).
const STATISTICS_TOLERANCE: f32 = 2e-4;
/// Two GPUs in data parallel against one accumulating the same micro-batches, every weight and
/// statistic after two steps, absolute (on flex the same comparison agrees to 1e-6,
/// `crates/mobilevit-train/tests/train.rs`).
const DATA_PARALLEL_TOLERANCE: f32 = 1e-4;
/// AdamW's first update on the GPU against the same update in f64 from its own gradients.
const FIRST_UPDATE_TOLERANCE: f64 = 1e-6;

/// The backend under test: its `--device` name and its first device.
struct Gpu {
    name: String,
    device: Device,
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Option<Device> {
    Some(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Option<Device> {
    None
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Option<Device> {
    Some(Device::cuda(0))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Option<Device> {
    None
}

/// The GPU `MOBILEVIT_TEST_GPU` names if this build has it and it can run a kernel; `None`
/// (and a note) otherwise, unless `MOBILEVIT_REQUIRE_GPU` is set.
fn gpu() -> Option<Gpu> {
    let name = std::env::var("MOBILEVIT_TEST_GPU").unwrap_or_else(|_| "wgpu".into());
    let device = match name.as_str() {
        "wgpu" => wgpu_device(),
        "cuda" => cuda_device(),
        other => panic!("MOBILEVIT_TEST_GPU={other}: expected wgpu or cuda"),
    };
    let works = match &device {
        Some(device) => mobilevit::check_device(device),
        None => Err(format!("this build lacks the `{name}` feature")),
    };
    match (device, works) {
        (Some(device), Ok(())) => Some(Gpu { name, device }),
        (_, Err(reason)) => {
            assert!(
                std::env::var_os("MOBILEVIT_REQUIRE_GPU").is_none(),
                "MOBILEVIT_REQUIRE_GPU is set and {name} cannot run: {reason}"
            );
            eprintln!("skipped: {name} cannot run here: {reason}");
            None
        }
        (None, Ok(())) => unreachable!("no device was checked"),
    }
}

fn seeded(shape: [usize; 4], seed: u64) -> TensorData {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
        })
        .collect();
    TensorData::new(values, shape)
}

fn load(weights: &Path, device: &Device) -> MobileVit {
    load_weights(weights, LoadOptions::default(), device)
        .unwrap()
        .model
}

fn max_difference(a: Tensor<2>, b: Tensor<2>) -> f32 {
    (a - b).abs().max().into_scalar::<f32>()
}

/// Logits on the GPU against the fixture and against flex, as loaded and with the batch norms
/// folded.
fn check_logits(gpu: &Gpu, weights: &str, inputs: &str) {
    let flex = Device::flex();
    let weights = fixtures().join(weights);
    let on_gpu = load(&weights, &gpu.device);
    let on_flex = load(&weights, &flex);
    for size in ["256x256", "200x200", "193x301"] {
        let (input, expected, against) = if size == "193x301" {
            let input = Tensor::<4>::from_data(seeded([2, 3, 193, 301], 7), &flex);
            (input.clone(), on_flex.forward(input), "flex")
        } else {
            let file = |kind: &str| fixtures().join(format!("{inputs}_xxs_{kind}_{size}.npy"));
            let input: Tensor<4> = npy::read_f32(&file("input"), &flex).unwrap();
            let logits: Tensor<2> = npy::read_f32(&file("logits"), &flex).unwrap();
            (input, logits, "the fixture")
        };
        for (form, model) in [
            ("", on_gpu.clone()),
            (" folded", on_gpu.clone().fold_batch_norm()),
        ] {
            let logits = model.forward(input.clone().to_device(&gpu.device));
            let diff = max_difference(logits.to_device(&flex), expected.clone());
            println!(
                "{}{form} {size} on {}: max |diff| against {against} {diff:.2e}",
                weights.display(),
                gpu.name
            );
            assert!(diff <= LOGITS_TOLERANCE, "{size}{form}: {diff:e}");
        }
    }
}

#[test]
fn timm_and_paddleclas_logits_match_the_fixtures() {
    let Some(gpu) = gpu() else { return };
    check_logits(&gpu, "timm_xxs_seed0.safetensors", "timm");
    check_logits(&gpu, "paddle_xxs_seed0.pdparams", "paddle");
}

/// The learning rate and AdamW epsilon of the training steps. With an epsilon far above every
/// gradient the update is close to `lr * m`, a smooth function of the gradient; with the
/// recipe's 1e-8 it is about `lr * sign(g)`, and a gradient that is rounding noise around zero
/// moves by `2 lr` when another backend rounds it to the other sign.
const STEP_LR: f64 = 0.005;
const STEP_EPSILON: f64 = 1.0;

/// A batch of two `size x size` images and their labels.
struct Batch {
    images: TensorData,
    labels: TensorData,
}

/// One optimizer step from a given state, as state dicts by timm name.
struct StepResult {
    loss: f64,
    before: StateDict,
    gradients: StateDict,
    after: StateDict,
}

fn save(model: &MobileVit, path: &Path) -> StateDict {
    mobilevit::convert::export::save_timm_safetensors(model, None, path).unwrap();
    read_state_dict(path, FileFormat::Safetensors).unwrap()
}

/// The demo recipe (AdamW with PaddleClas's decay groups, label smoothing 0.1), dropout off.
fn step_config() -> Config {
    let overrides: Vec<String> = vec![
        "Arch.class_num=1000".into(),
        "Arch.dropout=0.0".into(),
        "Arch.classifier_dropout=0.0".into(),
        format!("Optimizer.epsilon={STEP_EPSILON}"),
    ];
    Config::load(&repo("configs/demo/mnist5k_xxs.yaml"), &overrides).unwrap()
}

/// One AdamW step of `model` (on its training device) with `optimizer`; the state dicts are
/// written under `dir` with `tag`.
fn one_step(
    model: MobileVit,
    optimizer: &mut ModuleOptimizer,
    batch: &Batch,
    dir: &Path,
    tag: &str,
) -> (StepResult, MobileVit) {
    let config = step_config();
    let device = model.devices()[0].clone();
    let images = Tensor::<4>::from_data(batch.images.clone(), &device);
    let labels = Tensor::<1, Int>::from_data(batch.labels.clone(), &device);
    let loss = Loss::new(&config.loss.train, &device);
    let rates = LearningRates::new(&config, &model).unwrap();
    let before = save(
        &model.valid(),
        &dir.join(format!("{tag}-before.safetensors")),
    );
    let value = loss.forward(model.forward(images), labels);
    let loss = f64::from(value.clone().into_scalar::<f32>());
    let grads = GradientsParams::from_grads(value.backward(), &model);
    let as_model = gradients_as_model(&model, &grads);
    let gradients = save(&as_model, &dir.join(format!("{tag}-gradients.safetensors")));
    let model = optimizer.step(rates.at(STEP_LR).unwrap(), model, grads);
    let after = save(
        &model.valid(),
        &dir.join(format!("{tag}-after.safetensors")),
    );
    let result = StepResult {
        loss,
        before,
        gradients,
        after,
    };
    (result, model)
}

fn is_running_statistic(name: &str) -> bool {
    name.contains("running_") || name.contains("num_batches")
}

/// The first AdamW update against the same update in f64 from the step's own gradients:
/// `w (1 - lr decay) - lr g / (|g| + eps)` (the first step's bias-corrected moments are `g`
/// and `g^2`; decay 0.01 on convolution and linear weights only).
fn first_update_error(step: &StepResult) -> f64 {
    let mut worst = 0.0f64;
    // BatchNorm running statistics are not parameters: they keep their values in `gradients`.
    let parameters = step
        .gradients
        .tensors
        .iter()
        .filter(|(name, _)| !is_running_statistic(name));
    for (name, grad) in parameters {
        let start = &step.before.tensors[name];
        let decay = if start.shape.len() > 1 { 0.01 } else { 0.0 };
        for ((&w, &g), &after) in start
            .values
            .iter()
            .zip(&grad.values)
            .zip(&step.after.tensors[name].values)
        {
            let (w, g) = (f64::from(w), f64::from(g));
            let expected = w * (1.0 - STEP_LR * decay) - STEP_LR * g / (g.abs() + STEP_EPSILON);
            worst = worst.max((f64::from(after) - expected).abs());
        }
    }
    worst
}

fn largest(values: &[f32]) -> f32 {
    values.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// The worst difference between two sets of tensors over `names`, each tensor's divided by
/// `scale(expected values)`.
fn worst_difference(
    names: &[String],
    got: impl Fn(&str) -> Vec<f32>,
    expected: impl Fn(&str) -> Vec<f32>,
    scale: impl Fn(&[f32]) -> f32,
) -> (f32, String) {
    let mut worst = (0.0f32, String::new());
    for name in names {
        let want = expected(name);
        let diff = got(name)
            .iter()
            .zip(&want)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
            / scale(&want);
        if diff > worst.0 {
            worst = (diff, name.clone());
        }
    }
    worst
}

fn gradient_of(step: &StepResult) -> impl Fn(&str) -> Vec<f32> + '_ {
    move |name| step.gradients.tensors[name].values.clone()
}

fn update_of(step: &StepResult) -> impl Fn(&str) -> Vec<f32> + '_ {
    move |name| {
        let (after, before) = (&step.after.tensors[name], &step.before.tensors[name]);
        after
            .values
            .iter()
            .zip(&before.values)
            .map(|(a, b)| a - b)
            .collect()
    }
}

fn after_of(step: &StepResult) -> impl Fn(&str) -> Vec<f32> + '_ {
    move |name| step.after.tensors[name].values.clone()
}

/// The same step from the same state on the GPU and on flex: loss, gradients, the update of
/// every parameter and the BatchNorm statistics it leaves.
fn compare_step(what: &str, gpu: &StepResult, cpu: &StepResult) {
    let names: Vec<String> = cpu.gradients.tensors.keys().cloned().collect();
    let (statistics, parameters): (Vec<String>, Vec<String>) = names
        .into_iter()
        .partition(|name| is_running_statistic(name));
    // A tensor's scale is its largest magnitude, floored at 1e-4 of the model's largest (for
    // tensors that are zero by construction: the gradient of a bias that the next training
    // BatchNorm removes, of the queries and keys of a one-token attention).
    let floored = |of: &dyn Fn(&str) -> Vec<f32>| {
        let floor = 1e-4
            * parameters
                .iter()
                .map(|name| largest(&of(name)))
                .fold(0.0f32, f32::max);
        move |values: &[f32]| largest(values).max(floor)
    };
    let scale = |values: &[f32]| largest(values).max(1e-12);
    let gradients = worst_difference(
        &parameters,
        gradient_of(gpu),
        gradient_of(cpu),
        floored(&gradient_of(cpu)),
    );
    // Updates in units of the learning rate: AdamW's update is at most `lr` per element.
    let updates = worst_difference(&parameters, update_of(gpu), update_of(cpu), |_| {
        STEP_LR as f32
    });
    let running = worst_difference(&statistics, after_of(gpu), after_of(cpu), scale);
    println!(
        "{what}: loss {:.6} (flex {:.6}); worst relative difference of a gradient {gradients:?}, \
         of an update {updates:?}, of running statistics {running:?}",
        gpu.loss, cpu.loss
    );
    assert!(
        (gpu.loss - cpu.loss).abs() <= LOSS_TOLERANCE,
        "{what}: loss"
    );
    assert!(
        gradients.0 <= STEP_TOLERANCE,
        "{what}: gradient {gradients:?}"
    );
    assert!(updates.0 <= STEP_TOLERANCE, "{what}: update {updates:?}");
    assert!(
        running.0 <= STATISTICS_TOLERANCE,
        "{what}: statistics {running:?}"
    );
}

/// Three AdamW steps on flex from `weights`; before each, the GPU takes the same step from
/// flex's state (weights, BatchNorm statistics and the optimizer's moments), so that every
/// step is compared from one state: training a randomly initialised net on two images is
/// chaotic, and a 1e-6 change of the input alone moves flex's own weights by 3% in three steps.
fn check_steps(gpu: &Gpu, source: &str, weights: &Path, size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let config = step_config();
    let (flex, on_gpu) = (
        training_device(&Device::flex(), false),
        training_device(&gpu.device, false),
    );
    let batch = Batch {
        images: seeded([2, 3, size, size], size as u64),
        labels: TensorData::new(vec![3i64, 917], [2]),
    };
    let mut model = with_config_dropout(load(weights, &flex), &config, &flex).unwrap();
    let mut optimizer = build_optimizer(&config, &model).unwrap();
    for step in 0..3 {
        let what = format!("{source} {size}x{size} step {} on {}", step + 1, gpu.name);
        let mut gpu_optimizer = build_optimizer(&config, &model)
            .unwrap()
            .load_record(optimizer.to_record());
        // The replica shares the BatchNorm running statistics with `model` (Burn's
        // data-parallel `RunningState`) and its step updates them: `StepStatistics` records
        // where the step starts and puts them back there, as the trainer does between rounds.
        let mut statistics = StepStatistics::default();
        model = statistics.end_round(model);
        let replica = model.clone().fork(&on_gpu);
        let (gpu_step, _) = one_step(replica, &mut gpu_optimizer, &batch, dir.path(), "gpu");
        model = statistics.end_round(model);
        let (cpu_step, next) = one_step(model, &mut optimizer, &batch, dir.path(), "flex");
        if step == 0 {
            let error = first_update_error(&gpu_step);
            println!("{what}: AdamW's first update against f64 from the same gradients {error:e}");
            assert!(
                error <= FIRST_UPDATE_TOLERANCE,
                "{what}: first update off by {error}"
            );
        }
        compare_step(&what, &gpu_step, &cpu_step);
        model = next;
    }
}

#[test]
fn training_steps_match_flex() {
    let Some(gpu) = gpu() else { return };
    for (source, weights) in [
        ("timm", "timm_xxs_seed0.safetensors"),
        ("PaddleClas", "paddle_xxs_seed0.pdparams"),
    ] {
        // 48x48: the fourth stage's 3x3 map resizes to 4x4 and back (bilinearly for timm,
        // nearest for PaddleClas); 64x64: no block resizes.
        for size in [48, 64] {
            check_steps(&gpu, source, &fixtures().join(weights), size);
        }
    }
}

/// The demo config on a small generated split: 48x48 crops, so the fourth stage's 3x3 map is
/// resized bilinearly to 4x4 and back, as every input not a multiple of 64 does.
fn overrides(data: &Path, list: &Path, output: &Path, device: &str) -> Vec<String> {
    let mut items = vec![
        format!("Global.device={device}"),
        format!("Global.output_dir={}", path(output)),
        "Global.epochs=1".into(),
        "Global.lr_reference_batch_size=4".into(),
        "Arch.class_num=3".into(),
    ];
    for split in ["Train", "Eval"] {
        items.extend([
            format!("DataLoader.{split}.dataset.image_root={}", path(data)),
            format!("DataLoader.{split}.dataset.cls_label_path={}", path(list)),
            format!("DataLoader.{split}.sampler.batch_size=4"),
            format!("DataLoader.{split}.loader.num_workers=1"),
        ]);
    }
    items
}

fn run(command: &str, items: &[String], extra: &[&str]) -> String {
    let config = repo("configs/demo/mnist5k_xxs.yaml");
    let mut args = vec![command.to_string(), "-c".into(), path(&config).to_string()];
    for item in items {
        args.extend(["-o".to_string(), item.clone()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    succeeds(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `eval --json` of `weights` on `device`: (count, top-1, loss).
fn evaluate(items: &[String], weights: &Path, device: &str) -> (u64, f64, f64) {
    let pretrained = format!("Global.pretrained_model={}", path(weights));
    let items: Vec<String> = items.iter().cloned().chain([pretrained]).collect();
    let text = run("eval", &items, &["--json", "--device", device]);
    let result: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    (
        result["count"].as_u64().unwrap(),
        result["top1"].as_f64().unwrap(),
        result["loss"].as_f64().unwrap(),
    )
}

#[test]
fn the_binary_trains_evaluates_and_predicts_on_the_gpu() {
    let Some(gpu) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let list = write_split(data, "img", 10, 3, 0);
    let name = gpu.name.as_str();
    for (trained_on, other) in [(name, "cpu"), ("cpu", name)] {
        let output = data.join(format!("run-{trained_on}"));
        let items = overrides(data, &list, &output, trained_on);
        run("train", &items, &[]);
        let weights = output.join("latest.bpk");
        // The checkpoint written on one device scores the same on the other.
        let here = evaluate(&items, &weights, trained_on);
        let there = evaluate(&items, &weights, other);
        println!("trained on {trained_on}: eval {here:?} there, {there:?} on {other}");
        assert_eq!(here.0, 10);
        assert_eq!(here.0, there.0);
        assert!((here.1 - there.1).abs() < 1e-9, "{here:?} vs {there:?}");
        assert!((here.2 - there.2).abs() < 1e-4, "{here:?} vs {there:?}");
    }
    let weights = data.join(format!("run-{name}/latest.bpk"));
    let image = data.join("img_000.png");
    let predict = |device: &str| {
        let text = succeeds(&[
            "predict",
            "--weights",
            path(&weights),
            "--json",
            "--device",
            device,
            path(&image),
        ]);
        serde_json::from_str::<serde_json::Value>(text.lines().last().unwrap()).unwrap()
    };
    let (on_gpu, on_cpu) = (predict(name), predict("cpu"));
    println!("predict on {name} {on_gpu}, on cpu {on_cpu}");
    let top = |value: &serde_json::Value| value["topk"].as_array().unwrap().clone();
    let (gpu_top, cpu_top) = (top(&on_gpu), top(&on_cpu));
    assert_eq!(gpu_top.len(), cpu_top.len());
    for (a, b) in gpu_top.iter().zip(&cpu_top) {
        assert_eq!(a["class_id"], b["class_id"]);
        assert_eq!(a["label"], b["label"]);
        let (a, b) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
        assert!((a - b).abs() < 1e-5, "score {a} vs {b}");
    }
}

/// The weights and BatchNorm statistics of a checkpoint, by timm name.
fn checkpoint_state(bpk: &Path) -> StateDict {
    let model = mobilevit::weights::load_bpk(bpk, &Device::flex())
        .unwrap()
        .model;
    let file = bpk.with_extension("safetensors");
    mobilevit::convert::export::save_timm_safetensors(&model, None, &file).unwrap();
    read_state_dict(&file, FileFormat::Safetensors).unwrap()
}

#[test]
fn two_gpus_in_data_parallel_match_one_accumulating() {
    let count: usize = std::env::var("MOBILEVIT_TEST_GPU_COUNT")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(1);
    if count < 2 {
        eprintln!("skipped: MOBILEVIT_TEST_GPU_COUNT is {count}, two GPUs are needed");
        return;
    }
    let Some(gpu) = gpu() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let list = write_split(data, "img", 16, 3, 0);
    let run_on = |label: &str, extra: &[&str]| {
        let output = data.join(label);
        let mut items = overrides(data, &list, &output, &gpu.name);
        items.extend(
            [
                "Global.global_batch_size=8",
                "Arch.dropout=0.0",
                "Arch.classifier_dropout=0.0",
            ]
            .iter()
            .chain(extra)
            .map(|item| item.to_string()),
        );
        run("train", &items, &[]);
        checkpoint_state(&output.join("latest.bpk"))
    };
    let single = run_on("single", &[]);
    // NCCL's all-reduce is CUDA's alone; gathering on the first device works everywhere.
    let reductions: &[&str] = match gpu.name.as_str() {
        "cuda" => &["gather", "nccl"],
        _ => &["gather"],
    };
    for reduction in reductions {
        let setting = format!("Global.gradient_reduction={reduction}");
        let parallel = run_on(reduction, &["Global.devices=[0, 1]", &setting]);
        let mut worst = (0.0f32, String::new());
        for (name, expected) in &single.tensors {
            let diff = parallel.tensors[name]
                .values
                .iter()
                .zip(&expected.values)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            if diff > worst.0 {
                worst = (diff, name.clone());
            }
        }
        println!(
            "two {} devices ({reduction}) against one: worst difference {worst:?}",
            gpu.name
        );
        assert!(worst.0 <= DATA_PARALLEL_TOLERANCE, "{reduction}: {worst:?}");
    }
}
