//! `mobilevit predict`: top-k classes of images, with names.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use mobilevit::{LoadOptions, Variant, load_weights};
use mobilevit_data::IMAGE_EXTENSIONS;
use mobilevit_eval::{ClassNames, predict};

use super::preprocessing::PreprocessingArgs;
use crate::device::DeviceKind;

/// Arguments of `mobilevit predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model the weights must be (optional: read from the weights).
    #[arg(long, short)]
    model: Option<Variant>,
    /// Weights: a checkpoint or any file `convert` reads.
    #[arg(long, short)]
    weights: PathBuf,
    #[command(flatten)]
    preprocessing: PreprocessingArgs,
    /// Classes shown per image.
    #[arg(long, default_value_t = 5)]
    topk: usize,
    /// Class names (`id name` per line); ImageNet's are built in for 1000 classes.
    #[arg(long)]
    class_map: Option<PathBuf>,
    /// Images per forward pass.
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// One JSON line per image.
    #[arg(long)]
    json: bool,
    /// Also write the results (JSON lines) to this file.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Compute device.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceKind,
    /// Image files or folders of images.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

/// Image files, with folders expanded to the images they hold (sorted).
fn collect_images(inputs: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut images = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read {}", input.display()))?
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.is_file()
                        && path.extension().is_some_and(|ext| {
                            IMAGE_EXTENSIONS
                                .iter()
                                .any(|known| ext.eq_ignore_ascii_case(known))
                        })
                })
                .collect();
            if found.is_empty() {
                bail!("{}: no images in this folder", input.display());
            }
            found.sort();
            images.extend(found);
        } else {
            images.push(input.clone());
        }
    }
    Ok(images)
}

/// Predicts; exits non-zero at the end if any image could not be read.
pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    let device = args.device.device()?;
    let options = LoadOptions {
        from: None,
        expected: args.model,
    };
    let loaded = load_weights(&args.weights, options, &device)?;
    let pipeline = args
        .preprocessing
        .resolve(&args.weights, loaded.info.as_ref())?
        .pipeline;
    let names = ClassNames::for_model(args.class_map.as_deref(), loaded.model.num_classes())?;
    let images = collect_images(&args.inputs)?;
    let results = predict(
        &loaded.model,
        &images,
        &pipeline,
        &names,
        args.topk,
        args.batch_size,
        &device,
    );
    let mut lines = Vec::new();
    let mut failures = 0;
    for (path, result) in images.iter().zip(results) {
        match result {
            Ok(prediction) => {
                let json = serde_json::to_string(&prediction)?;
                if args.json {
                    println!("{json}");
                } else {
                    let best: Vec<String> = prediction
                        .topk
                        .iter()
                        .map(|s| format!("{} {} ({:.3})", s.class_id, s.label, s.score))
                        .collect();
                    println!("{}: {}", path.display(), best.join("; "));
                }
                lines.push(json);
            }
            Err(error) => {
                failures += 1;
                let json =
                    serde_json::json!({"image": path, "error": error.to_string()}).to_string();
                if args.json {
                    println!("{json}");
                }
                eprintln!("error: {error}");
                lines.push(json);
            }
        }
    }
    if let Some(output) = &args.output {
        std::fs::write(output, lines.join("\n") + "\n")
            .with_context(|| format!("cannot write {}", output.display()))?;
    }
    if failures > 0 {
        bail!("{failures} of {} images could not be read", images.len());
    }
    Ok(())
}
