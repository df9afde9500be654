//! Image transforms that reproduce the references' arithmetic, and the eval presets.
//!
//! The references differ in small ways that move pixels, and each is kept:
//! - short-side resize: torchvision and HF truncate the long side (`int(s * long / short)`),
//!   PaddleClas rounds both sides half to even (`int(round(side * s / short))`);
//! - centre crop: torchvision rounds the offset half to even (`int(round((h - s) / 2))`),
//!   PaddleClas and HF floor it (`(h - s) // 2`);
//! - resampling is Pillow's ([`crate::resize`]).

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::image::{ChannelOrder, Image};
use crate::resize::{Interpolation, resize};

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
}

/// Python's `round`: half to even.
pub fn round_half_even(value: f64) -> f64 {
    let rounded = value.round();
    if (value - value.trunc()).abs() == 0.5 {
        2.0 * (value / 2.0).round()
    } else {
        rounded
    }
}

impl Transform {
    /// Applies the transform; random ones draw from `rng`.
    pub fn apply(&self, image: Image, rng: &mut impl Rng) -> Result<Image, DataError> {
        match *self {
            Transform::ResizeShort {
                size,
                interpolation,
                rule,
            } => {
                let [width, height] = short_side_size(image.width, image.height, size, rule);
                Ok(resize(&image, width, height, interpolation))
            }
            Transform::Resize {
                width,
                height,
                interpolation,
            } => Ok(resize(&image, width, height, interpolation)),
            Transform::CenterCrop {
                width,
                height,
                rule,
            } => center_crop(image, width, height, rule),
            Transform::RandomResizedCrop {
                size,
                scale,
                ratio,
                log_aspect,
                interpolation,
            } => {
                let (left, top, width, height) =
                    random_crop_window(image.width, image.height, scale, ratio, log_aspect, rng);
                let crop = image.crop(left, top, width, height);
                Ok(resize(&crop, size[0], size[1], interpolation))
            }
            Transform::HorizontalFlip { probability } => {
                if rng.random::<f64>() < probability {
                    Ok(image.flip_horizontal())
                } else {
                    Ok(image)
                }
            }
        }
    }
}

/// `[width, height]` after a short-side resize.
pub fn short_side_size(
    width: usize,
    height: usize,
    size: usize,
    rule: ShortSideRule,
) -> [usize; 2] {
    let short = width.min(height) as f64;
    match rule {
        ShortSideRule::Truncate => {
            let long = (size as f64 * width.max(height) as f64 / short) as usize;
            if width <= height {
                [size, long]
            } else {
                [long, size]
            }
        }
        ShortSideRule::Round => {
            let percent = size as f64 / short;
            [
                round_half_even(width as f64 * percent) as usize,
                round_half_even(height as f64 * percent) as usize,
            ]
        }
    }
}

fn center_crop(
    image: Image,
    width: usize,
    height: usize,
    rule: CropRule,
) -> Result<Image, DataError> {
    if width > image.width || height > image.height {
        return Err(DataError::Transform {
            op: "CenterCrop".into(),
            message: format!(
                "a {width}x{height} crop does not fit a {}x{} image",
                image.width, image.height
            ),
        });
    }
    let offset = |side: usize, size: usize| match rule {
        CropRule::Floor => (side - size) / 2,
        CropRule::RoundHalfEven => round_half_even((side - size) as f64 / 2.0) as usize,
    };
    let (left, top) = (offset(image.width, width), offset(image.height, height));
    Ok(image.crop(left, top, width, height))
}

/// PaddleClas `RandCropImage`'s window: `(left, top, width, height)`.
fn random_crop_window(
    image_width: usize,
    image_height: usize,
    scale: [f64; 2],
    ratio: [f64; 2],
    log_aspect: bool,
    rng: &mut impl Rng,
) -> (usize, usize, usize, usize) {
    let (iw, ih) = (image_width as f64, image_height as f64);
    let aspect = if log_aspect {
        rng.random_range(ratio[0].ln()..=ratio[1].ln()).exp()
    } else {
        rng.random_range(ratio[0]..=ratio[1])
    };
    let bound = (iw / ih / aspect).min(ih / iw * aspect);
    let scale_max = scale[1].min(bound);
    let scale_min = scale[0].min(bound);
    let area = iw * ih * rng.random_range(scale_min..=scale_max);
    let width = ((area * aspect).sqrt() as usize).clamp(1, image_width);
    let height = ((area / aspect).sqrt() as usize).clamp(1, image_height);
    let left = rng.random_range(0..=image_width - width);
    let top = rng.random_range(0..=image_height - height);
    (left, top, width, height)
}

