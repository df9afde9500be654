//! The MobileViT variants, as data: v1 (XXS, XS, S), v2 (seven widths) and PaddleClas's v3
//! (six on v1's blocks, three on v2's).
//!
//! Every number here is from the reference configurations (ml-cvnets
//! `config/classification/mobilevit.py` and `mobilevit_v2.py`, timm `mobilevit.py`, HF
//! `MobileViTV2Config`, PaddleClas `mobilevit.py` and `mobilevit_v2.py`); see
//! `docs/architecture.md` for the tables and the sources.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// A MobileViT architecture: v1 by size, v2 by width multiplier.
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
    /// MobileViTv2 width 0.5, 1.37 M parameters.
    #[serde(rename = "MobileViTV2_x0_5")]
    V2x050,
    /// MobileViTv2 width 0.75, 2.87 M parameters.
    #[serde(rename = "MobileViTV2_x0_75")]
    V2x075,
    /// MobileViTv2 width 1.0, 4.90 M parameters.
    #[serde(rename = "MobileViTV2_x1_0")]
    V2x100,
    /// MobileViTv2 width 1.25, 7.48 M parameters.
    #[serde(rename = "MobileViTV2_x1_25")]
    V2x125,
    /// MobileViTv2 width 1.5, 10.59 M parameters.
    #[serde(rename = "MobileViTV2_x1_5")]
    V2x150,
    /// MobileViTv2 width 1.75, 14.25 M parameters.
    #[serde(rename = "MobileViTV2_x1_75")]
    V2x175,
    /// MobileViTv2 width 2.0, 18.45 M parameters.
    #[serde(rename = "MobileViTV2_x2_0")]
    V2x200,
    /// MobileViTv3-XXS (on v1's blocks), 1.25 M parameters.
    #[serde(rename = "MobileViTV3_XXS")]
    V3Xxs,
    /// MobileViTv3-XS, 2.49 M parameters.
    #[serde(rename = "MobileViTV3_XS")]
    V3Xs,
    /// MobileViTv3-S, 5.76 M parameters.
    #[serde(rename = "MobileViTV3_S")]
    V3S,
    /// MobileViTv3-XXS with two transformer layers in stage 4, 1.15 M parameters.
    #[serde(rename = "MobileViTV3_XXS_L2")]
    V3XxsL2,
    /// MobileViTv3-XS with two transformer layers in stage 4, 2.26 M parameters.
    #[serde(rename = "MobileViTV3_XS_L2")]
    V3XsL2,
    /// MobileViTv3-S with two transformer layers in stage 4, 5.17 M parameters.
    #[serde(rename = "MobileViTV3_S_L2")]
    V3SL2,
    /// MobileViTv3 on v2's blocks, width 0.5, 1.43 M parameters.
    #[serde(rename = "MobileViTV3_x0_5")]
    V3x050,
    /// MobileViTv3 on v2's blocks, width 0.75, 3.00 M parameters.
    #[serde(rename = "MobileViTV3_x0_75")]
    V3x075,
    /// MobileViTv3 on v2's blocks, width 1.0, 5.14 M parameters.
    #[serde(rename = "MobileViTV3_x1_0")]
    V3x100,
}

/// The generation of a variant: which global-representation block its stages end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// MobileViT (v1): multi-head self-attention over unfolded patches, LayerNorm, and a 3x3
    /// fusion of the block's input with its output.
    V1,
    /// MobileViTv2: separable linear self-attention, `GroupNorm(1)`, a depthwise local
    /// convolution and no fusion.
    V2,
    /// MobileViTv3 on v1's blocks: a depthwise local convolution, a 1x1 fusion of the local
    /// features with the global ones, and the block's input added.
    V3OnV1,
    /// MobileViTv3 on v2's blocks: the projection fuses the global features with the local
    /// ones, and the block's input is added.
    V3OnV2,
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
    /// Which block closes stages 3 to 5.
    pub family: Family,
    /// Output channels of the 3x3 stride-2 stem.
    pub stem_channels: usize,
    /// The five stages.
    pub stages: [StageSpec; 5],
    /// Expansion ratio of every inverted residual (of its input channels).
    pub expansion: usize,
    /// Transformer dropout of the reference recipe (v1: after attention and after the MLP).
    pub transformer_dropout: f64,
    /// Channels of the 1x1 expansion after the last stage (v1 only).
    pub final_channels: Option<usize>,
    /// Dropout before the classifier.
    pub classifier_dropout: f64,
}

