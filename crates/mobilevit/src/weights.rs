//! Saving and loading weights: the native burnpack checkpoint (`.bpk`) and timm-named
//! safetensors.
//!
//! Loading is strict: every model tensor must be filled, every file tensor used (BatchNorm's
//! `num_batches_tracked` aside), every shape equal. A failure lists the offending keys.

use std::collections::BTreeMap;
use std::path::Path;

use burn::tensor::Device;
use burn_store::burn_pack::{Reader, Writer};
use burn_store::{
    ApplyResult, ModuleSnapshot, ModuleStore, PyTorchToBurnAdapter, SafetensorsStore,
};

use crate::error::WeightsError;
use crate::model::{MobileVit, MobileVitConfig};
use crate::variant::Variant;

/// Metadata key holding the model configuration as JSON.
pub const CONFIG_KEY: &str = "mobilevit.config";
/// Metadata key naming where the weights came from.
pub const SOURCE_KEY: &str = "mobilevit.source";

/// Writes `model` to `path` as a burnpack file, atomically (a temporary file renamed into
/// place), with its configuration and `metadata` in the header.
pub fn save_bpk(
    model: &MobileVit,
    path: &Path,
    metadata: &BTreeMap<String, String>,
) -> Result<(), WeightsError> {
    let config = serde_json::to_string(&model.config).map_err(|error| WeightsError::Io {
        path: path.to_path_buf(),
        message: format!("cannot serialise the model configuration: {error}"),
    })?;
    let mut writer = Writer::new(model.collect(None, None, false))
        .with_metadata(CONFIG_KEY, &config)
        .auto_extension(false)
        .overwrite(true);
    for (key, value) in metadata {
        writer = writer.with_metadata(key, value);
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
    serde_json::from_str(json).map_err(|error| WeightsError::Metadata {
        path: path.to_path_buf(),
        message: format!("'{CONFIG_KEY}': {error}"),
    })
}

/// Tensors of PyTorch checkpoints that have no counterpart in the model.
const IGNORED_SOURCE_SUFFIXES: &[&str] = &["num_batches_tracked"];

/// Loads timm-named weights (`timm.create_model('mobilevit_*').state_dict()` saved as
/// safetensors). The variant and the class count are read from the file; `expected`, when
/// given, must agree with it.
pub fn load_timm_safetensors(
    path: &Path,
    expected: Option<Variant>,
    device: &Device,
) -> Result<MobileVit, WeightsError> {
    if !path.is_file() {
        return Err(WeightsError::Io {
            path: path.to_path_buf(),
            message: "no such file".into(),
        });
    }
    let mut store = SafetensorsStore::from_file(path)
        .with_from_adapter(PyTorchToBurnAdapter)
        .skip_enum_variants(true)
        .allow_partial(true)
        .validate(false);
    let [final_out, final_in, _, _] = torch_shape::<4>(path, &mut store, "final_conv.conv.weight")?;
    let variant =
        Variant::from_final_conv(final_out, final_in).ok_or_else(|| WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!(
                "'final_conv.conv.weight' maps {final_in} to {final_out} channels, which is no \
                 MobileViT v1 variant (XXS 80 -> 320, XS 96 -> 384, S 160 -> 640)"
            ),
        })?;
    if let Some(expected) = expected.filter(|expected| *expected != variant) {
        return Err(WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!("the file holds {variant} weights, not {expected}"),
        });
    }
    // PyTorch layout: [num_classes, features].
    let [num_classes, _] = torch_shape::<2>(path, &mut store, "head.fc.weight")?;
    let mut model = MobileVitConfig::imagenet(variant)
        .with_num_classes(num_classes)
        .init(device)?;
    let result = model
        .load_from(&mut store)
        .map_err(|error| WeightsError::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
    ensure_complete(path, &result, IGNORED_SOURCE_SUFFIXES)?;
    Ok(model)
}

/// The shape of tensor `name` of the file, which must have rank `D`.
fn torch_shape<const D: usize>(
    path: &Path,
    store: &mut SafetensorsStore,
    name: &str,
) -> Result<[usize; D], WeightsError> {
    let tensor = store
        .get_tensor(name)
        .map_err(|error| WeightsError::Io {
            path: path.to_path_buf(),
            message: format!("not a readable safetensors file: {error}"),
        })?
        .ok_or_else(|| WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!("no '{name}': not timm MobileViT weights"),
        })?;
    let dims = tensor.shape.as_slice().to_vec();
    dims.clone().try_into().map_err(|_| WeightsError::Mismatch {
        path: path.to_path_buf(),
        message: format!("'{name}' has shape {dims:?}, expected rank {D}"),
    })
}

/// Fails unless every model tensor was filled from the file and every file tensor was used.
fn ensure_complete(
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
