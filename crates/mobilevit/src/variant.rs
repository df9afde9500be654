//! The three MobileViT v1 variants, as data.
//!
//! Every number here is from the reference configurations (ml-cvnets
//! `config/classification/mobilevit.py`, timm `mobilevit.py`, PaddleClas `mobilevit.py`);
//! see `docs/architecture.md` for the table and the sources.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// A MobileViT v1 size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// MobileViT-XXS, 1.27 M parameters.
    #[serde(rename = "MobileViT_XXS")]
    Xxs,
    /// MobileViT-XS, 2.32 M parameters.
    #[serde(rename = "MobileViT_XS")]
    Xs,
    /// MobileViT-S, 5.58 M parameters.
    #[serde(rename = "MobileViT_S")]
    S,
}

/// One stage of the network: a run of inverted residuals, optionally followed by a
/// MobileViT block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageSpec {
    /// Output channels of the stage (and of every block in it).
    pub channels: usize,
    /// Number of inverted residual (MobileNetV2) blocks.
    pub inverted_residuals: usize,
    /// Stride of the first inverted residual.
    pub stride: usize,
    /// The MobileViT block closing the stage, if any.
    pub transformer: Option<TransformerSpec>,
}

/// The global-representation part of a MobileViT block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransformerSpec {
    /// Token dimension `d`.
    pub dim: usize,
    /// Number of transformer layers `L`.
    pub depth: usize,
}

/// Everything that distinguishes one variant from another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariantSpec {
    /// Output channels of the 3x3 stride-2 stem.
    pub stem_channels: usize,
    /// The five stages.
    pub stages: [StageSpec; 5],
    /// Expansion ratio of every inverted residual.
    pub expansion: usize,
    /// Transformer dropout rate of the ml-cvnets recipe (after attention and after the MLP).
    pub transformer_dropout: f64,
}

/// Shared by all variants.
pub const PATCH_SIZE: usize = 2;
/// Attention heads in every transformer layer.
pub const NUM_HEADS: usize = 4;
/// MLP hidden width as a multiple of the token dimension.
pub const MLP_RATIO: usize = 2;
/// Channels of the 1x1 expansion before pooling, as a multiple of the last stage's channels.
pub const FINAL_EXPANSION: usize = 4;
/// Upper bound on the final expansion (ml-cvnets `min(4 * C5, 960)`).
pub const FINAL_CHANNELS_MAX: usize = 960;
/// Dropout before the classifier.
pub const CLASSIFIER_DROPOUT: f64 = 0.1;
/// ImageNet-1k.
pub const IMAGENET_CLASSES: usize = 1000;

const fn stage(
    channels: usize,
    inverted_residuals: usize,
    stride: usize,
    transformer: Option<(usize, usize)>,
) -> StageSpec {
    StageSpec {
        channels,
        inverted_residuals,
        stride,
        transformer: match transformer {
            Some((dim, depth)) => Some(TransformerSpec { dim, depth }),
            None => None,
        },
    }
}

const XXS: VariantSpec = VariantSpec {
    stem_channels: 16,
    stages: [
        stage(16, 1, 1, None),
        stage(24, 3, 2, None),
        stage(48, 1, 2, Some((64, 2))),
        stage(64, 1, 2, Some((80, 4))),
        stage(80, 1, 2, Some((96, 3))),
    ],
    expansion: 2,
    transformer_dropout: 0.05,
};

const XS: VariantSpec = VariantSpec {
    stem_channels: 16,
    stages: [
        stage(32, 1, 1, None),
        stage(48, 3, 2, None),
        stage(64, 1, 2, Some((96, 2))),
        stage(80, 1, 2, Some((120, 4))),
        stage(96, 1, 2, Some((144, 3))),
    ],
    expansion: 4,
    transformer_dropout: 0.1,
};