/// Shared by all variants.
pub const PATCH_SIZE: usize = 2;
/// Attention heads in every v1 transformer layer.
pub const NUM_HEADS: usize = 4;
/// MLP hidden width as a multiple of the token dimension (v1 and v2).
pub const MLP_RATIO: usize = 2;
/// Channels of the v1 1x1 expansion before pooling, as a multiple of the last stage's.
pub const FINAL_EXPANSION: usize = 4;
/// Upper bound on the v1 final expansion (ml-cvnets `min(4 * C5, 960)`).
pub const FINAL_CHANNELS_MAX: usize = 960;
/// Dropout before the v1 classifier.
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

/// A variant of v1's layout (v1, v3 on v1): its stem is 16 channels, its final 1x1 expansion
/// `min(4 * C5, 960)`.
const fn v1(
    family: Family,
    stages: [StageSpec; 5],
    expansion: usize,
    transformer_dropout: f64,
) -> VariantSpec {
    let last = stages[4].channels * FINAL_EXPANSION;
    VariantSpec {
        family,
        stem_channels: 16,
        stages,
        expansion,
        transformer_dropout,
        final_channels: Some(if last < FINAL_CHANNELS_MAX {
            last
        } else {
            FINAL_CHANNELS_MAX
        }),
        classifier_dropout: CLASSIFIER_DROPOUT,
    }
}

const XXS: VariantSpec = v1(
    Family::V1,
    [
        stage(16, 1, 1, None),
        stage(24, 3, 2, None),
        stage(48, 1, 2, Some((64, 2))),
        stage(64, 1, 2, Some((80, 4))),
        stage(80, 1, 2, Some((96, 3))),
    ],
    2,
    0.05,
);

const XS: VariantSpec = v1(
    Family::V1,
    [
        stage(32, 1, 1, None),
        stage(48, 3, 2, None),
        stage(64, 1, 2, Some((96, 2))),
        stage(80, 1, 2, Some((120, 4))),
        stage(96, 1, 2, Some((144, 3))),
    ],
    4,
    0.1,
);

const S: VariantSpec = v1(
    Family::V1,
    [
        stage(32, 1, 1, None),
        stage(64, 3, 2, None),
        stage(96, 1, 2, Some((144, 2))),
        stage(128, 1, 2, Some((192, 4))),
        stage(160, 1, 2, Some((240, 3))),
    ],
    4,
    0.1,
);

/// A v2 width: stem, the five stages' channels and the three attention dimensions, as the
/// references compute them (`make_divisible` of `32w`, `64w`, `128w`, `256w`, `384w`, `512w`
/// and `128w`, `192w`, `256w`; the seven official widths agree in timm, HF and PaddleClas).
/// Two inverted residuals in stage 2, 2 / 4 / 3 transformer layers, expansion 2, no final
/// expansion, no dropout.
const fn v2(family: Family, stem: usize, channels: [usize; 5], dims: [usize; 3]) -> VariantSpec {
    VariantSpec {
        family,
        stem_channels: stem,
        stages: [
            stage(channels[0], 1, 1, None),
            stage(channels[1], 2, 2, None),
            stage(channels[2], 1, 2, Some((dims[0], 2))),
            stage(channels[3], 1, 2, Some((dims[1], 4))),
            stage(channels[4], 1, 2, Some((dims[2], 3))),
        ],
        expansion: 2,
        transformer_dropout: 0.0,
        final_channels: None,
        classifier_dropout: 0.0,
    }
}

const V2_050: VariantSpec = v2(Family::V2, 16, [32, 64, 128, 192, 256], [64, 96, 128]);
const V2_075: VariantSpec = v2(Family::V2, 24, [48, 96, 192, 288, 384], [96, 144, 192]);
const V2_100: VariantSpec = v2(Family::V2, 32, [64, 128, 256, 384, 512], [128, 192, 256]);
const V2_125: VariantSpec = v2(Family::V2, 40, [80, 160, 320, 480, 640], [160, 240, 320]);
const V2_150: VariantSpec = v2(Family::V2, 48, [96, 192, 384, 576, 768], [192, 288, 384]);
const V2_175: VariantSpec = v2(Family::V2, 56, [112, 224, 448, 672, 896], [224, 336, 448]);
const V2_200: VariantSpec = v2(Family::V2, 64, [128, 256, 512, 768, 1024], [256, 384, 512]);

/// PaddleClas's MobileViTv3 on v1's blocks (`mobilevit_v3.py`): v1's stem, expansion and
/// transformer dims with wider stages 3 to 5; `L2` has two transformer layers in stage 4.
const fn v3_on_v1(
    channels: [usize; 5],
    dims: [usize; 3],
    stage4_depth: usize,
    expansion: usize,
    transformer_dropout: f64,
) -> VariantSpec {
    v1(
        Family::V3OnV1,
        [
            stage(channels[0], 1, 1, None),
            stage(channels[1], 3, 2, None),
            stage(channels[2], 1, 2, Some((dims[0], 2))),
            stage(channels[3], 1, 2, Some((dims[1], stage4_depth))),
            stage(channels[4], 1, 2, Some((dims[2], 3))),
        ],
        expansion,
        transformer_dropout,
    )
}

