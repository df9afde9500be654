//! The eval preprocessing of each reference, by name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::channel_order::ChannelOrder;
use crate::pipeline::{CropRule, Interpolation, Pipeline, ShortSideRule, Transform};

/// A reference's eval preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// timm `mobilevit_*` data config: RGB, short side 284 bicubic (`floor(256 / 0.9)`),
    /// torchvision centre crop 256, /255, mean 0, std 1.
    Timm,
    /// PaddleClas `MobileViT_*.yaml` Eval: BGR (`to_rgb: False`), short side 292 bilinear
    /// (PIL backend, PaddleClas rounding), `CropImage` 256, /255.
    Paddle,
    /// HF `MobileViTImageProcessor`: short side 288 bilinear, crop 256, /255, channels flipped
    /// to BGR.
    Hf,
    /// ml-cvnets: as HF (288, 256, /255, BGR). ml-cvnets v0.1 resized with OpenCV's
    /// non-antialiased bilinear; this uses Pillow's, as ml-cvnets v0.2+ and HF do.
    Cvnets,
    /// timm `mobilevitv2_*` data config: RGB, short side 288 bicubic (`floor(256 / 0.888)`),
    /// torchvision centre crop 256, /255, mean 0, std 1.
    #[serde(rename = "timm_v2")]
    TimmV2,
    /// PaddleClas `MobileViTV2_*.yaml` Eval: RGB (PIL decode), short side 288 bicubic (PIL
    /// backend, PaddleClas rounding), `CropImage` 256, /255.
    #[serde(rename = "paddle_v2")]
    PaddleV2,
    /// PaddleClas `MobileViTV3_{XXS,XS,S}*.yaml` Eval: RGB (OpenCV decode, then flipped),
    /// short side 288 with OpenCV's bilinear (PaddleClas's default `cv2` backend, not
    /// antialiased), `CropImage` 256, /255.
    #[serde(rename = "paddle_v3")]
    PaddleV3,
}

/// Crop size of every preset.
pub const EVAL_CROP: usize = 256;

impl Preset {
    /// All presets.
    pub const ALL: [Preset; 7] = [
        Preset::Timm,
        Preset::Paddle,
        Preset::Hf,
        Preset::Cvnets,
        Preset::TimmV2,
        Preset::PaddleV2,
        Preset::PaddleV3,
    ];

    /// The preset's pipeline.
    pub fn pipeline(self) -> Pipeline {
        let (order, short, interpolation, short_rule, crop_rule) = match self {
            Preset::Timm => (
                ChannelOrder::Rgb,
                284,
                Interpolation::Bicubic,
                ShortSideRule::Truncate,
                CropRule::RoundHalfEven,
            ),
            Preset::Paddle => (
                ChannelOrder::Bgr,
                292,
                Interpolation::Bilinear,
                ShortSideRule::Round,
                CropRule::Floor,
            ),
            Preset::Hf | Preset::Cvnets => (
                ChannelOrder::Bgr,
                288,
                Interpolation::Bilinear,
                ShortSideRule::Truncate,
                CropRule::Floor,
            ),
            Preset::TimmV2 => (
                ChannelOrder::Rgb,
                288,
                Interpolation::Bicubic,
                ShortSideRule::Truncate,
                CropRule::RoundHalfEven,
            ),
            Preset::PaddleV2 => (
                ChannelOrder::Rgb,
                288,
                Interpolation::Bicubic,
                ShortSideRule::Round,
                CropRule::Floor,
            ),
            Preset::PaddleV3 => (
                ChannelOrder::Rgb,
                288,
                Interpolation::Cv2Bilinear,
                ShortSideRule::Round,
                CropRule::Floor,
            ),
        };
        Pipeline {
            order,
            transforms: vec![
                Transform::ResizeShort {
                    size: short,
                    interpolation,
                    rule: short_rule,
                },
                Transform::CenterCrop {
                    width: EVAL_CROP,
                    height: EVAL_CROP,
                    rule: crop_rule,
                },
            ],
            scale: 1.0 / 255.0,
            mean: [0.0; 3],
            std: [1.0; 3],
            erasing: None,
        }
    }

    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Timm => "timm",
            Preset::Paddle => "paddle",
            Preset::Hf => "hf",
            Preset::Cvnets => "cvnets",
            Preset::TimmV2 => "timm_v2",
            Preset::PaddleV2 => "paddle_v2",
            Preset::PaddleV3 => "paddle_v3",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Preset::ALL
            .into_iter()
            .find(|preset| preset.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                let names: Vec<&str> = Preset::ALL.iter().map(|preset| preset.name()).collect();
                format!("unknown preset '{text}': expected {}", names.join(", "))
            })
    }
}
