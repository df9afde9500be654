//! `mobilevit eval`: top-1, top-5 and loss over a config's Eval dataset.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use mobilevit::{LoadOptions, Variant, load_weights};
use mobilevit_config::{Config, build_split, eval_preprocessing};
use mobilevit_data::{Preprocessing, Preset};

use super::preprocessing::{obey_weights, weights_path};
use crate::device::DeviceArgs;

/// Arguments of `mobilevit eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// PaddleClas-style YAML config (its `DataLoader.Eval`).
    #[arg(long, short)]
    config: PathBuf,
    /// Overrides, `Key.path=value` (repeatable), e.g. `-o Global.pretrained_model=best_model.bpk`.
    #[arg(long = "override", short = 'o')]
    overrides: Vec<String>,
    /// Without `Global.pretrained_model`, evaluate the run's EMA weights
    /// (`output_dir/latest_ema.bpk`) instead of its best ones (`output_dir/best_model.bpk`).
    #[arg(long)]
    ema: bool,
    /// Write per-class accuracy (class, images, top-1) to this CSV file.
    #[arg(long)]
    per_class: Option<PathBuf>,
    /// Preprocess with a reference's preset instead of the config's `DataLoader.Eval`
    /// transforms.
    #[arg(long, conflicts_with = "recorded")]
    preset: Option<Preset>,
    /// Preprocess as the weights record (the pipeline `predict`, `serve` and `export` use)
    /// instead of with the config's `DataLoader.Eval` transforms.
    #[arg(long)]
    recorded: bool,
    /// End with one JSON line: top1, top5, loss, count.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

/// Evaluates.
pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.config, &args.overrides)?;
    let Some(split) = &config.data_loader.eval else {
        bail!("{}: no DataLoader.Eval", args.config.display());
    };
    let output = &config.global.output_dir;
    let weights = match &config.global.pretrained_model {
        Some(path) => weights_path(path),
        None if args.ema => output.join("latest_ema.bpk"),
        None => output.join("best_model.bpk"),
    };
    let device = args.device.device()?;
    let variant: Variant = config.arch.name.parse()?;
    let options = LoadOptions {
        from: None,
        expected: Some(variant),
    };
    let loaded = load_weights(&weights, options, &device)?;
    let model = loaded.model;
    if model.num_classes() != config.arch.class_num {
        bail!(
            "{}: the weights have {} classes, Arch.class_num says {}",
            weights.display(),
            model.num_classes(),
            config.arch.class_num
        );
    }
    // The config's eval transforms (or a preset, or the weights' record), decoded in the
    // order the weights expect.
    let requested = match (args.preset, args.recorded) {
        (Some(preset), _) => Some(Preprocessing::preset(preset)),
        (None, true) => None,
        (None, false) => {
            Some(eval_preprocessing(&config).with_context(|| args.config.display().to_string())?)
        }
    };
    let preprocessing = obey_weights(&weights, loaded.info.as_ref(), requested)?;
    let data = build_split(
        split,
        "DataLoader.Eval",
        config.arch.class_num,
        config.global.seed,
        1,
        Some(preprocessing.pipeline),
    )?;
    let recorded = loaded
        .info
        .as_ref()
        .and_then(|info| info.class_names.as_ref());
    if let (Some(folders), Some(recorded)) = (&data.class_names, recorded)
        && folders != recorded
    {
        bail!(
            "DataLoader.Eval.dataset.image_root: its class folders ({}) are not the classes {} \
             was trained on ({})",
            folders.join(", "),
            weights.display(),
            recorded.join(", ")
        );
    }
    let result = mobilevit_eval::evaluate(&model, &data.loader, data.sampler.epoch(0, 0), &device)?;
    println!(
        "{}: top-1 {:.2}%, top-5 {:.2}%, loss {:.4} on {} images{}",
        weights.display(),
        result.top1 * 100.0,
        result.top5 * 100.0,
        result.loss,
        result.count,
        if result.skipped > 0 {
            format!(" ({} unreadable skipped)", result.skipped)
        } else {
            String::new()
        }
    );
    if let Some(path) = &args.per_class {
        let mut csv = String::from("class,images,top1\n");
        for (class, (images, hits)) in result.per_class.iter().enumerate() {
            let accuracy = if *images > 0 {
                *hits as f64 / *images as f64
            } else {
                0.0
            };
            csv.push_str(&format!("{class},{images},{accuracy:.6}\n"));
        }
        std::fs::write(path, csv).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({"top1": result.top1, "top5": result.top5, "loss": result.loss, "count": result.count})
        );
    }
    Ok(())
}