const V3_XXS: VariantSpec = v3_on_v1([16, 24, 64, 80, 128], [64, 80, 96], 4, 2, 0.05);
const V3_XS: VariantSpec = v3_on_v1([32, 48, 96, 160, 160], [96, 120, 144], 4, 4, 0.1);
const V3_S: VariantSpec = v3_on_v1([32, 64, 128, 256, 320], [144, 192, 240], 4, 4, 0.1);
const V3_XXS_L2: VariantSpec = v3_on_v1([16, 24, 64, 80, 128], [64, 80, 96], 2, 2, 0.1);
const V3_XS_L2: VariantSpec = v3_on_v1([32, 48, 96, 160, 160], [96, 120, 144], 2, 4, 0.1);
const V3_S_L2: VariantSpec = v3_on_v1([32, 64, 128, 256, 320], [144, 192, 240], 2, 4, 0.1);
const V3_050: VariantSpec = v2(Family::V3OnV2, 16, [32, 64, 128, 192, 256], [64, 96, 128]);
const V3_075: VariantSpec = v2(Family::V3OnV2, 24, [48, 96, 192, 288, 384], [96, 144, 192]);
const V3_100: VariantSpec = v2(
    Family::V3OnV2,
    32,
    [64, 128, 256, 384, 512],
    [128, 192, 256],
);

impl Variant {
    /// All variants: v1 smallest first, then v2 narrowest first, then v3.
    pub const ALL: [Variant; 19] = [
        Variant::Xxs,
        Variant::Xs,
        Variant::S,
        Variant::V2x050,
        Variant::V2x075,
        Variant::V2x100,
        Variant::V2x125,
        Variant::V2x150,
        Variant::V2x175,
        Variant::V2x200,
        Variant::V3Xxs,
        Variant::V3Xs,
        Variant::V3S,
        Variant::V3XxsL2,
        Variant::V3XsL2,
        Variant::V3SL2,
        Variant::V3x050,
        Variant::V3x075,
        Variant::V3x100,
    ];

    /// The architecture table of this variant.
    pub fn spec(self) -> &'static VariantSpec {
        match self {
            Variant::Xxs => &XXS,
            Variant::Xs => &XS,
            Variant::S => &S,
            Variant::V2x050 => &V2_050,
            Variant::V2x075 => &V2_075,
            Variant::V2x100 => &V2_100,
            Variant::V2x125 => &V2_125,
            Variant::V2x150 => &V2_150,
            Variant::V2x175 => &V2_175,
            Variant::V2x200 => &V2_200,
            Variant::V3Xxs => &V3_XXS,
            Variant::V3Xs => &V3_XS,
            Variant::V3S => &V3_S,
            Variant::V3XxsL2 => &V3_XXS_L2,
            Variant::V3XsL2 => &V3_XS_L2,
            Variant::V3SL2 => &V3_S_L2,
            Variant::V3x050 => &V3_050,
            Variant::V3x075 => &V3_075,
            Variant::V3x100 => &V3_100,
        }
    }

    /// Which block closes stages 3 to 5.
    pub fn family(self) -> Family {
        self.spec().family
    }

    /// PaddleClas name (`MobileViT_XXS`, `MobileViTV2_x1_0`).
    pub fn paddle_name(self) -> &'static str {
        self.names().0
    }

    /// timm name (`mobilevit_xxs`, `mobilevitv2_100`; timm has no v3, whose names are spelled
    /// the same way: `mobilevitv3_xxs`, `mobilevitv3_050`).
    pub fn timm_name(self) -> &'static str {
        self.names().1
    }

    /// The PaddleClas and timm names.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Variant::Xxs => ("MobileViT_XXS", "mobilevit_xxs"),
            Variant::Xs => ("MobileViT_XS", "mobilevit_xs"),
            Variant::S => ("MobileViT_S", "mobilevit_s"),
            Variant::V2x050 => ("MobileViTV2_x0_5", "mobilevitv2_050"),
            Variant::V2x075 => ("MobileViTV2_x0_75", "mobilevitv2_075"),
            Variant::V2x100 => ("MobileViTV2_x1_0", "mobilevitv2_100"),
            Variant::V2x125 => ("MobileViTV2_x1_25", "mobilevitv2_125"),
            Variant::V2x150 => ("MobileViTV2_x1_5", "mobilevitv2_150"),
            Variant::V2x175 => ("MobileViTV2_x1_75", "mobilevitv2_175"),
            Variant::V2x200 => ("MobileViTV2_x2_0", "mobilevitv2_200"),
            Variant::V3Xxs => ("MobileViTV3_XXS", "mobilevitv3_xxs"),
            Variant::V3Xs => ("MobileViTV3_XS", "mobilevitv3_xs"),
            Variant::V3S => ("MobileViTV3_S", "mobilevitv3_s"),
            Variant::V3XxsL2 => ("MobileViTV3_XXS_L2", "mobilevitv3_xxs_l2"),
            Variant::V3XsL2 => ("MobileViTV3_XS_L2", "mobilevitv3_xs_l2"),
            Variant::V3SL2 => ("MobileViTV3_S_L2", "mobilevitv3_s_l2"),
            Variant::V3x050 => ("MobileViTV3_x0_5", "mobilevitv3_050"),
            Variant::V3x075 => ("MobileViTV3_x0_75", "mobilevitv3_075"),
            Variant::V3x100 => ("MobileViTV3_x1_0", "mobilevitv3_100"),
        }
    }
}

