//! PaddleClas's `RandAugmentV3`, byte for byte as Pillow computes it on 8-bit RGB images.
//!
//! `RandAugmentV3` (PaddleClas `ppcls/data/preprocess/ops/randaugment.py`, the augmentation of
//! its MobileViTv2 and v3 training recipes) applies `num_layers` operations (default 2), each
//! drawn uniformly, with replacement, from fourteen. Each gets its level from `magnitude`
//! (default 3, out of 10), and the nine signed ones flip it with a fair coin. Every operation is
//! one Pillow call on the 8-bit RGB image. This module redoes Pillow's own arithmetic, not an
//! equivalent one (Pillow 13.0.0, checked byte for byte by `tests/rand_augment.rs` against the
//! fixtures of `scripts/make_augment_fixtures.py`):
//!
//! - shear and translate (`Image.transform(size, AFFINE, coefficients, filter, fillcolor)`) and
//!   rotate (`Image.rotate(angle, filter, fillcolor=...)`): `libImaging/Geometry.c`. The
//!   coefficients map each output pixel centre `(x + 0.5, y + 0.5)` into the input. Bilinear and
//!   bicubic interpolate in double precision with clamped edges. Their bicubic is the a = -1
//!   cubic convolution, not the a = -0.5 kernel of `Image.resize`. Nearest has three code paths:
//!   a step-by-step scale when the matrix has no shear, 16.16 fixed point, and floating point
//!   beyond 32768 pixels. A sample that falls outside the input leaves the fill colour.
//!   Rotation builds its matrix about the centre `(w / 2, h / 2)`, with sine and cosine rounded
//!   to 15 decimals. 0 degrees copies the image and 180 transposes it. 90 and 270 transpose a
//!   square image; any other shape goes through the matrix.
//! - color, contrast, sharpness, brightness (`ImageEnhance.*(image).enhance(factor)`):
//!   `Image.blend(degenerate, image, factor)`, `libImaging/Blend.c`, in single precision,
//!   truncated and clipped. The degenerate images are the luma (`Convert.c`'s fixed-point
//!   ITU-R 601 weights) replicated to RGB, the mean luma rounded half up, the 3x3 `SMOOTH` filter
//!   (`Filter.c`, single precision, border pixels kept), and black.
//! - posterize, solarize, autocontrast, equalize, invert (`ImageOps`): lookup tables
//!   (`Image.point`, entries clipped to 0..=255). Autocontrast and equalize build one table per
//!   channel from its histogram.
//!
//! The pixel bytes are taken as RGB in their stored order, whatever `Image::order` says
//! (PaddleClas hands PIL whatever array it holds), and the order is kept in the output.

use rand::Rng;

use crate::image::Image;
use crate::resize::Interpolation;

/// One of RandAugmentV3's fourteen operations, in PaddleClas's level_map order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AugmentOp {
    /// `shearX`: affine `(1, s, 0, 0, 1, 0)`, level `0.3 * m / 10`, signed.
    ShearX,
    /// `shearY`: affine `(1, 0, 0, s, 1, 0)`, level `0.3 * m / 10`, signed.
    ShearY,
    /// `translateX`: affine `(1, 0, t, 0, 1, 0)`, `t` the level `150 / 331 * m / 10` times the
    /// width, signed.
    TranslateX,
    /// `translateY`: affine `(1, 0, 0, 0, 1, t)`, `t` the level `150 / 331 * m / 10` times the
    /// height, signed.
    TranslateY,
    /// `rotate`: counter-clockwise by the level `30 * m / 10` degrees, signed.
    Rotate,
    /// `color`: `ImageEnhance.Color`, factor `1 +- 0.9 * m / 10`.
    Color,
    /// `posterize`: `ImageOps.posterize`, keeping `8 - int(4 * m / 10)` bits.
    Posterize,
    /// `solarize`: `ImageOps.solarize`, inverting values from `255 * (1 - m / 10)` up.
    Solarize,
    /// `contrast`: `ImageEnhance.Contrast`, factor `1 +- 0.9 * m / 10`.
    Contrast,
    /// `sharpness`: `ImageEnhance.Sharpness`, factor `1 +- 0.9 * m / 10`.
    Sharpness,
    /// `brightness`: `ImageEnhance.Brightness`, factor `1 +- 0.9 * m / 10`.
    Brightness,
    /// `autocontrast`: `ImageOps.autocontrast` (no cutoff), no level.
    AutoContrast,
    /// `equalize`: `ImageOps.equalize`, no level.
    Equalize,
    /// `invert`: `ImageOps.invert`, no level.
    Invert,
}

