//! `mobilevit preprocess`: the exact eval tensor of an image, for checking preprocessing
//! against a reference.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::{Device, Tensor, TensorData};
use clap::Args;
use mobilevit::npy;
use mobilevit_data::{Image, Pipeline, Preset, pipeline_from_ops};

/// Arguments of `mobilevit preprocess`.
#[derive(Args, Debug)]
pub struct PreprocessArgs {
    /// Eval preprocessing of a reference: timm, paddle, hf or cvnets.
    #[arg(long, conflicts_with = "config")]
    preset: Option<Preset>,
    /// A PaddleClas-style YAML config; its `DataLoader.Eval.dataset.transform_ops` are used.
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// The image.
    image: PathBuf,
    /// Where to write the float32 `[1, 3, H, W]` tensor.
    #[arg(long, short)]
    output: PathBuf,
}

/// Writes the tensor.
pub fn run(args: PreprocessArgs) -> anyhow::Result<()> {
    let pipeline = match (&args.preset, &args.config) {
        (Some(preset), None) => preset.pipeline(),
        (None, Some(config)) => eval_pipeline(config)?,
        _ => bail!("give --preset or --config"),
    };
    let image = Image::open(&args.image, pipeline.order)?;
    let tensor = pipeline.run_deterministic(image)?;
    let [height, width] = [tensor.height, tensor.width];
    let data = TensorData::new(tensor.values, [1, 3, height, width]);
    npy::write_f32(
        &args.output,
        Tensor::<4>::from_data(data, &Device::default()),
    )?;
    eprintln!(
        "{} -> {}: [1, 3, {height}, {width}], {:?}",
        args.image.display(),
        args.output.display(),
        pipeline.order
    );
    Ok(())
}

/// The Eval `transform_ops` of a PaddleClas config.
fn eval_pipeline(config: &PathBuf) -> anyhow::Result<Pipeline> {
    let text = std::fs::read_to_string(config)
        .with_context(|| format!("cannot read {}", config.display()))?;
    let yaml: serde_norway::Value = serde_norway::from_str(&text)
        .with_context(|| format!("{}: not valid YAML", config.display()))?;
    let ops = yaml
        .get("DataLoader")
        .and_then(|d| d.get("Eval"))
        .and_then(|e| e.get("dataset"))
        .and_then(|d| d.get("transform_ops"))
        .with_context(|| {
            format!(
                "{}: no DataLoader.Eval.dataset.transform_ops",
                config.display()
            )
        })?;
    pipeline_from_ops(ops).with_context(|| {
        format!(
            "{}: DataLoader.Eval.dataset.transform_ops",
            config.display()
        )
    })
}