impl Variant {
    /// The variant of `family` whose stem has `stem_channels`, whose classifier takes
    /// `features` and whose stages 3 to 5 have `depths` transformer layers: different for
    /// each variant, so it identifies weights.
    pub fn identify(
        family: Family,
        stem_channels: usize,
        features: usize,
        depths: [usize; 3],
    ) -> Option<Variant> {
        Variant::ALL.into_iter().find(|variant| {
            let spec = variant.spec();
            spec.family == family
                && spec.stem_channels == stem_channels
                && spec.features() == features
                && spec.depths() == depths
        })
    }
}

impl VariantSpec {
    /// Channels of the features the classifier pools: the final 1x1 expansion's (v1) or the
    /// last stage's (v2).
    pub fn features(&self) -> usize {
        self.final_channels.unwrap_or(self.stages[4].channels)
    }

    /// Transformer layers of stages 3 to 5.
    pub fn depths(&self) -> [usize; 3] {
        [2, 3, 4].map(|stage| self.stages[stage].transformer.map_or(0, |t| t.depth))
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.paddle_name())
    }
}

impl FromStr for Variant {
    type Err = ModelError;

    /// Accepts the PaddleClas form (`MobileViT_XXS`, `MobileViTV2_x1_0`), the timm form
    /// (`mobilevit_xxs`, `mobilevitv2_100`) and v1's bare size (`xxs`), case-insensitively.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.trim().to_ascii_lowercase();
        let bare = lower.strip_prefix("mobilevit_").unwrap_or(&lower);
        Variant::ALL
            .into_iter()
            .find(|variant| {
                let (paddle, timm) = variant.names();
                lower == paddle.to_ascii_lowercase()
                    || lower == timm
                    || (variant.family() == Family::V1 && bare == &timm["mobilevit_".len()..])
            })
            .ok_or_else(|| ModelError::UnknownVariant(name.to_string()))
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
        assert_eq!(
            "mobilevitv2_050".parse::<Variant>().unwrap(),
            Variant::V2x050
        );
        assert_eq!(
            "MobileViTV2_x1_75".parse::<Variant>().unwrap(),
            Variant::V2x175
        );
        assert!("mobilevit_m".parse::<Variant>().is_err());
        assert!("mobilevitv2_060".parse::<Variant>().is_err());
        assert!("v2_050".parse::<Variant>().is_err());
    }

    #[test]
    fn classifier_features_match_the_references() {
        let widths: Vec<_> = Variant::ALL.iter().map(|v| v.spec().features()).collect();
        assert_eq!(
            widths,
            [
                320, 384, 640, 256, 384, 512, 640, 768, 896, 1024, 512, 640, 960, 512, 640, 960,
                256, 384, 512
            ]
        );
    }

    #[test]
    fn stem_and_features_identify_the_variant() {
        for variant in Variant::ALL {
            let spec = variant.spec();
            let found = Variant::identify(
                spec.family,
                spec.stem_channels,
                spec.features(),
                spec.depths(),
            );
            assert_eq!(found, Some(variant));
        }
        assert_eq!(Variant::identify(Family::V1, 16, 512, [2, 4, 3]), None);
        assert_eq!(Variant::identify(Family::V2, 16, 320, [2, 4, 3]), None);
        assert_eq!(
            Variant::identify(Family::V3OnV1, 16, 512, [2, 2, 3]),
            Some(Variant::V3XxsL2)
        );
    }
}
