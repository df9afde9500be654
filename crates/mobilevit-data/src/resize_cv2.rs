//! Resizing exactly as OpenCV's `cv2.resize(image, (width, height),
//! interpolation=cv2.INTER_LINEAR)` does on 8-bit, 3-channel images.
//!
//! PaddleClas resizes with OpenCV unless a transform names another backend, so its
//! preprocessing is reproduced byte for byte only with OpenCV's own arithmetic, which is not
//! Pillow's: no antialiasing (every output pixel reads two columns and two rows, whatever the
//! scale), half-pixel centres, and 11-bit fixed-point weights.
//!
//! * Source position of output index `i`: `f = float((i + 0.5) * scale - 0.5)`, where
//!   `scale = 1 / (out / in)` is computed in double precision and `f` rounded to single
//!   precision; `floor(f)` and the fraction `f - floor(f)` (single precision). The weights are
//!   `(1 - fraction) * 2048` and `fraction * 2048`, single-precision products rounded half to
//!   even (OpenCV's `saturate_cast<short>`).
//! * Horizontal pass, kept exact in `i32` (at most 255 * 2048:
//!   the two weights always sum to 2048): `S[x0] * a0 + S[x0 + 1] * a1`.
//!   A position left of the image reads column 0 with fraction 0; one at or right of the last
//!   column reads the last column with weight 2048 alone.
//! * Vertical pass: the two rows are clamped to the image, but the weights keep the unclamped
//!   fraction (at the top and bottom edges the same row is read twice, with both weights), and
//!   the rounding is OpenCV's SIMD one (its scalar code computes the same integers):
//!   `(((b0 * (R0 >> 4)) >> 16) + ((b1 * (R1 >> 4)) >> 16) + 2) >> 2`, clipped to 0..255.
//!
//! Special cases of `cv::resize`: the same size is a copy; exactly half the size on both axes
//! goes to INTER_AREA's fast path, the mean of each 2x2 block as `(a + b + c + d + 2) >> 2`
//! (the bilinear passes would give the same bytes there: weights 1024 and 1024, and
//! `1024 * ((1024 * (a + b)) >> 4) >> 16 == a + b`). Other integer factors stay bilinear.
//! OpenCV never hands 8-bit INTER_LINEAR to IPP (it refuses IPP's inexact version), so x86
//! builds all compute these bytes; `INTER_LINEAR_EXACT` is a different algorithm, not this one.
//!
//! Byte-identical to opencv-python-headless 4.14.0.94 (cv2 4.14.0, x86-64): on chelsea.png at
//! the sizes of `scripts/make_cv2_resize_fixtures.py` (checked by `tests/resize_cv2.rs`); this
//! file also matched cv2 on 2,000 random images (1 to 700 pixels a side: up, down, mixed,
//! integer factors, exact halves, 1-pixel sides), and the same arithmetic in numpy on 4,000
//! more, with OpenCV's SIMD and IPP switched on and off.

use crate::image::Image;

/// OpenCV's `INTER_RESIZE_COEF_BITS`: weights are fractions of `1 << 11`.
const COEF_BITS: u32 = 11;

/// The weight of a whole source pixel, 2048.
const COEF_SCALE: i32 = 1 << COEF_BITS;

/// Channels per pixel of [`Image`].
const CHANNELS: usize = 3;

/// The two source indices one output index reads, and their fixed-point weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tap {
    first: usize,
    second: usize,
    weights: [i32; 2],
}

/// `cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)`.
///
/// Byte-identical to OpenCV 4.14 on x86-64 (see the module documentation). The result keeps
/// `image`'s channel order: the arithmetic treats the three channels alike. A zero `width` or
/// `height` gives an empty image; an empty `image` (which OpenCV refuses) gives a black one.
pub fn resize_linear(image: &Image, width: usize, height: usize) -> Image {
    if (image.width, image.height) == (width, height) {
        return image.clone();
    }
    if width == 0 || height == 0 || image.width == 0 || image.height == 0 {
        return Image {
            width,
            height,
            pixels: vec![0; width * height * CHANNELS],
            order: image.order,
        };
    }
    // `cv::resize` tests `|1 / (out / in) - round(1 / (out / in))| < DBL_EPSILON` with the
    // rounded value 2 on both axes; for whole-pixel sizes that holds exactly when `in == 2 out`.
    if image.width == 2 * width && image.height == 2 * height {
        return halve(image);
    }
    let columns = horizontal_taps(image.width, width);
    let rows = vertical_taps(image.height, height);
    bilinear(image, &columns, &rows)
}

/// OpenCV's source position of output `index`: the floor, and the fraction in single precision.
fn source_position(index: usize, scale: f64) -> (i64, f32) {
    let position = ((index as f64 + 0.5) * scale - 0.5) as f32;
    let floor = position.floor();
    (floor as i64, position - floor)
}

