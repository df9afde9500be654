//! Training on several MPI ranks, launched by Open MPI's `mpirun` on this machine: two ranks
//! reach the weights of one process accumulating the same two micro-batches; a run killed
//! mid-epoch and launched again ends where an uninterrupted one does; ranks with different
//! configs stop naming the setting; a killed rank stops the others.
//!
//! Every process runs flex with one thread (`RAYON_NUM_THREADS=1`, forwarded with `-x`): with
//! two threads one process's transformer dropout draws differ from a lone thread's (measured:
//! a loss 2e-4 apart after six steps, with or without MPI), which is flex's, not MPI's.

#![cfg(feature = "mpi")]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use burn::tensor::Device;

/// How long the ranks of a run may take to stop after one of them is killed.
const STOP_BOUND: Duration = Duration::from_secs(30);

/// Writes `count` small PNGs of 4 classes and a PaddleClas list file.
fn dataset(dir: &Path, count: usize) {
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
    std::fs::write(dir.join("list.txt"), list).unwrap();
}

fn config(data: &Path) -> String {
    format!(
        "Global:\n  epochs: 2\n  seed: 5\n  lr_reference_batch_size: 16\n  global_batch_size: 8\n  print_batch_step: 1\n\
Arch:\n  name: MobileViT_XXS\n  class_num: 4\n\
Loss:\n  Train:\n    - CELoss: {{weight: 1.0, epsilon: 0.1}}\n\
Optimizer:\n  name: AdamW\n  weight_decay: 0.01\n  one_dim_param_no_weight_decay: True\n  lr: {{name: Cosine, learning_rate: 0.002, eta_min: 0.0001, warmup_epoch: 1, warmup_start_lr: 0.0002}}\n\
EMA:\n  decay: 0.9\n\
DataLoader:\n  Train:\n    dataset:\n      name: ImageNetDataset\n      image_root: {data}\n      cls_label_path: {data}/list.txt\n      transform_ops:\n        - DecodeImage: {{to_rgb: True}}\n        - RandCropImage: {{size: 32, scale: [0.5, 1.0]}}\n        - RandFlipImage: {{flip_code: 1}}\n        - NormalizeImage: {{scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1]}}\n    sampler: {{name: DistributedBatchSampler, batch_size: 4, drop_last: False, shuffle: True}}\n  Eval:\n    dataset:\n      name: ImageNetDataset\n      image_root: {data}\n      cls_label_path: {data}/list.txt\n      transform_ops:\n        - DecodeImage: {{to_rgb: True}}\n        - ResizeImage: {{size: 32}}\n        - NormalizeImage: {{scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1]}}\n    sampler: {{name: DistributedBatchSampler, batch_size: 8}}\n",
        data = data.display(),
    )
}

/// A temporary folder with a dataset of `images` and the config for it.
fn workspace(images: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, images);
    let config_path = dir.path().join("config.yaml");
    std::fs::write(&config_path, config(&data)).unwrap();
    (dir, config_path)
}

/// `mobilevit train --plain -c CONFIG -o ...` arguments.
fn train_args(config: &Path, overrides: &[String]) -> Vec<String> {
    let mut args = vec![
        env!("CARGO_BIN_EXE_mobilevit").to_string(),
        "train".into(),
        "--plain".into(),
        "-c".into(),
        config.display().to_string(),
    ];
    for item in overrides {
        args.extend(["-o".to_string(), item.clone()]);
    }
    args
}

