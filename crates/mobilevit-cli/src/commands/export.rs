//! `mobilevit export`: an ONNX model with the preprocessing contract in its metadata.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use mobilevit::onnx::{DEFAULT_OPSET, INPUT_NAME, OUTPUT_NAME, OnnxOptions, save_onnx};
use mobilevit::{LoadOptions, Variant, load_weights};
use mobilevit_data::EVAL_CROP;

use super::info::parse_image_size;
use super::preprocessing::{PreprocessingArgs, Resolved};
use crate::device::DeviceKind;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// ONNX (opset 17 to 21), batch dimension symbolic.
    Onnx,
}

/// Arguments of `mobilevit export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Model the weights must be (optional: read from the weights).
    #[arg(long, short)]
    model: Option<Variant>,
    /// Weights: a checkpoint or any file `convert` reads.
    #[arg(long, short)]
    weights: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "onnx")]
    format: Format,
    /// The file to write.
    #[arg(long, short)]
    output: PathBuf,
    /// ONNX opset.
    #[arg(long, default_value_t = DEFAULT_OPSET)]
    opset: i64,
    /// Input size, `S` or `HxW` (the preprocessing's crop by default).
    #[arg(long, value_parser = parse_image_size)]
    image_size: Option<[usize; 2]>,
    #[command(flatten)]
    preprocessing: PreprocessingArgs,
}

/// Exports and prints what was written.
pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let device = DeviceKind::Cpu.device()?;
    let options = LoadOptions {
        from: None,
        expected: args.model,
    };
    let loaded = load_weights(&args.weights, options, &device)?;
    let resolved = args
        .preprocessing
        .resolve(&args.weights, loaded.info.as_ref())?;
    let image_size = args.image_size.unwrap_or([EVAL_CROP, EVAL_CROP]);
    let resolved = Resolved {
        pipeline: resolved.pipeline.with_output_size(image_size),
        origin: resolved.origin,
    };
    let [height, width] = image_size;
    let mut metadata = vec![(
        "preprocess.image_size".to_string(),
        format!("{height}x{width}"),
    )];
    if let serde_json::Value::Object(contract) = resolved.describe() {
        for (key, value) in contract {
            let text = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            metadata.push((format!("preprocess.{key}"), text));
        }
    }
    let pipeline = &resolved.pipeline;
    match args.format {
        Format::Onnx => {
            let options = OnnxOptions {
                opset: args.opset,
                image_size,
                metadata,
            };
            save_onnx(&loaded.model, &options, &args.output)?;
        }
    }
    let bytes = std::fs::metadata(&args.output)
        .with_context(|| format!("cannot read back {}", args.output.display()))?
        .len();
    println!(
        "{}: {} ONNX opset {}, {INPUT_NAME} float32[batch, 3, {height}, {width}] -> {OUTPUT_NAME} float32[batch, {}], {:.1} MB; preprocessing: {} ({:?}, scale {}, mean {:?}, std {:?})",
        args.output.display(),
        loaded.model.config.variant,
        args.opset,
        loaded.model.num_classes(),
        bytes as f64 / 1e6,
        resolved.origin,
        pipeline.order,
        pipeline.scale,
        pipeline.mean,
        pipeline.std,
    );
    Ok(())
}
