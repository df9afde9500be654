//! `mobilevit forward`: a raw pass from a tensor file to a logits file.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::{Device, Tensor};
use clap::Args;
use mobilevit::{
    LoadOptions, LoadedWeights, MobileVit, MobileVitConfig, Variant, load_weights, npy,
};

use crate::device::DeviceArgs;

/// Arguments of `mobilevit forward`.
#[derive(Args, Debug)]
pub struct ForwardArgs {
    /// Model: MobileViT_XXS, ..., MobileViTV2_x2_0 (or timm's mobilevit_xxs, mobilevitv2_050, ...). Read from the
    /// weights when they are given; if both are given they must agree.
    #[arg(long, short)]
    model: Option<Variant>,
    /// Weights: a mobilevit-rs checkpoint (`.bpk`) or timm, HF transformers, ml-cvnets or
    /// PaddleClas weights (safetensors, PyTorch `.pth`/`.pt`/`.bin`, `.pdparams`), converted in
    /// memory.
    #[arg(long, short)]
    weights: Option<PathBuf>,
    /// Seed of the random initialisation when no weights are given.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Input images: float32 NCHW `.npy`, used as is (no resizing, scaling or channel swap).
    #[arg(long, short)]
    input: PathBuf,
    /// Where to write the logits: float32 `[N, classes]` `.npy`.
    #[arg(long, short)]
    output: PathBuf,
    /// Also save the model as a checkpoint (`.bpk`), e.g. to keep a seeded model.
    #[arg(long)]
    save_checkpoint: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
}

/// Runs the pass.
pub fn run(args: ForwardArgs) -> anyhow::Result<()> {
    let device = args.device.device()?;
    let images: Tensor<4> = npy::read_f32(&args.input, &device)?;
    MobileVit::check_input(images.dims()).with_context(|| args.input.display().to_string())?;
    let LoadedWeights { model, info, .. } = build_model(&args, &device)?;
    if let Some(path) = &args.save_checkpoint {
        mobilevit::weights::save_bpk(&model, info.as_ref(), path)?;
    }
    let model = model.fold_batch_norm();
    let logits = mobilevit::on_compute_pool(|| model.forward(images));
    let [batch, classes] = logits.dims();
    print_top_classes(logits.clone())?;
    npy::write_f32(&args.output, logits)?;
    eprintln!(
        "{}: {classes} logits for {batch} image(s) -> {}",
        model.config.variant,
        args.output.display()
    );
    Ok(())
}

/// Classes shown per image.
const SHOWN_CLASSES: usize = 5;

/// One line per image: the highest logits and their class indices.
fn print_top_classes(logits: Tensor<2>) -> anyhow::Result<()> {
    let [batch, classes] = logits.dims();
    let k = SHOWN_CLASSES.min(classes);
    let (values, indices) = logits.topk_with_indices(k, 1);
    let values: Vec<f32> = values
        .into_data()
        .convert::<f32>()
        .try_into_vec()
        .map_err(|error| anyhow::anyhow!("cannot read the logits: {error:?}"))?;
    let indices: Vec<i64> = indices
        .into_data()
        .convert::<i64>()
        .try_into_vec()
        .map_err(|error| anyhow::anyhow!("cannot read the class indices: {error:?}"))?;
    for image in 0..batch {
        let top: Vec<String> = (0..k)
            .map(|rank| {
                let at = image * k + rank;
                format!("{}:{:.4}", indices[at], values[at])
            })
            .collect();
        println!("image {image}: top-{k} class:logit {}", top.join(" "));
    }
    Ok(())
}

fn build_model(args: &ForwardArgs, device: &Device) -> anyhow::Result<LoadedWeights> {
    if let Some(weights) = &args.weights {
        let options = LoadOptions {
            from: None,
            expected: args.model,
        };
        return Ok(load_weights(weights, options, device)?);
    }
    let Some(variant) = args.model else {
        bail!("give --model (or --weights)");
    };
    device.seed(args.seed);
    Ok(LoadedWeights {
        model: MobileVitConfig::imagenet(variant).init(device)?,
        info: None,
        metadata: Default::default(),
    })
}
