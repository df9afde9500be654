//! A preprocessing pipeline as data: decode order, transforms, scale and normalisation.
//!
//! The references differ in small ways that move pixels, and each is recorded:
//! - short-side resize: torchvision and HF truncate the long side (`int(s * long / short)`),
//!   PaddleClas rounds both sides half to even (`int(round(side * s / short))`);
//! - centre crop: torchvision rounds the offset half to even (`int(round((h - s) / 2))`),
//!   PaddleClas and HF floor it (`(h - s) // 2`);
//! - resampling is Pillow's, or OpenCV's bilinear where PaddleClas resizes with `cv2`.

use serde::{Deserialize, Serialize};

use crate::channel_order::ChannelOrder;

/// Resampling filter: Pillow's, as Pillow names them, or OpenCV's bilinear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// `Image.NEAREST`.
    Nearest,
    /// `Image.BOX`.
    Box,
    /// `Image.BILINEAR` (triangle filter).
    #[default]
    Bilinear,
    /// `Image.HAMMING`.
    Hamming,
    /// `Image.BICUBIC` (Keys, a = -0.5).
    Bicubic,
    /// `Image.LANCZOS` (3 lobes).
    Lanczos,
    /// OpenCV's `cv2.INTER_LINEAR`: bilinear without antialiasing, in OpenCV's 11-bit fixed
    /// point (PaddleClas's `cv2` backend, its default).
    #[serde(rename = "cv2_bilinear")]
    Cv2Bilinear,
}

/// How a short-side resize computes the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShortSideRule {
    /// torchvision / HF: short side exactly `size`, long side `int(size * long / short)`.
    Truncate,
    /// PaddleClas `ResizeImage(resize_short)`: both sides `int(round(side * size / short))`.
    Round,
}

/// How a centre crop places its window when the margin is odd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CropRule {
    /// PaddleClas `CropImage`, HF: `(side - size) // 2`.
    Floor,
    /// torchvision `CenterCrop`: `int(round((side - size) / 2))`, half to even.
    RoundHalfEven,
}

/// One step of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Transform {
    /// Resize so that the short side is `size`.
    ResizeShort {
        /// Target short side.
        size: usize,
        /// Filter.
        interpolation: Interpolation,
        /// Rounding of the sides.
        rule: ShortSideRule,
    },
    /// Resize to exactly `width x height`.
    Resize {
        /// Target width.
        width: usize,
        /// Target height.
        height: usize,
        /// Filter.
        interpolation: Interpolation,
    },
    /// Cut the central `width x height` window.
    CenterCrop {
        /// Window width.
        width: usize,
        /// Window height.
        height: usize,
        /// Placement rounding.
        rule: CropRule,
    },
    /// PaddleClas `RandCropImage`: a random area fraction and aspect ratio, then resize.
    RandomResizedCrop {
        /// Output width and height.
        size: [usize; 2],
        /// Range of the crop's area as a fraction of the image.
        scale: [f64; 2],
        /// Range of the crop's aspect ratio (width / height).
        ratio: [f64; 2],
        /// Draw the aspect ratio uniformly in log space (`use_log_aspect`) rather than linearly.
        log_aspect: bool,
        /// Filter.
        interpolation: Interpolation,
    },
    /// Mirror left to right with probability `probability`.
    HorizontalFlip {
        /// Probability of flipping.
        probability: f64,
    },
    /// PaddleClas `RandAugmentV3` (MobileViTV2's recipe): `layers` operations drawn uniformly
    /// from fourteen (shears, translations, rotation, colour, posterize, solarize, contrast,
    /// sharpness, brightness, autocontrast, equalize, invert) at `magnitude`, as Pillow runs them.
    RandAugment {
        /// Operations per image.
        layers: usize,
        /// Strength, 0 to 10.
        magnitude: f64,
        /// Colour of the pixels the geometric operations uncover.
        fill: [u8; 3],
        /// Resampling of the geometric operations (nearest, bilinear or bicubic).
        interpolation: Interpolation,
    },
}

/// What [`RandomErasing`] writes into its rectangle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErasingFill {
    /// One value per channel (PaddleClas's `mode: const` with its `mean`).
    Const([f32; 3]),
    /// One standard normal draw per channel (`mode: rand`).
    Rand,
    /// A standard normal draw per value (`mode: pixel`).
    Pixel,
}

/// PaddleClas `RandomErasing` (Zhong et al., 2017) on the normalised tensor: with probability
/// `probability`, up to `attempts` draws of an area fraction and an aspect ratio, and the first
/// rectangle that fits is filled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RandomErasing {
    /// Probability of erasing (`EPSILON`).
    pub probability: f64,
    /// Range of the rectangle's area as a fraction of the image (`sl`, `sh`).
    pub area: [f64; 2],
    /// Aspect ratios (height / width) are drawn from `[r1, 1 / r1]` (`r1`).
    pub min_aspect: f64,
    /// Draws before giving up (`attempt`).
    pub attempts: usize,
    /// Draw the aspect ratio uniformly in log space (`use_log_aspect`).
    pub log_aspect: bool,
    /// What fills the rectangle.
    pub fill: ErasingFill,
}

