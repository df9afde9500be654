//! `mobilevit predict`: top-k classes of images, with names. With `-c`, a PaddleClas config's
//! `Infer` block drives it as `tools/infer.py` does (images, batch size, transforms, top-k and
//! class map); command-line flags win.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use mobilevit::{LoadOptions, Variant, load_weights};
use mobilevit_config::{Config, InferConfig};
use mobilevit_data::IMAGE_EXTENSIONS;
use mobilevit_eval::{ClassNames, predict};

use super::preprocessing::{PreprocessingArgs, weights_path};
use crate::device::DeviceArgs;

/// Arguments of `mobilevit predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// Model the weights must be (optional: read from the weights).
    #[arg(long, short)]
    model: Option<Variant>,
    /// Weights: a checkpoint or any file `convert` reads (with `-c`, `Global.pretrained_model`
    /// by default).
    #[arg(long, short)]
    weights: Option<PathBuf>,
    #[command(flatten)]
    preprocessing: PreprocessingArgs,
    /// Config overrides, `Key.path=value` (repeatable), e.g. `-o Global.pretrained_model=W`.
    #[arg(long = "override", short = 'o', requires = "config")]
    overrides: Vec<String>,
    /// Classes shown per image (default: `Infer.PostProcess.topk`, else 5).
    #[arg(long)]
    topk: Option<usize>,
    /// Class names (`id name` per line); default: `Infer.PostProcess.class_id_map_file`, else
    /// ImageNet's, built in, for 1000 classes.
    #[arg(long)]
    class_map: Option<PathBuf>,
    /// Images per forward pass (default: `Infer.batch_size`, else 16).
    #[arg(long)]
    batch_size: Option<usize>,
    /// One JSON line per image.
    #[arg(long)]
    json: bool,
    /// Also write the results (JSON lines) to this file.
    #[arg(long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
    /// Image files or folders of images (default: `Infer.infer_imgs`).
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

/// What a prediction run uses, from the flags and then the config's `Infer` block.
struct Settings {
    weights: PathBuf,
    inputs: Vec<PathBuf>,
    topk: usize,
    batch_size: usize,
    class_map: Option<PathBuf>,
}

impl Settings {
    fn new(args: &PredictArgs, config: Option<&Config>) -> anyhow::Result<Self> {
        let infer: Option<&InferConfig> = config.and_then(|config| config.infer.as_ref());
        let post = infer.and_then(|infer| infer.post_process.as_ref());
        let weights = match (&args.weights, config) {
            (Some(weights), _) => weights.clone(),
            (None, Some(config)) => weights_path(
                config
                    .global
                    .pretrained_model
                    .as_deref()
                    .context("give --weights, or Global.pretrained_model in the config")?,
            ),
            (None, None) => bail!("give --weights (or -c CONFIG with Global.pretrained_model)"),
        };
        let inputs = if args.inputs.is_empty() {
            let images = infer
                .and_then(|infer| infer.infer_imgs.clone())
                .context("give images to classify (or -c CONFIG with Infer.infer_imgs)")?;
            vec![images]
        } else {
            args.inputs.clone()
        };
        let class_map = match (&args.class_map, post) {
            (Some(map), _) => Some(map.clone()),
            (None, Some(post)) => post.class_id_map_file.clone().filter(|map| {
                let exists = map.exists();
                if !exists {
                    eprintln!(
                        "note: Infer.PostProcess.class_id_map_file {} does not exist; using \
                         the built-in names (or give --class-map)",
                        map.display()
                    );
                }
                exists
            }),
            (None, None) => None,
        };
        Ok(Self {
            weights,
            inputs,
            topk: args.topk.or(post.map(|post| post.topk)).unwrap_or(5),
            batch_size: args
                .batch_size
                .or(infer.map(|infer| infer.batch_size))
                .unwrap_or(16),
            class_map,
        })
    }
}

/// Predicts; exits non-zero at the end if any image could not be read.
pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    let device = args.device.device()?;
    let config = args.preprocessing.load_config(&args.overrides)?;
    let settings = Settings::new(&args, config.as_ref())?;
    let options = LoadOptions {
        from: None,
        expected: args.model,
    };
    let loaded = load_weights(&settings.weights, options, &device)?;
    let preprocessing =
        args.preprocessing
            .resolve(&settings.weights, loaded.info.as_ref(), config.as_ref())?;
    let names = ClassNames::for_model(
        settings.class_map.as_deref(),
        loaded.info.as_ref(),
        loaded.model.num_classes(),
    )?;
    let images = collect_images(&settings.inputs)?;
    let results = predict(
        &loaded.model,
        &images,
        &preprocessing.pipeline,
        &names,
        settings.topk,
        settings.batch_size,
        &device,
    );
    report(&args, &images, results)
}

/// Prints each image's classes (or error), writes `--output`, and fails if any image failed.
fn report(
    args: &PredictArgs,
    images: &[PathBuf],
    results: Vec<Result<mobilevit_eval::Prediction, mobilevit_data::DataError>>,
) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    let mut failures = 0;
    let mut stdout = Stdout::new();
    for (path, result) in images.iter().zip(results) {
        match result {
            Ok(prediction) => {
                let json = serde_json::to_string(&prediction)?;
                if args.json {
                    stdout.line(&json)?;
                } else {
                    stdout.line(&format!("{}: {}", path.display(), summary(&prediction)))?;
                }
                lines.push(json);
            }
            Err(error) => {
                failures += 1;
                let json =
                    serde_json::json!({"image": path, "error": error.to_string()}).to_string();
                if args.json {
                    stdout.line(&json)?;
                }
                eprintln!("error: {error}");
                lines.push(json);
            }
        }
    }
    if let Some(output) = &args.output {
        write_lines(output, &lines)?;
    }
    if failures > 0 {
        bail!("{failures} of {} images could not be read", images.len());
    }
    Ok(())
}

/// Standard output for one line per image; once its reader has gone (`predict ... | head`), the
/// rest is not printed, and that is no error.
struct Stdout {
    closed: bool,
}

impl Stdout {
    fn new() -> Self {
        Self { closed: false }
    }

    fn line(&mut self, text: &str) -> anyhow::Result<()> {
        use std::io::Write;
        if self.closed {
            return Ok(());
        }
        match writeln!(std::io::stdout().lock(), "{text}") {
            Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            result => Ok(result?),
        }
    }
}

fn summary(prediction: &mobilevit_eval::Prediction) -> String {
    let best: Vec<String> = prediction
        .topk
        .iter()
        .map(|s| format!("{} {} ({:.3})", s.class_id, s.label, s.score))
        .collect();
    best.join("; ")
}

fn write_lines(output: &Path, lines: &[String]) -> anyhow::Result<()> {
    std::fs::write(output, lines.join("\n") + "\n")
        .with_context(|| format!("cannot write {}", output.display()))
}
