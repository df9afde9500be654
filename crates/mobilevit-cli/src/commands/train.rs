//! `mobilevit train`: YAML-configured training.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::tensor::Device;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use mobilevit_train::metrics::EpochMetrics;
use mobilevit_train::ranks::Collective;
use mobilevit_train::trainer::epoch_line;
use mobilevit_train::trainer::train_on_ranks;
use mobilevit_train::{Config, Outcome, PlainReporter, Reporter, StepProgress};

use crate::device::DeviceKind;

/// Arguments of `mobilevit train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// PaddleClas-style YAML config.
    #[arg(long, short)]
    config: PathBuf,
    /// Overrides, `Key.path=value` (repeatable).
    #[arg(long = "override", short = 'o')]
    overrides: Vec<String>,
    /// Plain log lines instead of progress bars.
    #[arg(long)]
    plain: bool,
}

/// Progress bars on a terminal.
struct BarReporter {
    bar: Option<ProgressBar>,
}

impl Reporter for BarReporter {
    fn message(&mut self, text: &str) {
        println!("{text}");
    }

    fn epoch_start(&mut self, epoch: usize, steps: usize) {
        let bar = ProgressBar::new(steps as u64);
        bar.set_style(
            ProgressStyle::with_template("epoch {prefix} [{bar:30}] {pos}/{len} {msg} (ETA {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(epoch.to_string());
        self.bar = Some(bar);
    }

    fn step(&mut self, p: &StepProgress) {
        if let Some(bar) = &self.bar {
            bar.set_position(p.step as u64);
            bar.set_message(format!(
                "loss {:.4} lr {:.2e} {:.0} img/s",
                p.loss, p.lr, p.images_per_sec
            ));
        }
    }

    fn epoch_end(&mut self, metrics: &EpochMetrics) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        println!("{}", epoch_line(metrics));
    }
}

/// Says nothing: the log of a run on several ranks is rank 0's.
struct QuietReporter;

impl Reporter for QuietReporter {
    fn message(&mut self, _: &str) {}
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn step(&mut self, _: &StepProgress) {}
    fn epoch_end(&mut self, _: &EpochMetrics) {}
}

/// The devices of this process. With several ranks on one machine, GPU indices are counted
/// per rank: the rank of local position `l` takes `Global.devices` (or `[0]`) shifted by
/// `l` times their count, so each drives its own GPUs. Burn's CPU backend has one device,
/// which every rank shares.
fn devices(config: &Config, local_rank: usize) -> anyhow::Result<Vec<Device>> {
    let kind: DeviceKind = config
        .global
        .device
        .parse()
        .map_err(|message| anyhow::anyhow!("Global.device: {message}"))?;
    let listed = config
        .global
        .devices
        .as_ref()
        .filter(|list| !list.is_empty());
    if kind != DeviceKind::Cpu && local_rank > 0 {
        let indices = listed.cloned().unwrap_or_else(|| vec![0]);
        let shift = local_rank * indices.len();
        return indices
            .iter()
            .map(|&index| kind.device_at(index + shift))
            .collect();
    }
    let Some(indices) = listed else {
        return Ok(vec![kind.device()?]);
    };
    if kind == DeviceKind::Cpu && indices.len() > 1 {
        println!(
            "note: Burn's CPU backend has one device: the {} data-parallel workers of \
             Global.devices share it, each running its own micro-batch",
            indices.len()
        );
    }
    indices.iter().map(|&index| kind.device_at(index)).collect()
}

/// The MPI ranks of this launch when there are several: MPI is initialised in every `train`
/// of a build with the `mpi` feature (a process started without a launcher is a world of one,
/// and trains alone).
#[cfg(feature = "mpi")]
fn ranks() -> anyhow::Result<Option<Box<dyn Collective>>> {
    let world = mobilevit_train::mpi::MpiWorld::initialize()?;
    if world.size() == 1 {
        return Ok(None);
    }
    // A rank that panics must not leave the others waiting in a collective.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        report(info);
        mobilevit_train::mpi::abort_world(101);
    }));
    Ok(Some(Box::new(world)))
}

#[cfg(not(feature = "mpi"))]
fn ranks() -> anyhow::Result<Option<Box<dyn Collective>>> {
    Ok(None)
}

/// Trains; exits 130 after writing a checkpoint when interrupted. Under an MPI launcher with
/// several ranks, a rank that fails ends all of them (`MPI_Abort`).
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config, &args.overrides)?;
    let ranks = ranks()?;
    match train_as_rank(args, &config, ranks.as_deref()) {
        Err(error) if let Some(ranks) = &ranks => {
            eprintln!("rank {}: error: {error:#}", ranks.rank());
            ranks.abort(1)
        }
        result => result,
    }
}

fn train_as_rank(
    args: TrainArgs,
    config: &Config,
    ranks: Option<&dyn Collective>,
) -> anyhow::Result<()> {
    let rank = ranks.map_or(0, |ranks| ranks.rank());
    let local_rank = ranks.map_or(0, |ranks| ranks.local_rank());
    let devices = devices(config, local_rank)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(error) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
        eprintln!("warning: Ctrl-C will not write a checkpoint: {error}");
    }
    let mut reporter: Box<dyn Reporter> = if rank != 0 {
        Box::new(QuietReporter)
    } else if args.plain || !std::io::stdout().is_terminal() {
        Box::new(PlainReporter {
            every: config.global.print_batch_step,
        })
    } else {
        Box::new(BarReporter { bar: None })
    };
    match train_on_ranks(config, &devices, ranks, reporter.as_mut(), stop)? {
        _ if rank != 0 => Ok(()),
        Outcome::Finished {
            last_eval,
            last_ema_eval,
        } => {
            let output = &config.global.output_dir;
            if let Some(eval) = last_eval {
                let mut line = format!(
                    "final: eval top-1 {:.2}%, top-5 {:.2}% on {} images",
                    eval.top1 * 100.0,
                    eval.top5 * 100.0,
                    eval.count
                );
                if let Some(ema) = last_ema_eval {
                    line.push_str(&format!("; EMA top-1 {:.2}%", ema.top1 * 100.0));
                }
                println!("{line}");
            }
            let written: Vec<&str> = [
                "latest.bpk",
                "latest_ema.bpk",
                "best_model.bpk",
                "metrics.csv",
                "curves.svg",
                "config.yaml",
                "checkpoint/",
            ]
            .into_iter()
            .filter(|name| output.join(name).exists())
            .collect();
            println!("outputs in {}: {}", output.display(), written.join(", "));
            Ok(())
        }
        Outcome::AlreadyFinished { epochs, best } => {
            let best = best.map_or(String::new(), |(top1, epoch)| {
                format!(", best eval top-1 {:.2}% at epoch {epoch}", top1 * 100.0)
            });
            println!(
                "already finished: {} holds this run, {epochs} epochs done{best}; delete it or \
                 set Global.output_dir to train again (or raise Global.epochs to go on)",
                config.global.output_dir.display()
            );
            Ok(())
        }
        Outcome::Interrupted { checkpoint } => {
            eprintln!(
                "interrupted: checkpoint written to {}; run the same command to resume",
                checkpoint.display()
            );
            std::process::exit(130);
        }
    }
}
