//! Decoded images: 8-bit, 3 channels, interleaved, in a known channel order.

use std::path::Path;

pub use mobilevit_contract::ChannelOrder;

use crate::error::DataError;

/// An 8-bit, 3-channel image, rows of interleaved pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `height * width * 3` bytes, row-major, channels interleaved.
    pub pixels: Vec<u8>,
    /// Order of the three channels.
    pub order: ChannelOrder,
}

impl Image {
    /// Reads and decodes an image file (JPEG, PNG, BMP or WebP). Grayscale, grayscale with
    /// alpha and RGBA become three channels as Pillow's `convert("RGB")` does: gray is
    /// replicated, alpha is dropped.
    pub fn open(path: &Path, order: ChannelOrder) -> Result<Self, DataError> {
        let bytes = std::fs::read(path).map_err(|error| DataError::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        Self::decode(&bytes, order).map_err(|message| DataError::Decode {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Decodes an encoded image held in memory.
    pub fn decode(bytes: &[u8], order: ChannelOrder) -> Result<Self, String> {
        let decoded = image::load_from_memory(bytes).map_err(|error| error.to_string())?;
        Ok(Self::from_decoded(decoded, order))
    }

    /// An image the `image` crate decoded, made three 8-bit channels as [`Image::decode`]
    /// makes them.
    pub fn from_decoded(decoded: image::DynamicImage, order: ChannelOrder) -> Self {
        let rgb = decoded.into_rgb8();
        let (width, height) = (rgb.width() as usize, rgb.height() as usize);
        let image = Image {
            width,
            height,
            pixels: rgb.into_raw(),
            order: ChannelOrder::Rgb,
        };
        image.with_order(order)
    }

    /// The same image with its channels in `order`.
    pub fn with_order(mut self, order: ChannelOrder) -> Self {
        if order != self.order {
            for pixel in self.pixels.chunks_exact_mut(3) {
                pixel.swap(0, 2);
            }
            self.order = order;
        }
        self
    }

    /// The `width x height` region whose top-left corner is `(left, top)`.
    pub fn crop(&self, left: usize, top: usize, width: usize, height: usize) -> Image {
        debug_assert!(left + width <= self.width && top + height <= self.height);
        let mut pixels = Vec::with_capacity(width * height * 3);
        for row in top..top + height {
            let start = (row * self.width + left) * 3;
            pixels.extend_from_slice(&self.pixels[start..start + width * 3]);
        }
        Image {
            width,
            height,
            pixels,
            order: self.order,
        }
    }

    /// The image mirrored left to right.
    pub fn flip_horizontal(&self) -> Image {
        let mut pixels = Vec::with_capacity(self.pixels.len());
        for row in self.pixels.chunks_exact(self.width * 3) {
            for pixel in row.chunks_exact(3).rev() {
                pixels.extend_from_slice(pixel);
            }
        }
        Image {
            pixels,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(width: usize, height: usize) -> Image {
        Image {
            width,
            height,
            pixels: (0..width * height * 3).map(|v| v as u8).collect(),
            order: ChannelOrder::Rgb,
        }
    }

    #[test]
    fn bmp_webp_gray_and_rgba_files_decode_to_three_channels() {
        let dir = tempfile::tempdir().unwrap();
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|v| (v * 7) as u8).collect();
        for name in ["a.bmp", "a.webp", "a.png"] {
            let path = dir.path().join(name);
            image::save_buffer(&path, &rgb, 4, 3, image::ExtendedColorType::Rgb8).unwrap();
            let decoded = Image::open(&path, ChannelOrder::Rgb).unwrap();
            assert_eq!((decoded.width, decoded.height), (4, 3), "{name}");
            assert_eq!(decoded.pixels, rgb, "{name} (lossless)");
        }
        let gray = dir.path().join("gray.png");
        image::save_buffer(&gray, &[9, 200], 2, 1, image::ExtendedColorType::L8).unwrap();
        let decoded = Image::open(&gray, ChannelOrder::Bgr).unwrap();
        assert_eq!(decoded.pixels, [9, 9, 9, 200, 200, 200]);
        let rgba = dir.path().join("rgba.png");
        image::save_buffer(&rgba, &[1, 2, 3, 0], 1, 1, image::ExtendedColorType::Rgba8).unwrap();
        assert_eq!(
            Image::open(&rgba, ChannelOrder::Rgb).unwrap().pixels,
            [1, 2, 3]
        );
        let broken = dir.path().join("broken.png");
        std::fs::write(&broken, b"\x89PNG\r\n\x1a\n truncated").unwrap();
        let error = Image::open(&broken, ChannelOrder::Rgb).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("broken.png: cannot decode image"),
            "{error}"
        );
    }

    #[test]
    fn crop_takes_the_region() {
        let image = ramp(4, 3);
        let crop = image.crop(1, 1, 2, 2);
        assert_eq!(
            crop.pixels,
            [15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]
        );
    }

    #[test]
    fn flip_mirrors_each_row() {
        let image = ramp(2, 1);
        assert_eq!(image.flip_horizontal().pixels, [3, 4, 5, 0, 1, 2]);
    }

    #[test]
    fn channel_order_swaps_red_and_blue() {
        let image = ramp(1, 1).with_order(ChannelOrder::Bgr);
        assert_eq!(image.pixels, [2, 1, 0]);
        assert_eq!(image.with_order(ChannelOrder::Rgb).pixels, [0, 1, 2]);
    }
}
