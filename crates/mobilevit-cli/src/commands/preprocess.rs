//! `mobilevit preprocess`: the exact tensor an image becomes, for checking preprocessing
//! against a reference, and for seeing what a weights file will be fed.

use std::path::PathBuf;

use anyhow::bail;
use burn::tensor::{Device, Tensor, TensorData};
use clap::Args;
use mobilevit::{LoadOptions, load_weights, npy};
use mobilevit_data::{Image, RunPipeline};

use super::preprocessing::{PreprocessingArgs, obey_weights};

/// Arguments of `mobilevit preprocess`.
#[derive(Args, Debug)]
pub struct PreprocessArgs {
    #[command(flatten)]
    preprocessing: PreprocessingArgs,
    /// Config overrides, `Key.path=value` (repeatable).
    #[arg(long = "override", requires = "config")]
    overrides: Vec<String>,
    /// Weights whose recorded preprocessing to use, or whose channel order `--preset` / `-c`
    /// must obey (as predict, eval, serve and export do).
    #[arg(long, short)]
    weights: Option<PathBuf>,
    /// The image.
    image: PathBuf,
    /// Where to write the float32 `[1, 3, H, W]` tensor.
    #[arg(long, short)]
    output: PathBuf,
}

/// Writes the tensor.
pub fn run(args: PreprocessArgs) -> anyhow::Result<()> {
    let config = args.preprocessing.load_config(&args.overrides)?;
    let requested = args.preprocessing.requested(config.as_ref())?;
    let preprocessing = match (&args.weights, requested) {
        (Some(weights), requested) => {
            let loaded = load_weights(weights, LoadOptions::default(), &Device::default())?;
            obey_weights(weights, loaded.info.as_ref(), requested)?
        }
        (None, Some(requested)) => requested,
        (None, None) => bail!("give --preset, --config or --weights"),
    };
    let pipeline = &preprocessing.pipeline;
    let image = Image::open(&args.image, pipeline.order)?;
    let tensor = pipeline.run_deterministic(image)?;
    let [height, width] = [tensor.height, tensor.width];
    let data = TensorData::new(tensor.values, [1, 3, height, width]);
    npy::write_f32(
        &args.output,
        Tensor::<4>::from_data(data, &Device::default()),
    )?;
    eprintln!(
        "{} -> {}: [1, 3, {height}, {width}], {}",
        args.image.display(),
        args.output.display(),
        preprocessing.summary()
    );
    Ok(())
}
