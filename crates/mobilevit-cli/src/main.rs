//! `mobilevit`: MobileViT image classification on Burn.

mod commands;
mod device;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// MobileViT (v1 XXS, XS, S; v2 x0.5 to x2.0) image classification on Burn.
#[derive(Parser, Debug)]
#[command(
    name = "mobilevit",
    version,
    about = "MobileViT (v1 XXS, XS, S; v2 x0.5 to x2.0) image classification on Burn",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parameters, MACs, FLOPs and per-stage sizes of a model.
    Info(commands::info::InfoArgs),
    /// A raw forward pass: NCHW float32 .npy in, logits .npy out.
    Forward(commands::forward::ForwardArgs),
    /// Weights from timm, HF transformers, ml-cvnets or PaddleClas to a checkpoint, or a
    /// checkpoint to timm.
    Convert(commands::convert::ConvertArgs),
    /// The exact eval tensor of an image under a reference's preprocessing.
    Preprocess(commands::preprocess::PreprocessArgs),
    /// Datasets for demos and tests.
    Data(commands::data::DataArgs),
    /// Train from a PaddleClas-style YAML config.
    Train(commands::train::TrainArgs),
    /// Top-1, top-5 and loss over a config's Eval dataset.
    Eval(commands::eval::EvalArgs),
    /// Top-k classes, with names, of images.
    Predict(commands::predict::PredictArgs),
    /// Images per second of inference or training steps.
    Bench(commands::bench::BenchArgs),
    /// A model file for other runtimes (ONNX).
    Export(commands::export::ExportArgs),
    /// An HTTP inference service with batching.
    Serve(commands::serve::ServeArgs),
}

/// Keeps freed memory in glibc's heap for the next allocation. Burn allocates every activation
/// afresh; by default glibc hands each large block to the kernel with mmap and back with
/// munmap, and the kernel zeroes the pages again on first touch: a quarter of a training
/// step's time. (PyTorch users get the same advice for the same reason.) One arena for all
/// threads keeps that true for the model work that runs on the compute pool's threads
/// (`mobilevit::on_compute_pool`): their own arenas would be unmapped as they empty. Measured
/// in docs/benchmarks.md.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning parameters; it is called before any
    // thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => commands::info::run(args),
        Command::Forward(args) => commands::forward::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Preprocess(args) => commands::preprocess::run(args),
        Command::Data(args) => commands::data::run(args),
        Command::Train(args) => commands::train::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::Serve(args) => commands::serve::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