impl AugmentOp {
    /// The fourteen operations, in PaddleClas's level_map order (the order its draw indexes).
    pub const ALL: [AugmentOp; 14] = [
        AugmentOp::ShearX,
        AugmentOp::ShearY,
        AugmentOp::TranslateX,
        AugmentOp::TranslateY,
        AugmentOp::Rotate,
        AugmentOp::Color,
        AugmentOp::Posterize,
        AugmentOp::Solarize,
        AugmentOp::Contrast,
        AugmentOp::Sharpness,
        AugmentOp::Brightness,
        AugmentOp::AutoContrast,
        AugmentOp::Equalize,
        AugmentOp::Invert,
    ];

    /// PaddleClas's name (`shearX`, ... `invert`).
    pub fn name(self) -> &'static str {
        match self {
            AugmentOp::ShearX => "shearX",
            AugmentOp::ShearY => "shearY",
            AugmentOp::TranslateX => "translateX",
            AugmentOp::TranslateY => "translateY",
            AugmentOp::Rotate => "rotate",
            AugmentOp::Color => "color",
            AugmentOp::Posterize => "posterize",
            AugmentOp::Solarize => "solarize",
            AugmentOp::Contrast => "contrast",
            AugmentOp::Sharpness => "sharpness",
            AugmentOp::Brightness => "brightness",
            AugmentOp::AutoContrast => "autocontrast",
            AugmentOp::Equalize => "equalize",
            AugmentOp::Invert => "invert",
        }
    }

    /// Whether PaddleClas draws a sign for it (`random.choice([-1, 1])` inside the operation).
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            AugmentOp::ShearX
                | AugmentOp::ShearY
                | AugmentOp::TranslateX
                | AugmentOp::TranslateY
                | AugmentOp::Rotate
                | AugmentOp::Color
                | AugmentOp::Contrast
                | AugmentOp::Sharpness
                | AugmentOp::Brightness
        )
    }

    /// PaddleClas's level for `magnitude` (0..=10): what RandAugmentV3's level_map holds
    /// (unsigned), with the same floating-point operations. At magnitude 3, for example:
    /// posterize 7 bits, solarize 178.5, rotate 9 degrees.
    pub fn level(self, magnitude: f64) -> f64 {
        let level = magnitude / 10.0;
        match self {
            AugmentOp::ShearX | AugmentOp::ShearY => 0.3 * level,
            AugmentOp::TranslateX | AugmentOp::TranslateY => 150.0 / 331.0 * level,
            AugmentOp::Rotate => 30.0 * level,
            AugmentOp::Color
            | AugmentOp::Contrast
            | AugmentOp::Sharpness
            | AugmentOp::Brightness => 0.9 * level,
            AugmentOp::Posterize => 8.0 - (4.0 * level).trunc(),
            AugmentOp::Solarize => 255.0 * (1.0 - level),
            AugmentOp::AutoContrast | AugmentOp::Equalize | AugmentOp::Invert => 0.0,
        }
    }

    /// The value RandAugmentV3's operation hands to Pillow at `magnitude` on a
    /// `width x height` image, `negative` being the drawn sign (unsigned operations ignore it).
    /// It is what [`apply_op`] takes.
    pub fn value(self, magnitude: f64, negative: bool, width: usize, height: usize) -> f64 {
        let level = self.level(magnitude);
        let sign = if negative { -1.0 } else { 1.0 };
        match self {
            AugmentOp::ShearX | AugmentOp::ShearY | AugmentOp::Rotate => level * sign,
            AugmentOp::TranslateX => level * width as f64 * sign,
            AugmentOp::TranslateY => level * height as f64 * sign,
            AugmentOp::Color
            | AugmentOp::Contrast
            | AugmentOp::Sharpness
            | AugmentOp::Brightness => 1.0 + level * sign,
            AugmentOp::Posterize
            | AugmentOp::Solarize
            | AugmentOp::AutoContrast
            | AugmentOp::Equalize
            | AugmentOp::Invert => level,
        }
    }
}

