//! `mobilevit forward`: a raw pass from a tensor file to a logits file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::{Device, Tensor};
use clap::Args;
use mobilevit::weights::{load_bpk, load_timm_safetensors};
use mobilevit::{MobileVit, MobileVitConfig, Variant, npy};

use crate::device::DeviceKind;

/// Arguments of `mobilevit forward`.
#[derive(Args, Debug)]
pub struct ForwardArgs {
    /// Model: MobileViT_XXS, MobileViT_XS, MobileViT_S (or mobilevit_xxs, ...). Read from the
    /// weights when they are given; if both are given they must agree.
    #[arg(long, short)]
    model: Option<Variant>,
    /// Weights: a mobilevit-rs checkpoint (`.bpk`) or timm weights (`.safetensors`).
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
    /// Compute device.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceKind,
}

/// Runs the pass.
pub fn run(args: ForwardArgs) -> anyhow::Result<()> {
    let device = args.device.device()?;
    let images: Tensor<4> = npy::read_f32(&args.input, &device)?;
    MobileVit::check_input(images.dims()).with_context(|| args.input.display().to_string())?;
    let model = build_model(&args, &device)?;
    if let Some(path) = &args.save_checkpoint {
        let metadata = BTreeMap::from([(
            mobilevit::weights::SOURCE_KEY.to_string(),
            source_description(&args),
        )]);
        mobilevit::weights::save_bpk(&model, path, &metadata)?;
    }
    let logits = model.forward(images);
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

fn build_model(args: &ForwardArgs, device: &Device) -> anyhow::Result<MobileVit> {
    let Some(weights) = &args.weights else {
        let Some(variant) = args.model else {
            bail!("give --model (or --weights)");
        };
        device.seed(args.seed);
        return Ok(MobileVitConfig::imagenet(variant).init(device)?);
    };
    match extension(weights).as_str() {
        "bpk" => {
            let checkpoint = load_bpk(weights, device)?;
            let variant = checkpoint.model.config.variant;
            if let Some(asked) = args.model.filter(|asked| *asked != variant) {
                bail!(
                    "{}: the checkpoint holds {variant}, not {asked}",
                    weights.display()
                );
            }
            Ok(checkpoint.model)
        }
        "safetensors" => Ok(load_timm_safetensors(weights, args.model, device)?),
        other => bail!(
            "{}: unsupported weights format '.{other}' (expected .bpk or .safetensors)",
            weights.display()
        ),
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn source_description(args: &ForwardArgs) -> String {
    match &args.weights {
        Some(path) => format!("weights {}", path.display()),
        None => format!("random init, seed {}", args.seed),
    }
}
