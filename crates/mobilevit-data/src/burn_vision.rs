//! Burn's vision datasets' items as labelled images: an `ImageFolderDataset` (or any dataset
//! of `ImageDatasetItem`s with class labels) feeds a [`PipelineDataset`](crate::PipelineDataset)
//! or, through [`DatasetSource`](crate::DatasetSource), our loader and trainer.
//!
//! The item holds the pixels Burn decoded with the `image` crate, the decoder
//! [`Image::decode`] uses: they are made three 8-bit channels as [`Image::decode`] makes them
//! (gray replicated, alpha dropped, 16-bit and float samples converted by `image`), so an
//! image gives the same tensor whichever way it is read.

use std::path::PathBuf;

use burn_dataset::vision::{Annotation, ImageDatasetItem, PixelData};
use image::{DynamicImage, ImageBuffer};

use crate::burn_dataset::LabelledImage;
use crate::error::DataError;
use crate::image::{ChannelOrder, Image};

impl LabelledImage for ImageDatasetItem {
    fn label(&self) -> Result<usize, DataError> {
        match &self.annotation {
            Annotation::Label(label) => Ok(*label),
            other => Err(DataError::Label {
                item: self.name(),
                message: format!(
                    "its annotation is not one class label but {}; classification needs \
                     ImageFolderDataset::new_classification or new_classification_with_items",
                    annotation_kind(other)
                ),
            }),
        }
    }

    fn name(&self) -> PathBuf {
        PathBuf::from(&self.image_path)
    }

    fn decode(&self, order: ChannelOrder) -> Result<Image, DataError> {
        let decoded = dynamic_image(self).ok_or_else(|| DataError::Decode {
            path: self.name(),
            message: format!(
                "{} samples do not make a {}x{} image of 1 to 4 channels",
                self.image.len(),
                self.image_width,
                self.image_height
            ),
        })?;
        Ok(Image::from_decoded(decoded, order))
    }
}

fn annotation_kind(annotation: &Annotation) -> &'static str {
    match annotation {
        Annotation::Label(_) => "a label",
        Annotation::MultiLabel(_) => "several labels",
        Annotation::BoundingBoxes(_) => "bounding boxes",
        Annotation::SegmentationMask(_) => "a segmentation mask",
    }
}

/// The item's pixels as the `image` crate's image they were taken from: the channel count is
/// what the buffer's length says (Burn keeps the samples, not the colour type).
fn dynamic_image(item: &ImageDatasetItem) -> Option<DynamicImage> {
    let (width, height) = (
        u32::try_from(item.image_width).ok()?,
        u32::try_from(item.image_height).ok()?,
    );
    let pixels = item.image_width.checked_mul(item.image_height)?;
    if pixels == 0 || !item.image.len().is_multiple_of(pixels) {
        return None;
    }
    let channels = item.image.len() / pixels;
    Some(match (&item.image, channels) {
        (PixelData::U8(samples), 1) => {
            DynamicImage::ImageLuma8(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U8(samples), 2) => {
            DynamicImage::ImageLumaA8(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U8(samples), 3) => {
            DynamicImage::ImageRgb8(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U8(samples), 4) => {
            DynamicImage::ImageRgba8(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U16(samples), 1) => {
            DynamicImage::ImageLuma16(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U16(samples), 2) => {
            DynamicImage::ImageLumaA16(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U16(samples), 3) => {
            DynamicImage::ImageRgb16(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::U16(samples), 4) => {
            DynamicImage::ImageRgba16(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::F32(samples), 3) => {
            DynamicImage::ImageRgb32F(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        (PixelData::F32(samples), 4) => {
            DynamicImage::ImageRgba32F(ImageBuffer::from_raw(width, height, samples.clone())?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use burn_dataset::Dataset;
    use burn_dataset::vision::ImageFolderDataset;
    use image::ImageEncoder;
    use image::codecs::png::PngEncoder;

    use super::*;

    /// Writes a `width`x`height` PNG of `color` whose samples all differ.
    fn write_png(path: &std::path::Path, color: image::ExtendedColorType, seed: usize) {
        let (width, height) = (5, 3);
        let bytes_per_pixel = usize::from(color.bits_per_pixel()) / 8;
        let samples: Vec<u8> = (0..width * height * bytes_per_pixel)
            .map(|i| ((i * 37 + seed * 11) % 251) as u8)
            .collect();
        let file = std::fs::File::create(path).unwrap();
        PngEncoder::new(file)
            .write_image(&samples, width as u32, height as u32, color)
            .unwrap();
    }

    #[test]
    fn image_folder_items_decode_as_our_decoder_decodes_their_files() {
        let root = tempfile::tempdir().unwrap();
        let colors = [
            image::ExtendedColorType::L8,
            image::ExtendedColorType::La8,
            image::ExtendedColorType::Rgb8,
            image::ExtendedColorType::Rgba8,
            image::ExtendedColorType::L16,
            image::ExtendedColorType::Rgb16,
            image::ExtendedColorType::Rgba16,
        ];
        for (i, color) in colors.into_iter().enumerate() {
            let class = root.path().join(["a", "b"][i % 2]);
            std::fs::create_dir_all(&class).unwrap();
            write_png(&class.join(format!("{i}.png")), color, i);
        }
        let dataset = ImageFolderDataset::new_classification(root.path()).unwrap();
        assert_eq!(dataset.len(), colors.len());
        for index in 0..dataset.len() {
            let item = dataset.get(index).unwrap();
            let expected_label = usize::from(item.name().parent().unwrap().ends_with("b"));
            assert_eq!(item.label().unwrap(), expected_label);
            for order in [ChannelOrder::Rgb, ChannelOrder::Bgr] {
                let ours = Image::open(&item.name(), order).unwrap();
                assert_eq!(
                    item.decode(order).unwrap(),
                    ours,
                    "{}",
                    item.name().display()
                );
            }
        }
    }

    #[test]
    fn items_without_one_label_or_with_a_wrong_buffer_are_errors() {
        let item = ImageDatasetItem {
            image: PixelData::U8(vec![0; 5]),
            image_width: 2,
            image_height: 2,
            annotation: Annotation::MultiLabel(vec![0, 1]),
            image_path: "x.png".into(),
        };
        let label = item.label().unwrap_err();
        assert!(matches!(label, DataError::Label { .. }), "{label}");
        assert!(label.to_string().contains("several labels"), "{label}");
        let decode = item.decode(ChannelOrder::Rgb).unwrap_err().to_string();
        assert!(
            decode.contains("x.png") && decode.contains("5 samples"),
            "{decode}"
        );
    }
}