/// Applies `op` with `value` exactly as PIL receives it, filling uncovered pixels with `fill`.
/// `value` is, by operation:
///
/// - shear: the signed shear factor (the affine coefficient);
/// - translate: the signed translation in pixels. The affine coefficient is the input offset,
///   so a positive value moves the content left or up;
/// - rotate: the signed angle in degrees, counter-clockwise;
/// - color, contrast, sharpness, brightness: the enhance factor (1 keeps the image);
/// - posterize: the bits kept, a whole number in 1..=8;
/// - solarize: the threshold (values at or above it are inverted);
/// - autocontrast, equalize, invert: ignored.
///
/// `filter` matters only to the geometric operations. Pillow's transform refuses any filter
/// but `Nearest`, `Bilinear` and `Bicubic`, and so does this function, with an `Err`.
/// Rotation's fast paths (0, 180, and 90 or 270 on a square) skip the transform, so they accept
/// any filter, as Pillow does. Errors too: posterize bits Pillow refuses, and values whose
/// result Pillow leaves undefined (a non-finite geometric value, an enhance factor beyond
/// single precision).
pub fn apply_op(
    image: &Image,
    op: AugmentOp,
    value: f64,
    fill: [u8; 3],
    filter: Interpolation,
) -> Result<Image, String> {
    let pixels = match op {
        AugmentOp::ShearX => affine(image, [1.0, value, 0.0, 0.0, 1.0, 0.0], fill, filter)?,
        AugmentOp::ShearY => affine(image, [1.0, 0.0, 0.0, value, 1.0, 0.0], fill, filter)?,
        AugmentOp::TranslateX => affine(image, [1.0, 0.0, value, 0.0, 1.0, 0.0], fill, filter)?,
        AugmentOp::TranslateY => affine(image, [1.0, 0.0, 0.0, 0.0, 1.0, value], fill, filter)?,
        AugmentOp::Rotate => rotate(image, value, fill, filter)?,
        AugmentOp::Color => blend(&grayscale(image), &image.pixels, value)?,
        AugmentOp::Contrast => blend(
            &vec![mean_luma(image); image.pixels.len()],
            &image.pixels,
            value,
        )?,
        AugmentOp::Sharpness => blend(&smooth(image), &image.pixels, value)?,
        AugmentOp::Brightness => blend(&vec![0; image.pixels.len()], &image.pixels, value)?,
        AugmentOp::Posterize => {
            let lut = posterize_lut(value)?;
            map_channels(image, &[lut; 3])
        }
        AugmentOp::Solarize => map_channels(image, &[solarize_lut(value); 3]),
        AugmentOp::AutoContrast => map_channels(image, &histograms(image).map(autocontrast_lut)),
        AugmentOp::Equalize => map_channels(image, &histograms(image).map(equalize_lut)),
        AugmentOp::Invert => map_channels(image, &[std::array::from_fn(|i| 255 - i as u8); 3]),
    };
    Ok(Image {
        width: image.width,
        height: image.height,
        pixels,
        order: image.order,
    })
}

/// PaddleClas's RandAugmentV3.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandAugment {
    /// Operations applied to each image (`num_layers`; V3's default 2).
    pub layers: usize,
    /// `magnitude`, out of 10 (V3's default 3).
    pub magnitude: f64,
    /// `fillcolor` of the pixels the geometric operations uncover (V3's default black).
    pub fill: [u8; 3],
    /// The geometric operations' filter (V3's default bicubic). PaddleClas's `_pil_interp` maps
    /// the config's name: `bicubic` to `Bicubic`, `lanczos` and `hamming` to those (which the
    /// geometric operations then refuse), anything else, `nearest` included, to `Bilinear`.
    pub interpolation: Interpolation,
}

