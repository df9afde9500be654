//! Training checkpoints: everything needed to resume, written atomically.
//!
//! A checkpoint is a folder holding `model.bpk`, `ema.bpk` (with EMA), `optimizer.bpk` and
//! `state.json`. It is written into a temporary sibling and renamed into place, so a crash
//! leaves either the previous checkpoint or the new one.

use std::path::{Path, PathBuf};

use burn::optim::ModuleOptimizer;
use burn::tensor::Device;
use mobilevit::weights::{load_bpk, save_bpk};
use mobilevit::{MobileVit, WeightsInfo};
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epoch in progress (0-based).
    pub epoch: usize,
    /// Micro-batches of that epoch already consumed.
    pub batches_done: usize,
    /// Optimizer steps taken in the whole run.
    pub global_step: usize,
    /// Best evaluation top-1 so far, and its epoch (1-based).
    pub best: Option<(f64, usize)>,
    /// The seed everything random is derived from.
    pub seed: u64,
}

/// A checkpoint, read back.
pub struct Resumed {
    /// The model.
    pub model: MobileVit,
    /// The EMA model.
    pub ema: Option<MobileVit>,
    /// The optimizer file, for [`ModuleOptimizer::load`].
    pub optimizer_file: PathBuf,
    /// Where the run is.
    pub state: TrainState,
}

/// Writes a checkpoint folder at `dir`, atomically.
pub fn save(
    dir: &Path,
    model: &MobileVit,
    ema: Option<&MobileVit>,
    info: Option<&WeightsInfo>,
    optimizer: &ModuleOptimizer,
    state: &TrainState,
) -> Result<(), TrainError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    let temporary = dir.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let old = dir.with_file_name(format!(".{name}.{}.old", std::process::id()));
    let _ = std::fs::remove_dir_all(&temporary);
    std::fs::create_dir_all(&temporary).map_err(|error| TrainError::io(&temporary, error))?;
    let write = || -> Result<(), TrainError> {
        save_bpk(model, info, &temporary.join("model.bpk"))?;
        if let Some(ema) = ema {
            save_bpk(ema, info, &temporary.join("ema.bpk"))?;
        }
        let optimizer_path = temporary.join("optimizer.bpk");
        optimizer
            .save(&optimizer_path)
            .map_err(|error| TrainError::io(&optimizer_path, format!("{error:?}")))?;
        let json = serde_json::to_string_pretty(state)
            .map_err(|error| TrainError::io(&temporary, error))?;
        std::fs::write(temporary.join("state.json"), json)
            .map_err(|error| TrainError::io(&temporary, error))
    };
    if let Err(error) = write() {
        let _ = std::fs::remove_dir_all(&temporary);
        return Err(error);
    }
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|error| TrainError::io(dir, error))?;
    }
    std::fs::rename(&temporary, dir).map_err(|error| TrainError::io(dir, error))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Reads a checkpoint folder.
pub fn load(dir: &Path, device: &Device) -> Result<Resumed, TrainError> {
    let state_path = dir.join("state.json");
    let text =
        std::fs::read_to_string(&state_path).map_err(|error| TrainError::io(&state_path, error))?;
    let state: TrainState =
        serde_json::from_str(&text).map_err(|error| TrainError::io(&state_path, error))?;
    let model = load_bpk(&dir.join("model.bpk"), device)?.model;
    let ema_path = dir.join("ema.bpk");
    let ema = if ema_path.exists() {
        Some(load_bpk(&ema_path, device)?.model)
    } else {
        None
    };
    Ok(Resumed {
        model,
        ema,
        optimizer_file: dir.join("optimizer.bpk"),
        state,
    })
}