impl Transform {
    /// Whether the transform draws random numbers.
    pub fn is_random(&self) -> bool {
        matches!(
            self,
            Transform::RandomResizedCrop { .. }
                | Transform::HorizontalFlip { .. }
                | Transform::RandAugment { .. }
        )
    }
}

/// A decode order and a list of transforms, ending in a float tensor
/// `(pixel * scale - mean) / std`, channel-first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Channel order of the decoded image (and so of the tensor).
    pub order: ChannelOrder,
    /// Transforms, in order.
    pub transforms: Vec<Transform>,
    /// Pixel scale (1/255 for [0, 1]).
    pub scale: f32,
    /// Per-channel mean, subtracted after scaling.
    pub mean: [f32; 3],
    /// Per-channel standard deviation, divided by last.
    pub std: [f32; 3],
    /// Random erasing of the normalised tensor (training only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasing: Option<RandomErasing>,
}

impl Pipeline {
    /// The usual training augmentation: RGB, a random resized crop to `size x size` (area
    /// 0.08-1, aspect ratio 3/4-4/3, bilinear), a horizontal flip with probability one half,
    /// pixels scaled to [0, 1].
    pub fn random_crop_flip(size: usize) -> Pipeline {
        Pipeline {
            order: ChannelOrder::Rgb,
            transforms: vec![
                Transform::RandomResizedCrop {
                    size: [size, size],
                    scale: [0.08, 1.0],
                    ratio: [3.0 / 4.0, 4.0 / 3.0],
                    log_aspect: false,
                    interpolation: Interpolation::Bilinear,
                },
                Transform::HorizontalFlip { probability: 0.5 },
            ],
            scale: 1.0 / 255.0,
            mean: [0.0; 3],
            std: [1.0; 3],
            erasing: None,
        }
    }

    /// The pipeline with its output size set to `[height, width]`: the size of its random
    /// crops, resizes and centre crops (as PaddleClas's `MultiScaleDataset` overrides them).
    pub fn with_output_size(&self, [height, width]: [usize; 2]) -> Pipeline {
        let mut pipeline = self.clone();
        for transform in &mut pipeline.transforms {
            match transform {
                Transform::RandomResizedCrop { size, .. } => *size = [width, height],
                Transform::Resize {
                    width: w,
                    height: h,
                    ..
                }
                | Transform::CenterCrop {
                    width: w,
                    height: h,
                    ..
                } => (*w, *h) = (width, height),
                Transform::ResizeShort { .. }
                | Transform::HorizontalFlip { .. }
                | Transform::RandAugment { .. } => {}
            }
        }
        pipeline
    }

    /// The `[height, width]` the pipeline produces: the size of its last crop or resize to a
    /// fixed size. `None` when the size depends on the image.
    pub fn output_size(&self) -> Option<[usize; 2]> {
        for transform in self.transforms.iter().rev() {
            match *transform {
                Transform::RandomResizedCrop {
                    size: [width, height],
                    ..
                }
                | Transform::Resize { width, height, .. }
                | Transform::CenterCrop { width, height, .. } => return Some([height, width]),
                Transform::ResizeShort { .. } => return None,
                Transform::HorizontalFlip { .. } | Transform::RandAugment { .. } => {}
            }
        }
        None
    }

    /// Whether the pipeline gives the same tensor for the same image every time (an eval
    /// pipeline: no random crop, flip, augmentation or erasing).
    pub fn is_deterministic(&self) -> bool {
        self.erasing.is_none() && !self.transforms.iter().any(Transform::is_random)
    }

    /// The same pipeline decoding in `order`.
    pub fn with_order(mut self, order: ChannelOrder) -> Pipeline {
        self.order = order;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_size_is_the_last_fixed_size() {
        let mut pipeline = Pipeline::random_crop_flip(48);
        assert_eq!(pipeline.output_size(), Some([48, 48]));
        assert!(!pipeline.is_deterministic());
        pipeline.transforms = vec![
            Transform::Resize {
                width: 40,
                height: 30,
                interpolation: Interpolation::Bilinear,
            },
            Transform::CenterCrop {
                width: 20,
                height: 10,
                rule: CropRule::Floor,
            },
        ];
        assert_eq!(pipeline.output_size(), Some([10, 20]));
        assert_eq!(
            pipeline.with_output_size([7, 9]).output_size(),
            Some([7, 9])
        );
        assert!(pipeline.is_deterministic());
        pipeline.transforms.push(Transform::ResizeShort {
            size: 64,
            interpolation: Interpolation::Bicubic,
            rule: ShortSideRule::Truncate,
        });
        assert_eq!(pipeline.output_size(), None);
    }
}