impl Default for RandAugment {
    /// RandAugmentV3's defaults: 2 layers, magnitude 3, black fill, bicubic.
    fn default() -> Self {
        RandAugment {
            layers: 2,
            magnitude: 3.0,
            fill: [0, 0, 0],
            interpolation: Interpolation::Bicubic,
        }
    }
}

impl RandAugment {
    /// Draws one layer for a `width x height` image: an operation uniformly among the
    /// fourteen, then, for a signed one, its sign (a fair coin). Returns the operation and
    /// the value PaddleClas hands to Pillow ([`AugmentOp::value`]).
    pub fn draw(&self, rng: &mut impl Rng, width: usize, height: usize) -> (AugmentOp, f64) {
        let op = AugmentOp::ALL[rng.random_range(0..AugmentOp::ALL.len())];
        let negative = op.is_signed() && rng.random::<bool>();
        (op, op.value(self.magnitude, negative, width, height))
    }

    /// Draws `layers` operations uniformly (with replacement) and a sign for each signed one,
    /// and applies them in turn.
    pub fn apply(&self, mut image: Image, rng: &mut impl Rng) -> Result<Image, String> {
        for _ in 0..self.layers {
            let (op, value) = self.draw(rng, image.width, image.height);
            image = apply_op(&image, op, value, self.fill, self.interpolation)?;
        }
        Ok(image)
    }
}

// ---------------------------------------------------------------------------------------------
// Geometry (Image.transform AFFINE, Image.rotate; libImaging/Geometry.c)
// ---------------------------------------------------------------------------------------------

/// `Image.transform(size, AFFINE, a, filter, fillcolor=fill)` onto an image of the same size:
/// output pixel `(x, y)` samples the input at `(a0 (x + .5) + a1 (y + .5) + a2,
/// a3 (x + .5) + a4 (y + .5) + a5)` (`ImagingTransformAffine`).
fn affine(
    image: &Image,
    a: [f64; 6],
    fill: [u8; 3],
    filter: Interpolation,
) -> Result<Vec<u8>, String> {
    if !matches!(
        filter,
        Interpolation::Nearest | Interpolation::Bilinear | Interpolation::Bicubic
    ) {
        return Err(format!(
            "Pillow's affine transform cannot use {filter:?} (only Nearest, Bilinear, Bicubic)"
        ));
    }
    if a.iter().any(|c| !c.is_finite()) {
        return Err(format!("affine coefficients {a:?} are not finite"));
    }
    let mut out = fill.repeat(image.width * image.height);
    match filter {
        Interpolation::Nearest if a[1] == 0.0 && a[3] == 0.0 => nearest_scale(image, &a, &mut out),
        Interpolation::Nearest if fits_fixed_point(image, &a) => nearest_fixed(image, &a, &mut out),
        Interpolation::Nearest => nearest_float(image, &a, &mut out),
        _ => interpolate(image, &a, &mut out, filter == Interpolation::Bicubic),
    }
    Ok(out)
}

/// Copies input pixel `(x, y)` to output pixel number `at`.
fn copy_pixel(out: &mut [u8], at: usize, image: &Image, x: usize, y: usize) {
    let from = (y * image.width + x) * 3;
    out[at * 3..at * 3 + 3].copy_from_slice(&image.pixels[from..from + 3]);
}

/// Geometry.c's `COORD` (truncation, -1 below zero) followed by its bounds test.
fn coord(v: f64, size: usize) -> Option<usize> {
    (0.0..size as f64).contains(&v).then_some(v as usize)
}

/// Nearest without shear (`ImagingScaleAffine`): the positions are accumulated step by step
/// in double precision, and the output columns between the first and the last valid one
/// take their source column from a table.
fn nearest_scale(image: &Image, a: &[f64; 6], out: &mut [u8]) {
    let (width, height) = (image.width, image.height);
    let mut columns = vec![0; width];
    let (mut first, mut end) = (width, 0);
    let mut x_in = a[2] + a[0] * 0.5;
    for (x, column) in columns.iter_mut().enumerate() {
        if let Some(source) = coord(x_in, width) {
            end = x + 1;
            first = first.min(x);
            *column = source;
        }
        x_in += a[0];
    }
    let mut y_in = a[5] + a[4] * 0.5;
    for y in 0..height {
        if let Some(row) = coord(y_in, height) {
            for (x, &column) in columns.iter().enumerate().take(end).skip(first) {
                copy_pixel(out, y * width + x, image, column, row);
            }
        }
        y_in += a[4];
    }
}

