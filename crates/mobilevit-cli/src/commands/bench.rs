//! `mobilevit bench`: images per second of inference or training steps.

use std::time::Instant;

use anyhow::Context;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use clap::{Args, ValueEnum};
use mobilevit::{MobileVitConfig, Variant, forward_sharded, on_compute_pool};
use mobilevit_train::recipe::training_device;

use crate::device::DeviceArgs;

/// What is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Forward pass in inference mode.
    Infer,
    /// Forward, backward and an AdamW step.
    Train,
    /// The per-step exchange of training on several MPI ranks: one sum over the ranks of the
    /// model's gradients (run under `mpirun`; a build with `--features mpi`).
    #[cfg(feature = "mpi")]
    Allreduce,
}

/// Arguments of `mobilevit bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Model.
    #[arg(long, short)]
    model: Variant,
    /// Images per iteration.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Square input side.
    #[arg(long, default_value_t = 256)]
    image_size: usize,
    /// What to time.
    #[arg(long, value_enum, default_value = "infer")]
    mode: Mode,
    /// Timed iterations (after warm-up).
    #[arg(long, default_value_t = 10)]
    iterations: usize,
    /// Untimed warm-up iterations.
    #[arg(long, default_value_t = 2)]
    warmup: usize,
    /// CPU threads (the size of the global rayon pool the CPU backend uses).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    device: DeviceArgs,
    /// End with one JSON line.
    #[arg(long)]
    json: bool,
    /// Training: recompute memory-bound activations in the backward pass instead of keeping
    /// them (Burn's balanced gradient checkpointing).
    #[arg(long)]
    gradient_checkpointing: bool,
}

/// Peak resident memory of this process in bytes (Linux `VmHWM`), if known.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[index]
}

/// Runs the benchmark.
pub fn run(args: BenchArgs) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .context("cannot size the thread pool")?;
    }
    #[cfg(feature = "mpi")]
    if args.mode == Mode::Allreduce {
        return allreduce(&args);
    }
    let device = args.device.device()?;
    let size = args.image_size;
    mobilevit::MobileVit::check_input([args.batch, 3, size, size])?;
    let config = MobileVitConfig::imagenet(args.model);
    let mut times = Vec::with_capacity(args.iterations);
    // The timed loops run on a compute-pool thread, as eval, predict and training do.
    on_compute_pool(|| -> anyhow::Result<()> {
        match args.mode {
            Mode::Infer => {
                let model = config.init(&device)?.fold_batch_norm();
                let images = Tensor::<4>::random(
                    [args.batch, 3, size, size],
                    Distribution::Default,
                    &device,
                );
                for iteration in 0..args.warmup + args.iterations {
                    let start = Instant::now();
                    let logits = forward_sharded(&model, images.clone());
                    let _ = logits.into_data();
                    if iteration >= args.warmup {
                        times.push(start.elapsed().as_secs_f64());
                    }
                }
            }
            Mode::Train => {
                let device = training_device(&device, args.gradient_checkpointing);
                let mut model = config.init(&device)?;
                let mut optimizer: ModuleOptimizer =
                    AdamWConfig::new().with_epsilon(1e-8).build().into();
                let loss = CrossEntropyLossConfig::new()
                    .with_smoothing(Some(0.1))
                    .init(&device);
                let images = Tensor::<4>::random(
                    [args.batch, 3, size, size],
                    Distribution::Default,
                    &device,
                );
                let labels: Vec<i64> = (0..args.batch as i64).map(|i| i % 1000).collect();
                let labels =
                    Tensor::<1, Int>::from_data(TensorData::new(labels, [args.batch]), &device);
                for iteration in 0..args.warmup + args.iterations {
                    let start = Instant::now();
                    let value = loss.forward(model.forward(images.clone()), labels.clone());
                    let grads = GradientsParams::from_grads(value.backward(), &model);
                    model = optimizer.step(1e-4, model, grads);
                    // Wait for the update before stopping the clock.
                    let _ = model.head.fc.weight.val().into_data();
                    if iteration >= args.warmup {
                        times.push(start.elapsed().as_secs_f64());
                    }
                }
                let _ = model.num_params();
            }
            #[cfg(feature = "mpi")]
            Mode::Allreduce => unreachable!("handled before"),
        }
        Ok(())
    })?;
    times.sort_by(f64::total_cmp);
    let (p50, p90) = (percentile(&times, 0.5), percentile(&times, 0.9));
    let images_per_sec = args.batch as f64 / p50;
    let memory = peak_memory();
    let mode = format!("{:?}", args.mode).to_lowercase();
    println!(
        "{} {mode}, batch {}, {size}x{size}: {images_per_sec:.1} images/s; per iteration p50 {:.1} ms, p90 {:.1} ms; peak memory {}",
        args.model,
        args.batch,
        p50 * 1e3,
        p90 * 1e3,
        memory.map_or("?".into(), |bytes| format!(
            "{:.2} GiB",
            bytes as f64 / (1u64 << 30) as f64
        ))
    );
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "model": args.model.to_string(), "mode": mode, "batch": args.batch,
                "image_size": size, "images_per_sec": images_per_sec,
                "p50_ms": p50 * 1e3, "p90_ms": p90 * 1e3, "peak_memory_bytes": memory,
                "iterations": args.iterations, "threads": args.threads,
            })
        );
    }
    Ok(())
}

/// Times the sum over the MPI ranks of a gradient the size of the model's parameters, as the
/// trainer makes it once per optimizer step (host memory, `f32`).
#[cfg(feature = "mpi")]
fn allreduce(args: &BenchArgs) -> anyhow::Result<()> {
    use mobilevit_train::ranks::Collective;
    let world = mobilevit_train::mpi::MpiWorld::initialize()?;
    let counts = MobileVitConfig::imagenet(args.model)
        .init(&burn::tensor::Device::flex())?
        .parameter_counts();
    let mut values = vec![1.0f32; counts.trainable as usize];
    let mut times = Vec::with_capacity(args.iterations);
    for iteration in 0..args.warmup + args.iterations {
        let start = Instant::now();
        world.sum_f32(&mut values)?;
        if iteration >= args.warmup {
            times.push(start.elapsed().as_secs_f64());
        }
    }
    times.sort_by(f64::total_cmp);
    if world.rank() == 0 {
        let bytes = values.len() * 4;
        let p50 = percentile(&times, 0.5);
        println!(
            "{} gradients ({} values, {:.1} MB) summed over {} ranks: p50 {:.2} ms, p90 {:.2} ms",
            args.model,
            values.len(),
            bytes as f64 / 1e6,
            world.size(),
            p50 * 1e3,
            percentile(&times, 0.9) * 1e3
        );
    }
    Ok(())
}