const S: VariantSpec = VariantSpec {
    stem_channels: 16,
    stages: [
        stage(32, 1, 1, None),
        stage(64, 3, 2, None),
        stage(96, 1, 2, Some((144, 2))),
        stage(128, 1, 2, Some((192, 4))),
        stage(160, 1, 2, Some((240, 3))),
    ],
    expansion: 4,
    transformer_dropout: 0.1,
};

impl Variant {
    /// All variants, smallest first.
    pub const ALL: [Variant; 3] = [Variant::Xxs, Variant::Xs, Variant::S];

    /// The architecture table of this variant.
    pub fn spec(self) -> &'static VariantSpec {
        match self {
            Variant::Xxs => &XXS,
            Variant::Xs => &XS,
            Variant::S => &S,
        }
    }

    /// PaddleClas name (`MobileViT_XXS`).
    pub fn paddle_name(self) -> &'static str {
        match self {
            Variant::Xxs => "MobileViT_XXS",
            Variant::Xs => "MobileViT_XS",
            Variant::S => "MobileViT_S",
        }
    }

    /// timm name (`mobilevit_xxs`).
    pub fn timm_name(self) -> &'static str {
        match self {
            Variant::Xxs => "mobilevit_xxs",
            Variant::Xs => "mobilevit_xs",
            Variant::S => "mobilevit_s",
        }
    }
}

impl Variant {
    /// The variant whose final 1x1 expansion maps `in_channels` to `out_channels`: the pair is
    /// different for each variant (80 -> 320, 96 -> 384, 160 -> 640), so it identifies weights.
    pub fn from_final_conv(out_channels: usize, in_channels: usize) -> Option<Variant> {
        Variant::ALL.into_iter().find(|variant| {
            let spec = variant.spec();
            spec.final_channels() == out_channels && spec.stages[4].channels == in_channels
        })
    }
}

impl VariantSpec {
    /// Channels of the 1x1 expansion after the last stage.
    pub fn final_channels(&self) -> usize {
        (FINAL_EXPANSION * self.stages[4].channels).min(FINAL_CHANNELS_MAX)
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.paddle_name())
    }
}

impl FromStr for Variant {
    type Err = ModelError;

    /// Accepts the PaddleClas form (`MobileViT_XXS`), the timm form (`mobilevit_xxs`) and the
    /// bare size (`xxs`), case-insensitively.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.trim().to_ascii_lowercase();
        let size = lower.strip_prefix("mobilevit_").unwrap_or(&lower);
        match size {
            "xxs" => Ok(Variant::Xxs),
            "xs" => Ok(Variant::Xs),
            "s" => Ok(Variant::S),
            _ => Err(ModelError::UnknownVariant(name.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_both_conventions_case_insensitively() {
        for variant in Variant::ALL {
            assert_eq!(variant.paddle_name().parse::<Variant>().unwrap(), variant);
            assert_eq!(variant.timm_name().parse::<Variant>().unwrap(), variant);
            let upper = variant.timm_name().to_uppercase();
            assert_eq!(upper.parse::<Variant>().unwrap(), variant);
        }
        assert_eq!("MobileViT_xXs".parse::<Variant>().unwrap(), Variant::Xxs);
        assert!("mobilevit_m".parse::<Variant>().is_err());
        assert!("mobilevitv2_050".parse::<Variant>().is_err());
    }

    #[test]
    fn final_expansion_matches_the_references() {
        let widths: Vec<_> = Variant::ALL
            .iter()
            .map(|v| v.spec().final_channels())
            .collect();
        assert_eq!(widths, [320, 384, 640]);
    }

    #[test]
    fn the_final_expansion_identifies_the_variant() {
        assert_eq!(Variant::from_final_conv(320, 80), Some(Variant::Xxs));
        assert_eq!(Variant::from_final_conv(384, 96), Some(Variant::Xs));
        assert_eq!(Variant::from_final_conv(640, 160), Some(Variant::S));
        assert_eq!(Variant::from_final_conv(640, 128), None);
    }
}