/// Whether all four corners map within +-32768 (`check_fixed`), so that Pillow uses 16.16
/// fixed point.
fn fits_fixed_point(image: &Image, a: &[f64; 6]) -> bool {
    let (width, height) = (image.width as f64, image.height as f64);
    let fits = |x: f64, y: f64| {
        (x * a[0] + y * a[1] + a[2]).abs() < 32768.0 && (x * a[3] + y * a[4] + a[5]).abs() < 32768.0
    };
    fits(0.0, 0.0) && fits(width, height) && fits(0.0, height) && fits(width, 0.0)
}

/// Geometry.c's `FIX`: 16.16 fixed point, `FLOOR(v * 65536 + 0.5)`.
fn fixed(v: f64) -> i64 {
    (v * 65536.0 + 0.5).floor() as i64
}

/// Nearest in 16.16 fixed point (`affine_fixed`), positions accumulated in integers.
fn nearest_fixed(image: &Image, a: &[f64; 6], out: &mut [u8]) {
    let (width, height) = (image.width, image.height);
    let [a0, a1, a3, a4] = [a[0], a[1], a[3], a[4]].map(fixed);
    let mut row_x = fixed(a[2] + a[0] * 0.5 + a[1] * 0.5);
    let mut row_y = fixed(a[5] + a[3] * 0.5 + a[4] * 0.5);
    let inside = |v: i64, size: usize| usize::try_from(v).ok().filter(|&v| v < size);
    for y in 0..height {
        let (mut x_in, mut y_in) = (row_x, row_y);
        for x in 0..width {
            if let (Some(sx), Some(sy)) = (inside(x_in >> 16, width), inside(y_in >> 16, height)) {
                copy_pixel(out, y * width + x, image, sx, sy);
            }
            x_in += a0;
            y_in += a3;
        }
        row_x += a1;
        row_y += a4;
    }
}

/// Nearest in floating point, for matrices beyond fixed point's range (the last branch of
/// `ImagingTransformAffine`), positions accumulated step by step.
fn nearest_float(image: &Image, a: &[f64; 6], out: &mut [u8]) {
    let (width, height) = (image.width, image.height);
    let mut row_x = a[2] + a[1] * 0.5 + a[0] * 0.5;
    let mut row_y = a[5] + a[4] * 0.5 + a[3] * 0.5;
    for y in 0..height {
        let (mut x_in, mut y_in) = (row_x, row_y);
        for x in 0..width {
            if let (Some(sx), Some(sy)) = (coord(x_in, width), coord(y_in, height)) {
                copy_pixel(out, y * width + x, image, sx, sy);
            }
            x_in += a[0];
            y_in += a[3];
        }
        row_x += a[1];
        row_y += a[4];
    }
}

/// Bilinear or bicubic (`ImagingGenericTransform` with `affine_transform`): each output pixel
/// centre is mapped directly; a sample outside `[0, width) x [0, height)` leaves the fill.
fn interpolate(image: &Image, a: &[f64; 6], out: &mut [u8], bicubic: bool) {
    let (width, height) = (image.width, image.height);
    for y in 0..height {
        for x in 0..width {
            let (xo, yo) = (x as f64 + 0.5, y as f64 + 0.5);
            let x_in = a[0] * xo + a[1] * yo + a[2];
            let y_in = a[3] * xo + a[4] * yo + a[5];
            if !(0.0..width as f64).contains(&x_in) || !(0.0..height as f64).contains(&y_in) {
                continue;
            }
            let pixel = if bicubic {
                sample_bicubic(image, x_in, y_in)
            } else {
                sample_bilinear(image, x_in, y_in)
            };
            out[(y * width + x) * 3..][..3].copy_from_slice(&pixel);
        }
    }
}

