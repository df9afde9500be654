//! `mobilevit export`: an ONNX model with the preprocessing contract in its metadata.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use mobilevit::onnx::{DEFAULT_OPSET, INPUT_NAME, OUTPUT_NAME, OnnxOptions, save_onnx};
use mobilevit::{LoadOptions, Variant, load_weights};
use mobilevit_data::Preprocessing;

use super::info::parse_image_size;
use super::preprocessing::PreprocessingArgs;
use crate::device::DeviceArgs;
use mobilevit_eval::describe;

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
    /// Input size, `S` or `HxW`: by default the size the preprocessing produces (its crop or
    /// resize); a different size changes the preprocessing recorded in the metadata too.
    #[arg(long, value_parser = parse_image_size)]
    image_size: Option<[usize; 2]>,
    #[command(flatten)]
    preprocessing: PreprocessingArgs,
    /// Config overrides, `Key.path=value` (repeatable).
    #[arg(long = "override", requires = "config")]
    overrides: Vec<String>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// The input size: `--image-size`, else what the preprocessing produces.
fn image_size(args: &ExportArgs, preprocessing: &Preprocessing) -> anyhow::Result<[usize; 2]> {
    args.image_size
        .or_else(|| preprocessing.input_size())
        .context(
            "the preprocessing gives images of the image's own size (no crop or fixed resize); \
             give --image-size",
        )
}

/// Exports and prints what was written.
pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let device = args.device.device()?;
    let options = LoadOptions {
        from: None,
        expected: args.model,
    };
    let loaded = load_weights(&args.weights, options, &device)?;
    let config = args.preprocessing.load_config(&args.overrides)?;
    let mut preprocessing =
        args.preprocessing
            .resolve(&args.weights, loaded.info.as_ref(), config.as_ref())?;
    let image_size = image_size(&args, &preprocessing)?;
    preprocessing.pipeline = preprocessing.pipeline.with_output_size(image_size);
    let [height, width] = image_size;
    let mut metadata = vec![(
        "preprocess.image_size".to_string(),
        format!("{height}x{width}"),
    )];
    if let serde_json::Value::Object(contract) = describe(&preprocessing) {
        for (key, value) in contract {
            let text = match value {
                serde_json::Value::String(text) => text,
                other => other.to_string(),
            };
            if key != "image_size" {
                metadata.push((format!("preprocess.{key}"), text));
            }
        }
    }
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
        "{}: {} ONNX opset {}, {INPUT_NAME} float32[batch, 3, {height}, {width}] -> {OUTPUT_NAME} float32[batch, {}], {:.1} MB; preprocessing: {}",
        args.output.display(),
        loaded.model.config.variant,
        args.opset,
        loaded.model.num_classes(),
        bytes as f64 / 1e6,
        preprocessing.summary(),
    );
    Ok(())
}