/// A decode order and a list of transforms, ending in a float tensor.
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
}

/// A `[3, height, width]` float tensor, channel-first.
#[derive(Debug, Clone, PartialEq)]
pub struct ChwTensor {
    /// Height.
    pub height: usize,
    /// Width.
    pub width: usize,
    /// `3 * height * width` values.
    pub values: Vec<f32>,
}

impl Pipeline {
    /// Runs the transforms on a decoded image and converts it to a tensor.
    pub fn run(&self, image: Image, rng: &mut impl Rng) -> Result<ChwTensor, DataError> {
        let mut image = image.with_order(self.order);
        for transform in &self.transforms {
            image = transform.apply(image, rng)?;
        }
        Ok(self.to_tensor(&image))
    }

    /// [`run`](Self::run) for evaluation and inference: eval pipelines draw nothing, and a
    /// fixed generator keeps any random op reproducible.
    pub fn run_deterministic(&self, image: Image) -> Result<ChwTensor, DataError> {
        self.run(image, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0))
    }

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
                Transform::ResizeShort { .. } | Transform::HorizontalFlip { .. } => {}
            }
        }
        pipeline
    }

    /// `(pixel * scale - mean) / std`, channel-first.
    pub fn to_tensor(&self, image: &Image) -> ChwTensor {
        let plane = image.width * image.height;
        let mut values = vec![0.0f32; 3 * plane];
        for (index, pixel) in image.pixels.chunks_exact(3).enumerate() {
            for channel in 0..3 {
                let value = f32::from(pixel[channel]) * self.scale;
                values[channel * plane + index] = (value - self.mean[channel]) / self.std[channel];
            }
        }
        ChwTensor {
            height: image.height,
            width: image.width,
            values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_rounding_is_half_to_even() {
        assert_eq!(round_half_even(16.5), 16.0);
        assert_eq!(round_half_even(17.5), 18.0);
        assert_eq!(round_half_even(2.4999), 2.0);
        assert_eq!(round_half_even(-0.5), -0.0);
    }

    #[test]
    fn short_side_rules_differ_as_the_references_do() {
        // 451x300 to 284: torchvision gives int(284 * 451 / 300) = int(426.95) = 426.
        assert_eq!(
            short_side_size(451, 300, 284, ShortSideRule::Truncate),
            [426, 284]
        );
        // PaddleClas: round(451 * 284 / 300) = round(426.95) = 427.
        assert_eq!(
            short_side_size(451, 300, 284, ShortSideRule::Round),
            [427, 284]
        );
        assert_eq!(
            short_side_size(300, 451, 284, ShortSideRule::Truncate),
            [284, 426]
        );
    }

    #[test]
    fn crop_rules_differ_on_odd_margins() {
        let image = Image {
            width: 5,
            height: 1,
            pixels: (0..15).collect(),
            order: ChannelOrder::Rgb,
        };
        // Margin 3: floor puts the window at 1; torchvision's round(1.5) = 2.
        let floor = center_crop(image.clone(), 2, 1, CropRule::Floor).unwrap();
        assert_eq!(floor.pixels[0], 3);
        let even = center_crop(image.clone(), 2, 1, CropRule::RoundHalfEven).unwrap();
        assert_eq!(even.pixels[0], 6);
        assert!(center_crop(image, 6, 1, CropRule::Floor).is_err());
    }

    #[test]
    fn random_crops_stay_inside_and_follow_the_seed() {
        use rand::SeedableRng;
        let draw = |seed: u64| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            (0..200)
                .map(|i| {
                    random_crop_window(64, 48, [0.08, 1.0], [0.75, 4.0 / 3.0], i % 2 == 0, &mut rng)
                })
                .collect::<Vec<_>>()
        };
        let windows = draw(1);
        assert_eq!(windows, draw(1));
        assert_ne!(windows, draw(2));
        for (left, top, width, height) in windows {
            assert!(left + width <= 64 && top + height <= 48 && width > 0 && height > 0);
        }
    }
}