/// Geometry.c's `XCLIP`/`YCLIP`: the index clamped into `0..size`.
fn clamp_index(index: isize, size: usize) -> usize {
    index.clamp(0, size as isize - 1) as usize
}

/// The index if it is inside `0..size`.
fn inside(index: isize, size: usize) -> Option<usize> {
    usize::try_from(index).ok().filter(|&i| i < size)
}

/// The input byte of `channel` at `(x, y)`, as a double.
fn sample(image: &Image, x: usize, y: usize, channel: usize) -> f64 {
    f64::from(image.pixels[(y * image.width + x) * 3 + channel])
}

/// `bilinear_filter32RGB`: columns clamped; a missing lower row repeats the upper one; the
/// result truncated.
fn sample_bilinear(image: &Image, x: f64, y: f64) -> [u8; 3] {
    let (x, y) = (x - 0.5, y - 0.5);
    let (left, top) = (x.floor(), y.floor());
    let (dx, dy) = (x - left, y - top);
    let (left, top) = (left as isize, top as isize);
    let [x0, x1] = [left, left + 1].map(|c| clamp_index(c, image.width));
    let lerp = |a: f64, b: f64, d: f64| a + (b - a) * d;
    std::array::from_fn(|channel| {
        let row = |r: usize| {
            lerp(
                sample(image, x0, r, channel),
                sample(image, x1, r, channel),
                dx,
            )
        };
        let upper = row(clamp_index(top, image.height));
        let lower = inside(top + 1, image.height).map_or(upper, row);
        lerp(upper, lower, dy) as u8
    })
}

/// `bicubic_filter32RGB`: four clamped columns; rows below the image repeat the previous one;
/// the result clipped to 0..=255 and truncated (the saturating cast).
fn sample_bicubic(image: &Image, x: f64, y: f64) -> [u8; 3] {
    let (x, y) = (x - 0.5, y - 0.5);
    let (left, top) = (x.floor(), y.floor());
    let (dx, dy) = (x - left, y - top);
    let (left, top) = (left as isize - 1, top as isize - 1);
    let columns: [usize; 4] = std::array::from_fn(|i| clamp_index(left + i as isize, image.width));
    std::array::from_fn(|channel| {
        let row = |r: usize| cubic(columns.map(|c| sample(image, c, r, channel)), dx);
        let row0 = row(clamp_index(top, image.height));
        let row1 = inside(top + 1, image.height).map_or(row0, row);
        let row2 = inside(top + 2, image.height).map_or(row1, row);
        let row3 = inside(top + 3, image.height).map_or(row2, row);
        cubic([row0, row1, row2, row3], dy) as u8
    })
}

/// Geometry.c's `BICUBIC`: cubic convolution with a = -1 between `v2` (d = 0) and `v3`
/// (d = 1), in this order of operations.
fn cubic([v1, v2, v3, v4]: [f64; 4], d: f64) -> f64 {
    let p2 = -v1 + v3;
    let p3 = 2.0 * (v1 - v2) + v3 - v4;
    let p4 = -v1 + v2 - v3 + v4;
    v2 + d * (p2 + d * (p3 + d * p4))
}

/// `Image.rotate(degrees, filter, fillcolor=fill)` without expand.
fn rotate(
    image: &Image,
    degrees: f64,
    fill: [u8; 3],
    filter: Interpolation,
) -> Result<Vec<u8>, String> {
    if !degrees.is_finite() {
        return Err(format!("rotation angle {degrees} is not finite"));
    }
    let angle = modulo_360(degrees);
    let square = image.width == image.height;
    if angle == 0.0 {
        return Ok(image.pixels.clone());
    }
    if angle == 180.0 {
        return Ok(image
            .pixels
            .chunks_exact(3)
            .rev()
            .flatten()
            .copied()
            .collect());
    }
    if (angle == 90.0 || angle == 270.0) && square {
        return Ok(quarter_turn(image, angle == 90.0));
    }
    let radians = -angle.to_radians();
    let (sin, cos) = (radians.sin(), radians.cos());
    let [cos, sin, minus_sin] = [cos, sin, -sin].map(round_15);
    let (cx, cy) = (image.width as f64 / 2.0, image.height as f64 / 2.0);
    let mut a = [cos, sin, 0.0, minus_sin, cos, 0.0];
    a[2] = a[0] * -cx + a[1] * -cy + a[2] + cx;
    a[5] = a[3] * -cx + a[4] * -cy + a[5] + cy;
    affine(image, a, fill, filter)
}