/// `saturate_cast<short>((1 - fraction) * 2048)` and `saturate_cast<short>(fraction * 2048)`.
fn fixed_weights(fraction: f32) -> [i32; 2] {
    let scale = COEF_SCALE as f32;
    [
        ((1.0 - fraction) * scale).round_ties_even() as i32,
        (fraction * scale).round_ties_even() as i32,
    ]
}

/// OpenCV's `scale_x`: the reciprocal of `out / in`, both in double precision.
fn inverse_scale(in_size: usize, out_size: usize) -> f64 {
    1.0 / (out_size as f64 / in_size as f64)
}

/// Columns: positions left of the image read column 0 with fraction 0; positions at or right
/// of the last column read it alone, with the whole weight.
fn horizontal_taps(in_size: usize, out_size: usize) -> Vec<Tap> {
    let scale = inverse_scale(in_size, out_size);
    let last = in_size - 1;
    (0..out_size)
        .map(|index| {
            let (floor, fraction) = source_position(index, scale);
            let (floor, fraction) = if floor < 0 {
                (0, 0.0)
            } else {
                (floor as usize, fraction)
            };
            if floor >= last {
                Tap {
                    first: last,
                    second: last,
                    weights: [COEF_SCALE, 0],
                }
            } else {
                Tap {
                    first: floor,
                    second: floor + 1,
                    weights: fixed_weights(fraction),
                }
            }
        })
        .collect()
}

/// Rows: both rows clamped to the image, the weights from the unclamped fraction.
fn vertical_taps(in_size: usize, out_size: usize) -> Vec<Tap> {
    let scale = inverse_scale(in_size, out_size);
    let last = in_size as i64 - 1;
    (0..out_size)
        .map(|index| {
            let (floor, fraction) = source_position(index, scale);
            Tap {
                first: floor.clamp(0, last) as usize,
                second: (floor + 1).clamp(0, last) as usize,
                weights: fixed_weights(fraction),
            }
        })
        .collect()
}

/// One source row through the horizontal pass: 11-bit fixed point, exact.
fn horizontal_row(source: &[u8], columns: &[Tap], out: &mut [i32]) {
    for (tap, pixel) in columns.iter().zip(out.chunks_exact_mut(CHANNELS)) {
        let first = &source[tap.first * CHANNELS..][..CHANNELS];
        let second = &source[tap.second * CHANNELS..][..CHANNELS];
        for ((value, &a), &b) in pixel.iter_mut().zip(first).zip(second) {
            *value = i32::from(a) * tap.weights[0] + i32::from(b) * tap.weights[1];
        }
    }
}

