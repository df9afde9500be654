//! Where weights come from and what each source implies for the model and its input (how
//! each names its tensors is in `rename.rs`, with the `convert` feature).

use std::fmt;
use std::str::FromStr;

pub use mobilevit_contract::ChannelOrder;
use mobilevit_contract::Preset;
use serde::{Deserialize, Serialize};

use crate::model::MobileVitConfig;
use crate::variant::{Family, Variant};

/// An implementation whose weights can be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// timm (`mobilevit_xxs.cvnets_in1k`, ...): the names our model uses.
    Timm,
    /// HF transformers (`apple/mobilevit-small`, ...).
    Hf,
    /// Apple's ml-cvnets (the original release).
    Cvnets,
    /// PaddleClas (`MobileViT_S_pretrained.pdparams`, ...).
    Paddle,
}

impl Source {
    /// All sources.
    pub const ALL: [Source; 4] = [Source::Timm, Source::Hf, Source::Cvnets, Source::Paddle];

    /// The name used on the command line and in metadata.
    pub fn name(self) -> &'static str {
        match self {
            Source::Timm => "timm",
            Source::Hf => "hf",
            Source::Cvnets => "cvnets",
            Source::Paddle => "paddle",
        }
    }

    /// The eval preprocessing this source's released weights of `family` were evaluated
    /// with (HF's processor is the same for v1 and v2; v3 is PaddleClas's alone, so its
    /// weights from anywhere get PaddleClas's v3 preprocessing).
    pub fn preset(self, family: Family) -> Preset {
        match (self, family) {
            (_, Family::V3OnV1) => Preset::PaddleV3,
            (_, Family::V3OnV2) => Preset::PaddleV2,
            (Source::Timm, Family::V1) => Preset::Timm,
            (Source::Timm, Family::V2) => Preset::TimmV2,
            (Source::Hf, _) => Preset::Hf,
            (Source::Cvnets, _) => Preset::Cvnets,
            (Source::Paddle, Family::V1) => Preset::Paddle,
            (Source::Paddle, Family::V2) => Preset::PaddleV2,
        }
    }

    /// The channel order of this source's released weights of `family` (its preset's decode
    /// order): the ml-cvnets v1 originals were trained on BGR images (OpenCV), and HF and
    /// PaddleClas converted them as they were; timm's take RGB, and so do PaddleClas's v2.
    pub fn channel_order(self, family: Family) -> ChannelOrder {
        self.preset(family).pipeline().order
    }

    /// The model options that reproduce this source's own implementation.
    pub fn model_config(self, variant: Variant, num_classes: usize) -> MobileVitConfig {
        let config = match self {
            Source::Paddle => MobileVitConfig::paddle(variant),
            Source::Hf => MobileVitConfig::hf(variant),
            Source::Timm | Source::Cvnets => MobileVitConfig::imagenet(variant),
        };
        config.with_num_classes(num_classes)
    }
}

impl PartialOrd for Source {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Source {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (*self as u8).cmp(&(*other as u8))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Source {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "timm" => Ok(Source::Timm),
            "hf" | "huggingface" | "transformers" => Ok(Source::Hf),
            "cvnets" | "ml-cvnets" => Ok(Source::Cvnets),
            "paddle" | "paddleclas" => Ok(Source::Paddle),
            _ => Err(format!(
                "unknown weights source '{text}': expected timm, hf, cvnets or paddle"
            )),
        }
    }
}
