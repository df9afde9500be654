//! `mobilevit convert`: weights of any source to a checkpoint, or a checkpoint to timm.

use std::path::PathBuf;
use std::str::FromStr;

use clap::Args;
use mobilevit::convert::{ConvertOptions, ConvertTarget, convert_file};
use mobilevit::{Source, Variant};

use crate::device::DeviceArgs;

/// Arguments of `mobilevit convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Where the weights come from; `auto` tells it from the tensor names.
    #[arg(long, default_value = "auto", value_parser = parse_source)]
    from: SourceChoice,
    /// What to write: a mobilevit-rs checkpoint (`bpk`) or timm-named safetensors (`timm`).
    #[arg(long, default_value = "bpk", value_parser = ConvertTarget::from_str)]
    to: ConvertTarget,
    /// The model the weights must be: MobileViT_XXS, ..., MobileViTV2_x2_0. Optional: the
    /// variant is read from the weights.
    #[arg(long, short)]
    model: Option<Variant>,
    /// Permute the stem's input channels so that BGR-trained weights (ml-cvnets, HF,
    /// PaddleClas) take RGB images.
    #[arg(long)]
    to_rgb: bool,
    /// Weights file: safetensors, PyTorch `.pth`/`.pt`/`.bin`, PaddleClas `.pdparams`, or a
    /// `.bpk` checkpoint.
    input: PathBuf,
    /// Output file (`.bpk`, or `.safetensors` with `--to timm`).
    output: PathBuf,
    #[command(flatten)]
    device: DeviceArgs,
}

/// `--from`: a source or `auto`.
#[derive(Debug, Clone, Copy)]
pub struct SourceChoice(Option<Source>);

fn parse_source(text: &str) -> Result<SourceChoice, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(SourceChoice(None));
    }
    text.parse().map(|source| SourceChoice(Some(source)))
}

/// Converts.
pub fn run(args: ConvertArgs) -> anyhow::Result<()> {
    let device = args.device.device()?;
    let options = ConvertOptions {
        from: args.from.0,
        expected: args.model,
        to_rgb: args.to_rgb,
        target: args.to,
    };
    let converted = convert_file(&args.input, &args.output, options, &device)?;
    for notice in &converted.notices {
        eprintln!("note: {notice}");
    }
    println!(
        "{} -> {}: {}",
        args.input.display(),
        args.output.display(),
        converted.summary()
    );
    Ok(())
}