/// Two horizontally resized rows blended into one output row, rounded as OpenCV's SIMD code.
fn vertical_row(upper: &[i32], lower: &[i32], weights: [i32; 2], out: &mut [u8]) {
    let [b0, b1] = weights;
    for ((value, &r0), &r1) in out.iter_mut().zip(upper).zip(lower) {
        let sum = ((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16);
        *value = ((sum + 2) >> 2).clamp(0, 255) as u8;
    }
}

/// A horizontally resized row and the source row it came from.
struct CachedRow {
    source: Option<usize>,
    values: Vec<i32>,
}

impl CachedRow {
    fn new(len: usize) -> Self {
        Self {
            source: None,
            values: vec![0; len],
        }
    }

    /// Makes this the horizontal pass of source row `row`.
    fn fill(&mut self, image: &Image, row: usize, columns: &[Tap]) {
        if self.source != Some(row) {
            let stride = image.width * CHANNELS;
            horizontal_row(
                &image.pixels[row * stride..][..stride],
                columns,
                &mut self.values,
            );
            self.source = Some(row);
        }
    }
}

/// The two separable passes. Output rows read source rows in nondecreasing order, so two
/// cached horizontal rows suffice (as in OpenCV, each source row is resized once).
fn bilinear(image: &Image, columns: &[Tap], rows: &[Tap]) -> Image {
    let out_stride = columns.len() * CHANNELS;
    let mut pixels = vec![0u8; out_stride * rows.len()];
    let mut upper = CachedRow::new(out_stride);
    let mut lower = CachedRow::new(out_stride);
    for (tap, out) in rows.iter().zip(pixels.chunks_exact_mut(out_stride)) {
        if upper.source != Some(tap.first) && lower.source == Some(tap.first) {
            std::mem::swap(&mut upper, &mut lower);
        }
        upper.fill(image, tap.first, columns);
        if tap.second == tap.first {
            vertical_row(&upper.values, &upper.values, tap.weights, out);
        } else {
            lower.fill(image, tap.second, columns);
            vertical_row(&upper.values, &lower.values, tap.weights, out);
        }
    }
    Image {
        width: columns.len(),
        height: rows.len(),
        pixels,
        order: image.order,
    }
}

/// INTER_AREA's fast path for an exact 2x reduction: `(a + b + c + d + 2) >> 2` per 2x2 block.
fn halve(image: &Image) -> Image {
    let (width, height) = (image.width / 2, image.height / 2);
    let in_stride = image.width * CHANNELS;
    let out_stride = width * CHANNELS;
    let mut pixels = vec![0u8; out_stride * height];
    for (pair, out) in image
        .pixels
        .chunks_exact(2 * in_stride)
        .zip(pixels.chunks_exact_mut(out_stride))
    {
        let (top, bottom) = pair.split_at(in_stride);
        for (x, value) in out.iter_mut().enumerate() {
            let (column, channel) = (x / CHANNELS, x % CHANNELS);
            let left = 2 * column * CHANNELS + channel;
            let right = left + CHANNELS;
            let sum = u16::from(top[left])
                + u16::from(top[right])
                + u16::from(bottom[left])
                + u16::from(bottom[right]);
            *value = ((sum + 2) >> 2) as u8;
        }
    }
    Image {
        width,
        height,
        pixels,
        order: image.order,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::ChannelOrder;

    /// Deterministic pseudo-random bytes (splitmix64).
    fn noise(width: usize, height: usize, seed: u64) -> Image {
        let mut state = seed;
        let pixels = (0..width * height * CHANNELS)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (z ^ (z >> 31)) as u8
            })
            .collect();
        Image {
            width,
            height,
            pixels,
            order: ChannelOrder::Bgr,
        }
    }

    #[test]
    fn the_exact_half_path_equals_the_bilinear_passes() {
        for (width, height) in [(2, 2), (8, 6), (40, 26), (3, 9)] {
            let image = noise(2 * width, 2 * height, (width * 100 + height) as u64);
            let fast = halve(&image);
            let general = bilinear(
                &image,
                &horizontal_taps(image.width, width),
                &vertical_taps(image.height, height),
            );
            assert_eq!(fast, general, "{width}x{height}");
            assert_eq!(fast.order, ChannelOrder::Bgr);
        }
    }

    #[test]
    fn same_size_is_a_copy_and_flat_images_stay_flat() {
        let image = noise(7, 5, 1);
        assert_eq!(resize_linear(&image, 7, 5), image);
        let flat = Image {
            width: 9,
            height: 4,
            pixels: vec![200; 9 * 4 * CHANNELS],
            order: ChannelOrder::Rgb,
        };
        for (width, height) in [(1, 1), (20, 3), (4, 11), (9, 1), (18, 8)] {
            let resized = resize_linear(&flat, width, height);
            assert_eq!((resized.width, resized.height), (width, height));
            assert!(resized.pixels.iter().all(|&v| v == 200), "{width}x{height}");
        }
    }

    #[test]
    fn edges_read_the_border_pixels_and_empty_sizes_do_not_panic() {
        // A 2-pixel row stretched to 8: positions left of the first centre and right of the
        // last one copy the border pixels; the vertical pass reads row 0 twice.
        let image = Image {
            width: 2,
            height: 1,
            pixels: vec![0, 0, 0, 255, 255, 255],
            order: ChannelOrder::Rgb,
        };
        let row = resize_linear(&image, 8, 3);
        assert_eq!(&row.pixels[..3], &[0, 0, 0]);
        assert_eq!(&row.pixels[7 * 3..8 * 3], &[255, 255, 255]);
        assert!(
            row.pixels
                .chunks_exact(3)
                .all(|pixel| pixel[0] == pixel[1] && pixel[1] == pixel[2])
        );
        assert!(resize_linear(&image, 0, 4).pixels.is_empty());
        let empty = Image {
            width: 0,
            height: 0,
            pixels: Vec::new(),
            order: ChannelOrder::Rgb,
        };
        assert_eq!(resize_linear(&empty, 3, 2).pixels, vec![0; 18]);
    }

    #[test]
    fn taps_match_opencvs_positions() {
        // 451 -> 433 (PaddleClas's resize_short 288 of chelsea): scale 451/433.
        // Output 0 sits at 0.0207852 (single precision), output 432 at 449.979217.
        let taps = horizontal_taps(451, 433);
        assert_eq!(
            taps[0],
            Tap {
                first: 0,
                second: 1,
                weights: [2005, 43]
            }
        );
        assert_eq!(
            taps[432],
            Tap {
                first: 449,
                second: 450,
                weights: [43, 2005]
            }
        );
        // 2x upscale: output 0 sits at -0.25 and output 7 at 3.25, so the horizontal taps
        // copy the border pixels...
        let columns = horizontal_taps(4, 8);
        assert_eq!(columns[0].weights, [COEF_SCALE, 0]);
        assert_eq!((columns[7].first, columns[7].weights), (3, [COEF_SCALE, 0]));
        // ...while the vertical taps clamp both rows and keep the weights of the fraction.
        let rows = vertical_taps(4, 8);
        assert_eq!(
            rows[0],
            Tap {
                first: 0,
                second: 0,
                weights: [512, 1536]
            }
        );
        assert_eq!(
            rows[7],
            Tap {
                first: 3,
                second: 3,
                weights: [1536, 512]
            }
        );
    }
}
