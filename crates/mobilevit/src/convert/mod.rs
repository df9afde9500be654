//! Weights from timm, HF transformers, ml-cvnets and PaddleClas, and back to timm.
//!
//! Every foreign file goes the same way: read its float tensors ([`readers`]), rename them to
//! timm's names and layouts ([`source`]), read the variant and class count off the shapes,
//! build the model with the options of the source, and fill it strictly.

pub mod export;
pub mod pickle;
pub mod readers;
pub mod source;

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::Param;
use burn::tensor::{Device, Shape};
use burn_store::burn_pack::{Bytes, DType, Tensor as PackTensor};
use burn_store::{ModuleSnapshot, PyTorchToBurnAdapter};
use serde::{Deserialize, Serialize};

pub use readers::{FileFormat, SourceTensor, StateDict};
pub use source::{ChannelOrder, Source};

use crate::error::WeightsError;
use crate::model::MobileVit;
use crate::variant::Variant;
use crate::weights::{Checkpoint, WEIGHTS_KEY, ensure_complete, load_bpk};

/// What a model's weights expect of their input, carried in every checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightsInfo {
    /// Where the weights came from: `timm`, `hf`, `cvnets`, `paddle`, or `mobilevit-rs`.
    pub source: String,
    /// The channel order the stem expects.
    pub channel_order: ChannelOrder,
    /// The eval preprocessing preset of the source (`timm`, `hf`, `cvnets`, `paddle`).
    pub preset: String,
}

impl WeightsInfo {
    /// The expectations of a source's weights.
    pub fn of(source: Source) -> Self {
        Self {
            source: source.name().to_string(),
            channel_order: source.channel_order(),
            preset: source.name().to_string(),
        }
    }
}

/// A model with its weights loaded, and what they expect.
#[derive(Debug)]
pub struct LoadedWeights {
    /// The model.
    pub model: MobileVit,
    /// Source, channel order and preset; `None` for a checkpoint that does not say.
    pub info: Option<WeightsInfo>,
    /// Header metadata of a native checkpoint.
    pub metadata: BTreeMap<String, String>,
}

/// How to read a weights file.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// The source, instead of telling it from the key names.
    pub from: Option<Source>,
    /// The variant the caller expects; another one is an error.
    pub expected: Option<Variant>,
}

/// Loads any supported weights file: a `.bpk` checkpoint as it is, anything else converted in
/// memory.
pub fn load_weights(
    path: &Path,
    options: LoadOptions,
    device: &Device,
) -> Result<LoadedWeights, WeightsError> {
    let format = readers::sniff(path)?;
    if format == FileFormat::Burnpack {
        let Checkpoint { model, metadata } = load_bpk(path, device)?;
        check_variant(path, model.config.variant, options.expected)?;
        let info = metadata
            .get(WEIGHTS_KEY)
            .map(|json| serde_json::from_str(json))
            .transpose()
            .map_err(|error| WeightsError::Metadata {
                path: path.to_path_buf(),
                message: format!("'{WEIGHTS_KEY}': {error}"),
            })?;
        return Ok(LoadedWeights {
            model,
            info,
            metadata,
        });
    }
    let state = readers::read_state_dict(path, format)?;
    let source = match options.from {
        Some(source) => source,
        None => Source::detect(&state).ok_or_else(|| WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: "cannot tell where these weights come from: none of stem.conv.weight \
                      (timm), mobilevit.conv_stem.convolution.weight (HF), \
                      conv_1.block.conv.weight (ml-cvnets) or conv3x3.conv.weight (PaddleClas) \
                      is in the file; name the source with --from"
                .into(),
        })?,
    };
    let state = source::to_timm(source, state).map_err(|message| WeightsError::Mismatch {
        path: path.to_path_buf(),
        message,
    })?;
    let model = build_from_timm(path, source, &state, options.expected, device)?;
    Ok(LoadedWeights {
        model,
        info: Some(WeightsInfo::of(source)),
        metadata: BTreeMap::new(),
    })
}

fn check_variant(
    path: &Path,
    variant: Variant,
    expected: Option<Variant>,
) -> Result<(), WeightsError> {
    match expected {
        Some(expected) if expected != variant => Err(WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!("the file holds {variant} weights, not {expected}"),
        }),
        _ => Ok(()),
    }
}

/// The shape of a timm-named tensor, which must have rank `D`.
fn shape_of<const D: usize>(
    path: &Path,
    source: Source,
    state: &StateDict,
    name: &str,
) -> Result<[usize; D], WeightsError> {
    let tensor = state
        .tensors
        .get(name)
        .ok_or_else(|| WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!(
                "no tensor maps to timm's '{name}': not MobileViT v1 weights from {source}?"
            ),
        })?;
    tensor
        .shape
        .clone()
        .try_into()
        .map_err(|shape| WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!("'{name}' has shape {shape:?}, expected rank {D}"),
        })
}

fn build_from_timm(
    path: &Path,
    source: Source,
    state: &StateDict,
    expected: Option<Variant>,
    device: &Device,
) -> Result<MobileVit, WeightsError> {
    let [final_out, final_in, _, _] = shape_of::<4>(path, source, state, "final_conv.conv.weight")?;
    let variant =
        Variant::from_final_conv(final_out, final_in).ok_or_else(|| WeightsError::Mismatch {
            path: path.to_path_buf(),
            message: format!(
                "the final 1x1 convolution maps {final_in} to {final_out} channels, which is \
                 no MobileViT v1 variant (XXS 80 -> 320, XS 96 -> 384, S 160 -> 640)"
            ),
        })?;
    check_variant(path, variant, expected)?;
    // PyTorch layout: [num_classes, features].
    let [num_classes, _] = shape_of::<2>(path, source, state, "head.fc.weight")?;
    let mut model = source.model_config(variant, num_classes).init(device)?;
    let tensors = state
        .tensors
        .iter()
        .map(|(name, tensor)| {
            PackTensor::new(
                name.clone(),
                DType::F32,
                Shape::from(tensor.shape.clone()),
                None,
                Bytes::from_elems(tensor.values.clone()),
            )
        })
        .collect();
    let result = model.apply(tensors, None, Some(Box::new(PyTorchToBurnAdapter)), true);
    ensure_complete(path, &result, &[])?;
    Ok(model)
}

/// Permutes the stem's input channels (BGR <-> RGB), so that BGR-trained weights take RGB
/// images; returns the new channel order.
pub fn swap_input_channels(model: MobileVit, info: &mut WeightsInfo) -> MobileVit {
    let mut model = model;
    let weight = model.stem.conv.weight;
    model.stem.conv.weight = Param::map(weight, |w| w.flip([1]));
    info.channel_order = match info.channel_order {
        ChannelOrder::Bgr => ChannelOrder::Rgb,
        ChannelOrder::Rgb => ChannelOrder::Bgr,
    };
    model
}
