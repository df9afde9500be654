//! Which preprocessing feeds a weights file, for every command that feeds one (predict, eval,
//! export, serve, preprocess): the one the weights record, or the one the user names with
//! `--preset` or `-c`, made to obey the weights' channel order with a one-line notice.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use mobilevit::WeightsInfo;
use mobilevit_config::{Config, eval_preprocessing, infer_preprocessing};
use mobilevit_data::{Preprocessing, Preset};

/// `[--preset P | -c CONFIG]` (each command adds its own `Key.path=value` overrides).
#[derive(Args, Debug, Clone)]
pub struct PreprocessingArgs {
    /// Preprocessing preset (timm, paddle, hf, cvnets, timm_v2, paddle_v2); by default the one the
    /// weights record.
    #[arg(long, conflicts_with = "config")]
    pub preset: Option<Preset>,
    /// A PaddleClas-style config: its `Infer.transforms` when it has an `Infer` block, else its
    /// `DataLoader.Eval` transforms.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

impl PreprocessingArgs {
    /// The config, read strictly with `overrides`, when `-c` is given.
    pub fn load_config(&self, overrides: &[String]) -> anyhow::Result<Option<Config>> {
        if self.config.is_none() && !overrides.is_empty() {
            bail!("overrides ({}) need a config (-c)", overrides.join(", "));
        }
        self.config
            .as_ref()
            .map(|path| Config::load(path, overrides).map_err(anyhow::Error::from))
            .transpose()
    }

    /// The preprocessing the user asked for, if any: a preset, or a config's.
    pub fn requested(&self, config: Option<&Config>) -> anyhow::Result<Option<Preprocessing>> {
        if let Some(preset) = self.preset {
            return Ok(Some(Preprocessing::preset(preset)));
        }
        let Some(config) = config else {
            return Ok(None);
        };
        let path = self.config.as_deref().unwrap_or(Path::new("config"));
        let record = match infer_preprocessing(config) {
            Some(infer) => infer,
            None => eval_preprocessing(config),
        };
        Ok(Some(record.with_context(|| path.display().to_string())?))
    }

    /// The preprocessing that feeds `weights` (whose record is `info`).
    pub fn resolve(
        &self,
        weights: &Path,
        info: Option<&WeightsInfo>,
        config: Option<&Config>,
    ) -> anyhow::Result<Preprocessing> {
        obey_weights(weights, info, self.requested(config)?)
    }
}

/// `requested` made to feed `weights`: the weights' record when nothing was requested, the
/// request decoded in the weights' order otherwise (saying so on stderr when that changes it).
pub fn obey_weights(
    weights: &Path,
    info: Option<&WeightsInfo>,
    requested: Option<Preprocessing>,
) -> anyhow::Result<Preprocessing> {
    match (info, requested) {
        (Some(info), Some(requested)) => {
            let adapted = info.preprocessing.obey(requested);
            if let Some(notice) = adapted.notice {
                eprintln!("note: {}: {notice}", weights.display());
            }
            Ok(adapted.preprocessing)
        }
        (None, Some(requested)) => Ok(requested),
        (Some(info), None) => Ok(info.preprocessing.clone()),
        (None, None) => bail!(
            "{}: the weights do not record their preprocessing; give --preset or --config",
            weights.display()
        ),
    }
}

/// A weights path as PaddleClas writes `Global.pretrained_model`: without its `.pdparams`
/// extension. The path itself when it exists.
pub fn weights_path(path: &Path) -> PathBuf {
    let pdparams = path.with_extension("pdparams");
    if !path.exists() && path.extension().is_none() && pdparams.exists() {
        pdparams
    } else {
        path.to_path_buf()
    }
}
