//! Which eval preprocessing applies to a weights file: `--preset`, a config's `DataLoader.Eval`
//! transforms, or the preset the weights record (shared by predict, export and serve).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use mobilevit::WeightsInfo;
use mobilevit_data::{Pipeline, Preset, pipeline_from_ops};

/// `[--preset P | -c CONFIG]`.
#[derive(Args, Debug, Clone)]
pub struct PreprocessingArgs {
    /// Preprocessing preset (timm, paddle, hf, cvnets); by default the one the weights record.
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<Preset>,
    /// A PaddleClas-style config whose `DataLoader.Eval` transforms are used instead.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

/// The pipeline, and the preset's name when it came from one.
pub struct Resolved {
    /// Decode order, transforms, scale, mean and std.
    pub pipeline: Pipeline,
    /// `timm`, `paddle`, `hf`, `cvnets`, or `config` for a config's transforms.
    pub origin: String,
}

impl Resolved {
    /// The preprocessing contract: origin, channel order, scale, mean, std and the whole
    /// pipeline (for the ONNX metadata and the server's `/metadata`).
    pub fn describe(&self) -> serde_json::Value {
        let pipeline = &self.pipeline;
        serde_json::json!({
            "origin": self.origin,
            "channel_order": format!("{:?}", pipeline.order).to_uppercase(),
            "scale": pipeline.scale,
            "mean": pipeline.mean,
            "std": pipeline.std,
            "pipeline": pipeline,
        })
    }
}

impl PreprocessingArgs {
    /// The preprocessing for `weights` (whose metadata is `info`).
    pub fn resolve(&self, weights: &Path, info: Option<&WeightsInfo>) -> anyhow::Result<Resolved> {
        if let Some(preset) = self.preset {
            return Ok(from_preset(preset));
        }
        if let Some(config) = &self.config {
            return Ok(Resolved {
                pipeline: config_pipeline(config)?,
                origin: "config".to_string(),
            });
        }
        match info.and_then(|info| info.preset.parse::<Preset>().ok()) {
            Some(preset) => Ok(from_preset(preset)),
            None => bail!(
                "{}: the weights do not record their preprocessing; give --preset or --config",
                weights.display()
            ),
        }
    }
}

fn from_preset(preset: Preset) -> Resolved {
    Resolved {
        pipeline: preset.pipeline(),
        origin: preset.to_string(),
    }
}

fn config_pipeline(path: &Path) -> anyhow::Result<Pipeline> {
    let config = mobilevit_train::Config::load(path, &[])?;
    let split = config
        .data_loader
        .eval
        .with_context(|| format!("{}: no DataLoader.Eval", path.display()))?;
    Ok(pipeline_from_ops(&split.dataset.transform_ops)?)
}
