//! Running the contract's pipelines ([`mobilevit_contract::Pipeline`]) on images, with the
//! references' arithmetic: the short-side and crop rules the pipeline records, and Pillow's
//! resampling ([`crate::resize`]).

use rand::{Rng, SeedableRng};

pub use mobilevit_contract::{
    CropRule, ErasingFill, Pipeline, RandomErasing, ShortSideRule, Transform,
};

use crate::erasing::erase;
use crate::error::DataError;
use crate::image::Image;
use crate::rand_augment::RandAugment;
use crate::resize::resize;

/// Python's `round`: half to even.
pub fn round_half_even(value: f64) -> f64 {
    let rounded = value.round();
    if (value - value.trunc()).abs() == 0.5 {
        2.0 * (value / 2.0).round()
    } else {
        rounded
    }
}

/// Applies `transform` to `image`; random transforms draw from `rng`.
pub fn apply(transform: &Transform, image: Image, rng: &mut impl Rng) -> Result<Image, DataError> {
    match *transform {
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
        Transform::RandAugment {
            layers,
            magnitude,
            fill,
            interpolation,
        } => RandAugment {
            layers,
            magnitude,
            fill,
            interpolation,
        }
        .apply(image, rng)
        .map_err(|message| DataError::Transform {
            op: "RandAugmentV3".into(),
            message,
        }),
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

impl ChwTensor {
    /// The values, when the tensor is `[height, width]` = `size`, as a batch of that size
    /// needs; otherwise an error naming `source`, the image it was made from.
    pub fn into_values_of_size(
        self,
        size: [usize; 2],
        source: &std::path::Path,
    ) -> Result<Vec<f32>, DataError> {
        if [self.height, self.width] == size {
            return Ok(self.values);
        }
        Err(DataError::Transform {
            op: "pipeline".into(),
            message: format!(
                "{} gives {}x{} images, the batch needs {}x{}",
                source.display(),
                self.height,
                self.width,
                size[0],
                size[1]
            ),
        })
    }
}

/// Running a [`Pipeline`] on decoded images.
pub trait RunPipeline {
    /// Runs the transforms on a decoded image and converts it to a tensor.
    fn run(&self, image: Image, rng: &mut impl Rng) -> Result<ChwTensor, DataError>;

    /// [`run`](Self::run) for evaluation and inference: eval pipelines draw nothing, and a
    /// fixed generator keeps any random op reproducible.
    fn run_deterministic(&self, image: Image) -> Result<ChwTensor, DataError> {
        self.run(image, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0))
    }

    /// `(pixel * scale - mean) / std`, channel-first.
    fn to_tensor(&self, image: &Image) -> ChwTensor;
}

impl RunPipeline for Pipeline {
    fn run(&self, image: Image, rng: &mut impl Rng) -> Result<ChwTensor, DataError> {
        let mut image = image.with_order(self.order);
        for transform in &self.transforms {
            image = apply(transform, image, rng)?;
        }
        let mut tensor = self.to_tensor(&image);
        if let Some(erasing) = &self.erasing {
            erase(erasing, &mut tensor, rng);
        }
        Ok(tensor)
    }

    fn to_tensor(&self, image: &Image) -> ChwTensor {
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
    use crate::image::ChannelOrder;

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
