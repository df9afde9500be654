//! Weights: what they are and expect ([`WeightsInfo`]), and loading them from a mobilevit-rs
//! checkpoint or, with the `convert` feature, from timm, HF transformers, ml-cvnets and
//! PaddleClas (and back to timm).
//!
//! Every foreign file goes the same way: read its float tensors (`readers`), rename them to
//! timm's names and layouts (`rename`), read the variant and class count off the shapes,
//! build the model with the options of the source, and fill it strictly.

#[cfg(feature = "convert")]
pub mod export;
#[cfg(feature = "convert")]
pub mod file;
pub mod format;
#[cfg(feature = "convert")]
pub mod pickle;
#[cfg(feature = "convert")]
pub mod readers;
#[cfg(feature = "convert")]
pub mod rename;
pub mod source;

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::Param;
use burn::tensor::Device;
use mobilevit_contract::{Preprocessing, Preset};
use serde::{Deserialize, Serialize};

#[cfg(feature = "convert")]
pub use file::{ConvertOptions, ConvertTarget, Converted, convert_file};
pub use format::FileFormat;
#[cfg(feature = "convert")]
pub use readers::{SourceTensor, StateDict};
pub use source::{ChannelOrder, Source};

use crate::error::WeightsError;
use crate::model::MobileVit;
use crate::variant::{Family, Variant};
use crate::weights::{Checkpoint, WEIGHTS_KEY, load_bpk, load_bpk_bytes};

/// What a model's weights are and expect of their input, carried in every checkpoint (and in
/// the metadata of the timm safetensors that `export` writes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StoredInfo")]
pub struct WeightsInfo {
    /// The reference whose release the weights were converted from; `None` for weights trained
    /// or fine-tuned by mobilevit-rs.
    pub source: Option<Source>,
    /// The eval preprocessing the weights expect. Its decode order is the channel order the
    /// stem expects: there is no second record of it.
    pub preprocessing: Preprocessing,
    /// The names of the classes, in label order, when the training data named them (class
    /// folders, a class map).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_names: Option<Vec<String>>,
}

impl WeightsInfo {
    /// The expectations of a source's released weights: its eval preset.
    pub fn of(source: Source, family: Family) -> Self {
        Self {
            source: Some(source),
            preprocessing: Preprocessing::preset(source.preset(family)),
            class_names: None,
        }
    }

    /// Weights trained by mobilevit-rs with `preprocessing` as their eval pipeline.
    pub fn trained(preprocessing: Preprocessing) -> Self {
        Self {
            source: None,
            preprocessing,
            class_names: None,
        }
    }

    /// The same, naming the classes.
    pub fn with_class_names(self, class_names: Option<Vec<String>>) -> Self {
        Self {
            class_names,
            ..self
        }
    }

    /// The channel order the stem expects.
    pub fn channel_order(&self) -> ChannelOrder {
        self.preprocessing.channel_order()
    }

    /// `timm`, `hf`, `cvnets`, `paddle`, or `mobilevit-rs` for weights trained here.
    pub fn source_name(&self) -> &'static str {
        self.source.map_or("mobilevit-rs", Source::name)
    }
}

/// The record as stored: today's, or the one written before the preprocessing was recorded
/// whole (source, channel order and a preset's name). Old checkpoints read as they meant:
/// the preset's pipeline, decoded in the recorded order.
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredInfo {
    Current {
        source: Option<Source>,
        preprocessing: Preprocessing,
        #[serde(default)]
        class_names: Option<Vec<String>>,
    },
    Legacy {
        source: String,
        channel_order: ChannelOrder,
        preset: String,
    },
}

impl TryFrom<StoredInfo> for WeightsInfo {
    type Error = String;

