//! The native checkpoint: a burnpack file (`.bpk`) whose header holds the model configuration
//! and what the weights expect of their input. Foreign formats are in [`crate::convert`].
//!
//! Loading is strict: every model tensor must be filled, every file tensor used, every shape
//! equal. A failure lists the offending keys.

use std::collections::BTreeMap;
use std::path::Path;

use burn::tensor::Device;
use burn_store::burn_pack::{Bytes, Reader, Writer};
use burn_store::{ApplyResult, ModuleSnapshot};

use crate::convert::WeightsInfo;
use crate::error::WeightsError;
use crate::model::{MobileVit, MobileVitConfig};

/// Metadata key holding the model configuration as JSON.
pub const CONFIG_KEY: &str = "mobilevit.config";
/// Metadata key holding [`WeightsInfo`] as JSON.
pub const WEIGHTS_KEY: &str = "mobilevit.weights";

/// Writes `model` to `path` as a burnpack file, atomically (a temporary file renamed into
/// place), with its configuration and `info` in the header.
pub fn save_bpk(
    model: &MobileVit,
    info: Option<&WeightsInfo>,
    path: &Path,
) -> Result<(), WeightsError> {
    if model.is_folded() {
        return Err(WeightsError::Io {
            path: path.to_path_buf(),
            message: "this model has its batch norms folded for inference; save the model as \
                      loaded or trained (checkpoints keep batch norms, as the references do)"
                .to_string(),
        });
    }
    let json = |value: Result<String, serde_json::Error>| {
        value.map_err(|error| WeightsError::Io {
            path: path.to_path_buf(),
            message: format!("cannot serialise the checkpoint header: {error}"),
        })
    };
    let mut writer = Writer::new(model.collect(None, None, false))
        .with_metadata(CONFIG_KEY, &json(serde_json::to_string(&model.config))?)
        .auto_extension(false)
        .overwrite(true);
    if let Some(info) = info {
        writer = writer.with_metadata(WEIGHTS_KEY, &json(serde_json::to_string(info))?);
    }
    writer
        .write_to_file(path)
        .map_err(|error| WeightsError::Io {
            path: path.to_path_buf(),
            message: format!("cannot write checkpoint: {error}"),
        })
}

/// A native checkpoint, read: the model and the header metadata.
#[derive(Debug)]
pub struct Checkpoint {
    /// The model, weights loaded.
    pub model: MobileVit,
    /// Header metadata (the configuration included).
    pub metadata: BTreeMap<String, String>,
}

/// Reads a `.bpk` checkpoint written by [`save_bpk`]: the configuration comes from its
/// header, so no model name is needed.
pub fn load_bpk(path: &Path, device: &Device) -> Result<Checkpoint, WeightsError> {
    let reader = Reader::from_file_exact(path).map_err(|error| WeightsError::Io {
        path: path.to_path_buf(),
        message: format!("not a readable burnpack checkpoint: {error}"),
    })?;
    read_checkpoint(path, reader, device)
}

/// [`load_bpk`] for a checkpoint held in memory (a file a web page fetched); `name` names it
/// in errors.
pub fn load_bpk_bytes(
    bytes: Vec<u8>,
    name: &Path,
    device: &Device,
) -> Result<Checkpoint, WeightsError> {
    let reader =
        Reader::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|error| WeightsError::Format {
            path: name.to_path_buf(),
            message: format!(
                "not a burnpack checkpoint ({error}); weights held in memory must be .bpk: \
                 convert them with `mobilevit convert`"
            ),
        })?;
    read_checkpoint(name, reader, device)
}

/// The model a burnpack reader holds, configured by its header.
fn read_checkpoint(
    path: &Path,
    reader: Reader,
    device: &Device,
) -> Result<Checkpoint, WeightsError> {
    let metadata = reader.metadata().clone();
    let config = config_from_metadata(path, &metadata)?;
    let mut model = config.init(device)?;
    let tensors = reader.into_tensors().map_err(|error| WeightsError::Io {
        path: path.to_path_buf(),
        message: format!("cannot read tensors: {error}"),
    })?;
    let result = model.apply(tensors, None, None, false);
    ensure_complete(path, &result, &[])?;
    Ok(Checkpoint { model, metadata })
}

fn config_from_metadata(
    path: &Path,
    metadata: &BTreeMap<String, String>,
) -> Result<MobileVitConfig, WeightsError> {
    let json = metadata
        .get(CONFIG_KEY)
        .ok_or_else(|| WeightsError::Metadata {
            path: path.to_path_buf(),
            message: format!("no '{CONFIG_KEY}' entry: not a mobilevit-rs checkpoint"),
        })?;
    let metadata_error = |error: serde_json::Error| WeightsError::Metadata {
        path: path.to_path_buf(),
        message: format!("'{CONFIG_KEY}': {error}"),
    };
    let mut value: serde_json::Value = serde_json::from_str(json).map_err(metadata_error)?;
    // Options added since a checkpoint was written take their defaults.
    if let Some(fields) = value.as_object_mut() {
        fields
            .entry("unbiased_running_var")
            .or_insert(serde_json::Value::Bool(false));
        fields
            .entry("unfold_remainder")
            .or_insert(serde_json::Value::from("interpolate"));
    }
    serde_json::from_value(value).map_err(metadata_error)
}

/// Fails unless every model tensor was filled from the file and every file tensor was used.
pub(crate) fn ensure_complete(
    path: &Path,
    result: &ApplyResult,
    ignored_suffixes: &[&str],
) -> Result<(), WeightsError> {
    let unused: Vec<&String> = result
        .unused
        .iter()
        .filter(|name| !ignored_suffixes.iter().any(|suffix| name.ends_with(suffix)))
        .collect();
    let mut problems = Vec::new();
    if !result.errors.is_empty() {
        let errors: Vec<String> = result.errors.iter().map(ToString::to_string).collect();
        problems.push(format!(
            "{} wrong tensors: {}",
            errors.len(),
            errors.join("; ")
        ));
    }
    if !result.missing.is_empty() {
        let missing: Vec<&str> = result
            .missing
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        problems.push(format!(
            "{} model tensors missing from the file: {}",
            missing.len(),
            abbreviate(&missing)
        ));
    }
    if !unused.is_empty() {
        let unused: Vec<&str> = unused.iter().map(|name| name.as_str()).collect();
        problems.push(format!(
            "{} file tensors the model does not have: {}",
            unused.len(),
            abbreviate(&unused)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: problems.join("\n"),
        })
    }
}

fn abbreviate(names: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut text = names[..names.len().min(SHOWN)].join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(", ... ({} more)", names.len() - SHOWN));
    }
    text
}

/// Writes a file through `write` into a temporary sibling, then renames it into place, so that
/// `path` is either the complete new file or untouched.
#[cfg(any(feature = "convert", feature = "onnx"))]
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), WeightsError> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = write(&temporary)
        .and_then(|()| std::fs::rename(&temporary, path).map_err(|error| error.to_string()));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map_err(|message| WeightsError::Io {
        path: path.to_path_buf(),
        message: format!("cannot write: {message}"),
    })
}