/// The single-process run, one rayon thread.
fn alone(config: &Path, overrides: &[String]) -> Child {
    let args = train_args(config, overrides);
    Command::new(&args[0])
        .args(&args[1..])
        .env("RAYON_NUM_THREADS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `mpirun` over the application contexts `apps` (one rank each; Open MPI's MPMD form
/// `A : B`), root allowed, more ranks than cores allowed, one rayon thread per rank.
fn mpirun(apps: &[Vec<String>]) -> Child {
    let mut command = Command::new("mpirun");
    command.args([
        "--allow-run-as-root",
        "--oversubscribe",
        "-x",
        "RAYON_NUM_THREADS=1",
    ]);
    for (index, app) in apps.iter().enumerate() {
        if index > 0 {
            command.arg(":");
        }
        command.args(["-np", "1"]).args(app);
    }
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun runs (Debian: openmpi-bin)")
}

/// Waits for `child`, killing it after five minutes so that a hang fails the test.
fn finish(mut child: Child, name: &str, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{name} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

fn succeeded(output: Output, name: &str) -> Output {
    assert!(
        output.status.success(),
        "{name} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every value of a checkpoint: parameters and BatchNorm statistics.
fn values(path: &Path) -> Vec<f32> {
    let model = mobilevit::weights::load_bpk(path, &Device::flex())
        .unwrap()
        .model;
    mobilevit_train::ranks::model_values(&model, true)
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

/// The step lines (`epoch E step S/N: loss L, lr R`), throughput left out.
fn step_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(" step ") && line.contains("loss"))
        .map(|line| line.split(", lr").next().unwrap_or(line).to_string())
        .collect()
}

fn output_dir(dir: &Path, name: &str) -> String {
    format!("Global.output_dir={}", dir.join(name).display())
}

#[test]
fn two_ranks_train_like_one_process_accumulating_two_micro_batches() {
    let (dir, config) = workspace(24);
    let limit = Duration::from_secs(300);
    // One process, one device, global batch 8 from micro-batches of 4: two accumulated.
    let single = finish(
        alone(&config, &[output_dir(dir.path(), "single")]),
        "alone",
        limit,
    );
    let single = succeeded(single, "the single process");
    // Two ranks of 4 images each: the same global batch, no accumulation.
    let app = train_args(&config, &[output_dir(dir.path(), "ranks")]);
    let ranks = succeeded(
        finish(mpirun(&[app.clone(), app]), "mpirun", limit),
        "mpirun",
    );

    let expected = step_lines(&single);
    assert_eq!(expected.len(), 6, "24 images, 8 per step, 2 epochs");
    // Rank 0 prints the steps of the whole run, with the same losses and learning rates.
    assert_eq!(step_lines(&ranks), expected);
    let text = String::from_utf8_lossy(&ranks.stdout);
    assert!(text.contains("plan: 2 ranks x 1 device(s) each"), "{text}");
    assert_eq!(
        text.matches("eval top-1").count(),
        3,
        "rank 0 alone evaluates: {text}"
    );
    // The same micro-batch gradients summed in the same order, and the BatchNorm statistics
    // averaged over the ranks: equal to float rounding (measured: 0).
    let difference = max_difference(
        &values(&dir.path().join("ranks/latest.bpk")),
        &values(&dir.path().join("single/latest.bpk")),
    );
    assert!(difference < 1e-6, "weights differ by {difference}");
}

/// The pids of `parent`'s child processes (the ranks `mpirun` started on this machine).
fn children(parent: u32) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`: the fields after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .collect();
        if fields.get(1).and_then(|ppid| ppid.parse::<u32>().ok()) == Some(parent) {
            pids.push(pid);
        }
    }
    pids.sort();
    pids
}

/// Starts `mpirun`, reads rank 0's output until a line contains `marker`, then SIGKILLs one
/// rank process; answers how long the whole launch took to end, and what it printed.
fn kill_a_rank_after(apps: &[Vec<String>], marker: &str) -> (Duration, String) {
    let mut child = mpirun(apps);
    let stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(marker) {
            break;
        }
    }
    assert!(
        seen.contains(marker),
        "the run ended before '{marker}':\n{seen}"
    );
    let ranks = children(child.id());
    assert_eq!(ranks.len(), 2, "two rank processes under mpirun");
    let killed_at = Instant::now();
    Command::new("kill")
        .args(["-KILL", &ranks[1].to_string()])
        .status()
        .unwrap();
    // Drain what is left, so that mpirun never blocks on a full pipe.
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let output = finish(child, "mpirun after a killed rank", STOP_BOUND);
    let stopped = killed_at.elapsed();
    assert!(
        !output.status.success(),
        "mpirun must report the killed rank"
    );
    let _ = drain.join();
    (stopped, seen)
}

#[test]
fn a_killed_rank_stops_the_others_and_the_relaunch_ends_like_an_uninterrupted_run() {
    let (dir, config) = workspace(24);
    let limit = Duration::from_secs(300);
    let checkpoints = "Global.save_step_interval=1".to_string();
    let uninterrupted = train_args(
        &config,
        &[output_dir(dir.path(), "whole"), checkpoints.clone()],
    );
    succeeded(
        finish(
            mpirun(&[uninterrupted.clone(), uninterrupted]),
            "mpirun",
            limit,
        ),
        "the uninterrupted run",
    );

    // Killed during the second epoch: every step wrote a checkpoint (atomically), so the
    // last finished one is there; the other rank stops within the bound.
    let app = train_args(&config, &[output_dir(dir.path(), "killed"), checkpoints]);
    let (stopped, seen) = kill_a_rank_after(&[app.clone(), app.clone()], "epoch 2 step 1/3");
    eprintln!("the run stopped {stopped:?} after a rank was killed");
    assert!(seen.contains("epoch 2 step 1/3"));
    let state = dir.path().join("killed/checkpoint/state.json");
    assert!(state.exists(), "a checkpoint survives the kill");

    // The same command again resumes from rank 0's checkpoint on both ranks.
    let resumed = succeeded(
        finish(mpirun(&[app.clone(), app]), "mpirun", limit),
        "resume",
    );
    let text = String::from_utf8_lossy(&resumed.stdout);
    assert!(text.contains("resuming from"), "{text}");
    let difference = max_difference(
        &values(&dir.path().join("killed/latest.bpk")),
        &values(&dir.path().join("whole/latest.bpk")),
    );
    assert!(difference < 1e-6, "resumed weights differ by {difference}");
}

#[test]
fn ranks_with_different_configs_stop_naming_the_setting() {
    let (dir, config) = workspace(8);
    let rank0 = train_args(&config, &[output_dir(dir.path(), "a")]);
    let rank1 = train_args(
        &config,
        &[output_dir(dir.path(), "a"), "Global.epochs=3".into()],
    );
    let output = finish(mpirun(&[rank0, rank1]), "mpirun", STOP_BOUND);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("rank 1 has Global.epochs = 3 where rank 0 has 2"),
        "{error}"
    );
}