    fn try_from(stored: StoredInfo) -> Result<Self, Self::Error> {
        match stored {
            StoredInfo::Current {
                source,
                preprocessing,
                class_names,
            } => Ok(Self {
                source,
                preprocessing,
                class_names,
            }),
            StoredInfo::Legacy {
                source,
                channel_order,
                preset,
            } => {
                let preset: Preset = preset.parse()?;
                let mut preprocessing = Preprocessing::preset(preset);
                preprocessing.pipeline.order = channel_order;
                Ok(Self {
                    source: source.parse().ok(),
                    preprocessing,
                    class_names: None,
                })
            }
        }
    }
}

/// A model with its weights loaded, and what they expect.
#[derive(Debug)]
pub struct LoadedWeights {
    /// The model.
    pub model: MobileVit,
    /// Source and preprocessing; `None` for a checkpoint that does not say.
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
/// memory (with the `convert` feature).
pub fn load_weights(
    path: &Path,
    options: LoadOptions,
    device: &Device,
) -> Result<LoadedWeights, WeightsError> {
    let format = format::sniff(path)?;
    if format == FileFormat::Burnpack {
        return LoadedWeights::from_checkpoint(path, load_bpk(path, device)?, options);
    }
    load_foreign(path, format, options, device)
}

/// [`load_weights`] for a `.bpk` checkpoint held in memory (a file a web page fetched);
/// `name` names it in errors. Other formats must be converted first.
pub fn load_weights_bytes(
    bytes: Vec<u8>,
    name: &Path,
    options: LoadOptions,
    device: &Device,
) -> Result<LoadedWeights, WeightsError> {
    LoadedWeights::from_checkpoint(name, load_bpk_bytes(bytes, name, device)?, options)
}

impl LoadedWeights {
    /// A native checkpoint with its recorded [`WeightsInfo`], if it is the variant expected.
    fn from_checkpoint(
        path: &Path,
        checkpoint: Checkpoint,
        options: LoadOptions,
    ) -> Result<Self, WeightsError> {
        let Checkpoint { model, metadata } = checkpoint;
        check_variant(path, model.config.variant, options.expected)?;
        let info = recorded_info(path, &metadata)?;
        Ok(Self {
            model,
            info,
            metadata,
        })
    }
}

/// A file of another implementation, without the readers to convert it.
#[cfg(not(feature = "convert"))]
fn load_foreign(
    path: &Path,
    format: FileFormat,
    _options: LoadOptions,
    _device: &Device,
) -> Result<LoadedWeights, WeightsError> {
    Err(WeightsError::Format {
        path: path.to_path_buf(),
        message: format!(
            "a {format:?} file needs converting, and this build of the mobilevit crate has no \
             `convert` feature: convert it to .bpk with `mobilevit convert`, or enable the feature"
        ),
    })
}

/// A timm, HF, ml-cvnets or PaddleClas file, converted in memory.
#[cfg(feature = "convert")]
fn load_foreign(
    path: &Path,
    format: FileFormat,
    options: LoadOptions,
    device: &Device,
) -> Result<LoadedWeights, WeightsError> {
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
    let state = rename::to_timm(source, state).map_err(|message| WeightsError::Mismatch {
        path: path.to_path_buf(),
        message,
    })?;
    let model = build_from_timm(path, source, &state, options.expected, device)?;
    // timm safetensors written by `convert --to timm` say what they expect (BGR weights
    // exported without --to-rgb still expect BGR); a reference's own file is its preset's.
    let family = model.config.variant.family();
    let info =
        recorded_info(path, &state.metadata)?.unwrap_or_else(|| WeightsInfo::of(source, family));
    Ok(LoadedWeights {
        model,
        info: Some(info),
        metadata: state.metadata,
    })
}

/// The [`WeightsInfo`] a file's metadata records, if any.
fn recorded_info(
    path: &Path,
    metadata: &BTreeMap<String, String>,
) -> Result<Option<WeightsInfo>, WeightsError> {
    metadata
        .get(WEIGHTS_KEY)
        .map(|json| serde_json::from_str(json))
        .transpose()
        .map_err(|error| WeightsError::Metadata {
            path: path.to_path_buf(),
            message: format!("'{WEIGHTS_KEY}': {error}"),
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
#[cfg(feature = "convert")]
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
                "no tensor maps to timm's '{name}': not MobileViT weights from {source}?"
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

/// The variant timm-named weights are. The family: v1 and v3 on v1 have a final 1x1
/// expansion, v2 and v3 on v2 do not; v3 on v1 fuses with a 1x1 convolution (v1: 3x3), v3 on
/// v2 projects 2d channels (v2: d). Within a family, the stem's width, the classifier's
/// input and the transformer depths tell the variant.
#[cfg(feature = "convert")]
fn identify_variant(
    path: &Path,
    source: Source,
    state: &StateDict,
) -> Result<Variant, WeightsError> {
    let [stem, _, _, _] = shape_of::<4>(path, source, state, "stem.conv.weight")?;
    let [_, features] = shape_of::<2>(path, source, state, "head.fc.weight")?;
    let family = if state.tensors.contains_key("final_conv.conv.weight") {
        let [_, _, kernel, _] =
            shape_of::<4>(path, source, state, "stages.2.1.conv_fusion.conv.weight")?;
        if kernel == 1 {
            Family::V3OnV1
        } else {
            Family::V1
        }
    } else {
        let [_, projected, _, _] =
            shape_of::<4>(path, source, state, "stages.2.1.conv_proj.conv.weight")?;
        let [dim, _, _, _] = shape_of::<4>(path, source, state, "stages.2.1.conv_1x1.weight")?;
        if projected == 2 * dim {
            Family::V3OnV2
        } else {
            Family::V2
        }
    };
    let depths = [2, 3, 4].map(|stage| {
        (0..)
            .take_while(|layer| {
                let norm = format!("stages.{stage}.1.transformer.{layer}.norm1.weight");
                state.tensors.contains_key(&norm)
            })
            .count()
    });
    Variant::identify(family, stem, features, depths).ok_or_else(|| WeightsError::Mismatch {
        path: path.to_path_buf(),
        message: format!(
            "a {stem}-channel stem, a classifier on {features} features and {depths:?} \
             transformer layers: no MobileViT {family:?} variant (known: {})",
            Variant::ALL
                .iter()
                .filter(|variant| variant.family() == family)
                .map(|variant| {
                    let spec = variant.spec();
                    format!(
                        "{variant} {} -> {}, {:?}",
                        spec.stem_channels,
                        spec.features(),
                        spec.depths()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
    })
}

#[cfg(feature = "convert")]
fn build_from_timm(
    path: &Path,
    source: Source,
    state: &StateDict,
    expected: Option<Variant>,
    device: &Device,
) -> Result<MobileVit, WeightsError> {
    let variant = identify_variant(path, source, state)?;
    check_variant(path, variant, expected)?;
    // PyTorch layout: [num_classes, features].
    let [num_classes, _] = shape_of::<2>(path, source, state, "head.fc.weight")?;
    let mut model = source.model_config(variant, num_classes).init(device)?;
    use burn::tensor::Shape;
    use burn_store::burn_pack::{Bytes, DType, Tensor as PackTensor};
    use burn_store::{ModuleSnapshot, PyTorchToBurnAdapter};

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
    crate::weights::ensure_complete(path, &result, &[])?;
    Ok(model)
}

/// Permutes the stem's input channels (BGR <-> RGB), so that BGR-trained weights take RGB
/// images, and updates the record: the same pipeline, decoded in the other order, gives the
/// same logits.
pub fn swap_input_channels(model: MobileVit, info: &mut WeightsInfo) -> MobileVit {
    let mut model = model;
    let weight = model.stem.conv.weight;
    model.stem.conv.weight = Param::map(weight, |w| w.flip([1]));
    info.preprocessing = info.preprocessing.clone().with_swapped_channels();
    model
}