/// Python's `degrees % 360.0` (the result has the divisor's sign; a zero result is +0).
fn modulo_360(degrees: f64) -> f64 {
    let rest = degrees % 360.0;
    if rest == 0.0 {
        0.0
    } else if rest < 0.0 {
        rest + 360.0
    } else {
        rest
    }
}

/// Python's `round(v, 15)`: the double nearest to `v` rounded to 15 decimals (both steps
/// correctly rounded, as CPython's are).
fn round_15(v: f64) -> f64 {
    format!("{v:.15}").parse().unwrap_or(v)
}

/// `Transpose.ROTATE_90` (counter-clockwise) or `ROTATE_270` of a square image.
fn quarter_turn(image: &Image, counter_clockwise: bool) -> Vec<u8> {
    let n = image.width;
    let mut out = Vec::with_capacity(image.pixels.len());
    for row in 0..n {
        for column in 0..n {
            let (x, y) = if counter_clockwise {
                (n - 1 - row, column)
            } else {
                (row, n - 1 - column)
            };
            let at = (y * n + x) * 3;
            out.extend_from_slice(&image.pixels[at..at + 3]);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ImageEnhance (Image.blend; libImaging/Blend.c, Convert.c, Filter.c)
// ---------------------------------------------------------------------------------------------

/// `Image.blend(degenerate, image, factor)`: `degenerate + alpha (image - degenerate)` in
/// single precision, `alpha` the factor rounded to `f32`; alpha 0 and 1 copy; the result
/// clipped to 0..=255 and truncated (the saturating cast; inside 0..=1 it is already in range).
fn blend(degenerate: &[u8], image: &[u8], factor: f64) -> Result<Vec<u8>, String> {
    let alpha = factor as f32;
    if !alpha.is_finite() {
        return Err(format!(
            "enhance factor {factor} is not a finite single-precision number"
        ));
    }
    if alpha == 0.0 {
        return Ok(degenerate.to_vec());
    }
    if alpha == 1.0 {
        return Ok(image.to_vec());
    }
    Ok(degenerate
        .iter()
        .zip(image)
        .map(|(&from, &to)| {
            (f32::from(from) + alpha * f32::from(i16::from(to) - i16::from(from))) as u8
        })
        .collect())
}

/// `convert("L")` of one RGB pixel: ITU-R 601 luma in 16-bit fixed point, rounded.
fn luma(pixel: &[u8]) -> u8 {
    let [r, g, b] = [pixel[0], pixel[1], pixel[2]].map(u32::from);
    ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) as u8
}

/// Color's degenerate image: `convert("L").convert("RGB")`.
fn grayscale(image: &Image) -> Vec<u8> {
    image
        .pixels
        .chunks_exact(3)
        .flat_map(|pixel| [luma(pixel); 3])
        .collect()
}

/// Contrast's grey level: `int(mean + 0.5)` of the luma image's mean (`ImageStat`: the exact
/// sum over the count, 0 for an empty image).
fn mean_luma(image: &Image) -> u8 {
    let count = image.pixels.len() / 3;
    if count == 0 {
        return 0;
    }
    let sum: u64 = image
        .pixels
        .chunks_exact(3)
        .map(|p| u64::from(luma(p)))
        .sum();
    (sum as f64 / count as f64 + 0.5) as u8
}

/// Sharpness's degenerate image: `ImageFilter.SMOOTH` (`ImagingFilter3x3`). The kernel is
/// `[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13` in single precision, each row summed left to right
/// onto 0.5 (bottom row first), and the result truncated. The first and last rows and columns
/// are copied; an image narrower or shorter than 3 is copied whole.
fn smooth(image: &Image) -> Vec<u8> {
    let (width, height) = (image.width, image.height);
    let mut out = image.pixels.clone();
    if width < 3 || height < 3 {
        return out;
    }
    let edge = 1.0f32 / 13.0;
    let centre = 5.0f32 / 13.0;
    let at =
        |x: usize, y: usize, channel: usize| f32::from(image.pixels[(y * width + x) * 3 + channel]);
    for y in 1..height - 1 {
        for x in 1..width - 1 {
            for channel in 0..3 {
                let row = |r: usize, middle: f32| {
                    at(x - 1, r, channel) * edge
                        + at(x, r, channel) * middle
                        + at(x + 1, r, channel) * edge
                };
                let mut sum = 0.5f32;
                sum += row(y + 1, edge);
                sum += row(y, centre);
                sum += row(y - 1, edge);
                out[(y * width + x) * 3 + channel] = sum as u8;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ImageOps lookup tables (Image.point)
// ---------------------------------------------------------------------------------------------

/// Each channel through its own table.
fn map_channels(image: &Image, luts: &[[u8; 256]; 3]) -> Vec<u8> {
    image
        .pixels
        .iter()
        .zip(luts.iter().cycle())
        .map(|(&value, lut)| lut[usize::from(value)])
        .collect()
}

/// The three channels' histograms.
fn histograms(image: &Image) -> [[u64; 256]; 3] {
    let mut counts = [[0u64; 256]; 3];
    for pixel in image.pixels.chunks_exact(3) {
        for (histogram, &value) in counts.iter_mut().zip(pixel) {
            histogram[usize::from(value)] += 1;
        }
    }
    counts
}

fn identity_lut() -> [u8; 256] {
    std::array::from_fn(|i| i as u8)
}

/// `ImageOps.posterize`: keeps the top `bits` bits. Pillow refuses bits outside 1..=8 (and
/// non-integers).
fn posterize_lut(bits: f64) -> Result<[u8; 256], String> {
    if bits.fract() != 0.0 || !(1.0..=8.0).contains(&bits) {
        return Err(format!(
            "posterize keeps a whole number of bits in 1..=8, not {bits}"
        ));
    }
    let mask = 0xFFu8 << (8 - bits as u32);
    Ok(std::array::from_fn(|i| i as u8 & mask))
}

/// `ImageOps.solarize`: values `>= threshold` inverted.
fn solarize_lut(threshold: f64) -> [u8; 256] {
    std::array::from_fn(|i| {
        if (i as f64) < threshold {
            i as u8
        } else {
            255 - i as u8
        }
    })
}

/// `ImageOps.autocontrast` (no cutoff, nothing ignored) for one channel: its lowest value
/// `lo` to 0 and highest `hi` to 255 by `int(i * scale + offset)`, `scale = 255 / (hi - lo)`,
/// `offset = -lo * scale`, clipped; a channel with one value (or none) is left alone.
fn autocontrast_lut(histogram: [u64; 256]) -> [u8; 256] {
    let lo = histogram.iter().position(|&n| n > 0);
    let hi = histogram.iter().rposition(|&n| n > 0);
    match (lo, hi) {
        (Some(lo), Some(hi)) if hi > lo => {
            let scale = 255.0 / (hi - lo) as f64;
            let offset = -(lo as f64) * scale;
            // Saturating: Python's int() (truncation) and the clip to 0..=255.
            std::array::from_fn(|i| (i as f64 * scale + offset) as u8)
        }
        _ => identity_lut(),
    }
}

/// `ImageOps.equalize` for one channel: `step = (count - count of the last value) // 255`;
/// entry `i` is `(step // 2 + count below i) // step`, clipped to 255. A channel with one
/// value, or with `step` 0, is left alone.
fn equalize_lut(histogram: [u64; 256]) -> [u8; 256] {
    let mut present = histogram.iter().copied().filter(|&n| n > 0);
    let last = present.next_back().unwrap_or(0);
    let total: u64 = histogram.iter().sum();
    let step = (total - last) / 255;
    if present.next().is_none() || step == 0 {
        return identity_lut();
    }
    let mut lut = [0u8; 256];
    let mut below = step / 2;
    for (entry, &count) in lut.iter_mut().zip(&histogram) {
        *entry = (below / step).min(255) as u8;
        below += count;
    }
    lut
}
