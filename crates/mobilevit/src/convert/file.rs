//! One weights file to another: any source to a mobilevit-rs checkpoint, or to timm-named
//! safetensors (what `mobilevit convert` and the Python engine's `convert` do).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use burn::tensor::Device;

use super::export::save_timm_safetensors;
use super::swap_input_channels;
use super::{ChannelOrder, LoadOptions, LoadedWeights, Source, WeightsInfo, load_weights};
use crate::error::WeightsError;
use crate::model::MobileVitConfig;
use crate::variant::Variant;
use crate::weights::save_bpk;

/// The format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConvertTarget {
    /// A mobilevit-rs checkpoint (`.bpk`).
    #[default]
    Bpk,
    /// timm-named safetensors.
    Timm,
}

impl FromStr for ConvertTarget {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "bpk" => Ok(Self::Bpk),
            "timm" => Ok(Self::Timm),
            _ => Err(format!("unknown target '{text}': expected bpk or timm")),
        }
    }
}

impl fmt::Display for ConvertTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bpk => "bpk",
            Self::Timm => "timm",
        })
    }
}

/// How to convert.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConvertOptions {
    /// The source, instead of telling it from the key names.
    pub from: Option<Source>,
    /// The variant the weights must be.
    pub expected: Option<Variant>,
    /// Permute the stem's input channels so that BGR-trained weights take RGB images.
    pub to_rgb: bool,
    /// What to write.
    pub target: ConvertTarget,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The model the weights build.
    pub config: MobileVitConfig,
    /// Source and preprocessing, when known.
    pub info: Option<WeightsInfo>,
    /// What a reader of the output should know (timm will treat these weights differently).
    pub notices: Vec<String>,
}

impl Converted {
    /// One line: variant, classes, source, channel order and the model options.
    pub fn summary(&self) -> String {
        let (source, order) = self
            .info
            .as_ref()
            .map(|info| (info.source_name(), info.channel_order().to_string()))
            .unwrap_or(("unknown", "unknown".into()));
        format!(
            "{}, {} classes, from {source}, expects {order} input, fold-back {:?}, final \
             LayerNorm eps {:e}",
            self.config.variant,
            self.config.num_classes,
            self.config.fold_resize,
            self.config.final_norm_eps,
        )
    }
}

/// Reads `input` (any supported format) and writes it to `output` as `options.target`.
pub fn convert_file(
    input: &Path,
    output: &Path,
    options: ConvertOptions,
    device: &Device,
) -> Result<Converted, WeightsError> {
    if input == output {
        return Err(WeightsError::Io {
            path: output.to_path_buf(),
            message: "the output would overwrite the input".into(),
        });
    }
    let load = LoadOptions {
        from: options.from,
        expected: options.expected,
    };
    let LoadedWeights {
        mut model,
        mut info,
        ..
    } = load_weights(input, load, device)?;
    if options.to_rgb {
        let Some(current) = info.as_mut() else {
            return Err(WeightsError::Metadata {
                path: input.to_path_buf(),
                message: "the checkpoint does not say which channel order it expects, so \
                          to-rgb cannot tell whether to swap"
                    .into(),
            });
        };
        if current.channel_order() == ChannelOrder::Rgb {
            return Err(WeightsError::Mismatch {
                path: input.to_path_buf(),
                message: "these weights already take RGB".into(),
            });
        }
        model = swap_input_channels(model, current);
    }
    let mut notices = Vec::new();
    match options.target {
        ConvertTarget::Bpk => save_bpk(&model, info.as_ref(), output)?,
        ConvertTarget::Timm => {
            notices = timm_differences(&model.config, info.as_ref());
            save_timm_safetensors(&model, info.as_ref(), output)?
        }
    }
    Ok(Converted {
        config: model.config,
        info,
        notices,
    })
}

/// What timm will do differently with these weights.
fn timm_differences(config: &MobileVitConfig, info: Option<&WeightsInfo>) -> Vec<String> {
    let mut notices = Vec::new();
    if info.is_some_and(|info| info.channel_order() == ChannelOrder::Bgr) {
        notices.push(
            "these weights expect BGR input, and timm feeds RGB; add --to-rgb to swap the \
             stem's input channels"
                .to_string(),
        );
    }
    let timm = MobileVitConfig::imagenet(config.variant);
    if config.fold_resize != timm.fold_resize || config.final_norm_eps != timm.final_norm_eps {
        notices.push(format!(
            "timm resizes folded maps bilinearly with a final LayerNorm eps of 1e-5, where \
             these weights were made for {:?} and {:e}: outputs agree only at sizes whose \
             stage maps are even (e.g. 256x256)",
            config.fold_resize, config.final_norm_eps
        ));
    }
    notices
}
