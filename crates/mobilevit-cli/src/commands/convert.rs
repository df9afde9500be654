//! `mobilevit convert`: weights of any source to a checkpoint, or a checkpoint to timm.

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, ValueEnum};
use mobilevit::convert::export::save_timm_safetensors;
use mobilevit::convert::swap_input_channels;
use mobilevit::weights::save_bpk;
use mobilevit::{
    ChannelOrder, LoadOptions, LoadedWeights, MobileVitConfig, Source, Variant, WeightsInfo,
    load_weights,
};

use crate::device::DeviceArgs;

/// Arguments of `mobilevit convert`.
#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Where the weights come from; `auto` tells it from the tensor names.
    #[arg(long, default_value = "auto", value_parser = parse_source)]
    from: SourceChoice,
    /// What to write: a mobilevit-rs checkpoint (`bpk`) or timm-named safetensors (`timm`).
    #[arg(long, value_enum, default_value = "bpk")]
    to: Target,
    /// The model the weights must be: MobileViT_XXS, MobileViT_XS, MobileViT_S. Optional: the
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

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Target {
    /// mobilevit-rs checkpoint.
    Bpk,
    /// timm-named safetensors.
    Timm,
}

/// What timm will do differently with these weights.
fn warn_about_timm_differences(config: &MobileVitConfig, info: Option<&WeightsInfo>) {
    if info.is_some_and(|info| info.channel_order() == ChannelOrder::Bgr) {
        eprintln!(
            "note: these weights expect BGR input, and timm feeds RGB; add --to-rgb to swap \
             the stem's input channels"
        );
    }
    let timm = MobileVitConfig::imagenet(config.variant);
    if config.fold_resize != timm.fold_resize || config.final_norm_eps != timm.final_norm_eps {
        eprintln!(
            "note: timm resizes folded maps bilinearly with a final LayerNorm eps of 1e-5, \
             where these weights were made for {:?} and {:e}: outputs agree only at sizes \
             whose stage maps are even (e.g. 256x256)",
            config.fold_resize, config.final_norm_eps
        );
    }
}

/// Converts.
pub fn run(args: ConvertArgs) -> anyhow::Result<()> {
    if args.input == args.output {
        bail!(
            "the output would overwrite the input {}",
            args.input.display()
        );
    }
    let device = args.device.device()?;
    let options = LoadOptions {
        from: args.from.0,
        expected: args.model,
    };
    let LoadedWeights {
        mut model, info, ..
    } = load_weights(&args.input, options, &device)?;
    let mut info = info;
    if args.to_rgb {
        let Some(current) = info.as_mut() else {
            bail!(
                "{}: the checkpoint does not say which channel order it expects, so --to-rgb \
                 cannot tell whether to swap",
                args.input.display()
            );
        };
        if current.channel_order() == ChannelOrder::Rgb {
            bail!("{}: these weights already take RGB", args.input.display());
        }
        model = swap_input_channels(model, current);
    }
    match args.to {
        Target::Bpk => save_bpk(&model, info.as_ref(), &args.output)?,
        Target::Timm => {
            warn_about_timm_differences(&model.config, info.as_ref());
            save_timm_safetensors(&model, info.as_ref(), &args.output)?
        }
    }
    let config = &model.config;
    let (source, order) = info
        .as_ref()
        .map(|info| (info.source_name(), info.channel_order().to_string()))
        .unwrap_or(("unknown", "unknown".into()));
    println!(
        "{} -> {}: {}, {} classes, from {source}, expects {order} input, fold-back {:?}, \
         final LayerNorm eps {:e}",
        args.input.display(),
        args.output.display(),
        config.variant,
        config.num_classes,
        config.fold_resize,
        config.final_norm_eps,
    );
    Ok(())
}
