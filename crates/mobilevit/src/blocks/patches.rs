//! Unfolding a feature map into per-pixel-position token sequences, and folding it back.
//!
//! With a `ph x pw` patch, a map of `nh x nw` patches becomes `P = ph * pw` sequences of
//! `N = nh * nw` tokens. Pixel `(y, x) = (ih * ph + py, iw * pw + px)` of channel `c` in image
//! `b` goes to sequence `b * P + py * pw + px`, token `ih * nw + iw`, feature `c`: attention
//! runs across patches, once for each position inside a patch. This is the index map of
//! ml-cvnets, timm, HF transformers and PaddleClas (spec section 1.3).

use burn::tensor::Tensor;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use serde::{Deserialize, Serialize};

/// How a folded feature map is resized back to the size it had before unfolding, when that
/// size was not a multiple of the patch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FoldResize {
    /// Bilinear, half-pixel centres (`align_corners = false`): ml-cvnets, timm, HF.
    #[default]
    Bilinear,
    /// Nearest neighbour, `floor(dst * in / out)`: PaddleClas.
    Nearest,
}

/// The patch grid of a feature map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchGrid {
    /// Patch height and width.
    pub patch: [usize; 2],
    /// Patches down and across.
    pub patches: [usize; 2],
}

impl PatchGrid {
    /// The grid covering a `height x width` map, rounding the map up to whole patches.
    pub fn covering(height: usize, width: usize, patch: [usize; 2]) -> Self {
        Self {
            patch,
            patches: [height.div_ceil(patch[0]), width.div_ceil(patch[1])],
        }
    }

    /// Size of the map the grid covers exactly.
    pub fn size(&self) -> [usize; 2] {
        [
            self.patches[0] * self.patch[0],
            self.patches[1] * self.patch[1],
        ]
    }

    /// Pixels per patch, `P`: the number of sequences per image.
    pub fn pixels_per_patch(&self) -> usize {
        self.patch[0] * self.patch[1]
    }

    /// Patches per image, `N`: the sequence length.
    pub fn num_patches(&self) -> usize {
        self.patches[0] * self.patches[1]
    }
}

/// Bilinear resize with half-pixel centres, as `F.interpolate(..., align_corners=False)`.
pub fn resize_bilinear(x: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    resize(x, size, FoldResize::Bilinear)
}

/// Resize with the given mode; the identity when the size already matches.
pub fn resize(x: Tensor<4>, size: [usize; 2], mode: FoldResize) -> Tensor<4> {
    let [_, _, height, width] = x.dims();
    if [height, width] == size {
        return x;
    }
    let mode = match mode {
        FoldResize::Bilinear => InterpolateMode::Bilinear,
        FoldResize::Nearest => InterpolateMode::Nearest,
    };
    let options = InterpolateOptions::new(mode)
        .with_align_corners(false)
        .with_output_size(size);
    interpolate(x, options)
}

/// # Shapes
/// - `x`: `[B, C, nh * ph, nw * pw]`, exactly covered by `grid`
/// - output: `[B * P, N, C]`
pub fn unfold(x: Tensor<4>, grid: PatchGrid) -> Tensor<3> {
    let [batch, channels, _, _] = x.dims();
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    // [B, C, nh, ph, nw, pw] -> [B, ph, pw, nh, nw, C]
    x.reshape([batch, channels, nh, ph, nw, pw])
        .permute([0, 3, 5, 2, 4, 1])
        .reshape([
            batch * grid.pixels_per_patch(),
            grid.num_patches(),
            channels,
        ])
}

/// The inverse of [`unfold`].
///
/// # Shapes
/// - `patches`: `[B * P, N, C]`
/// - output: `[B, C, nh * ph, nw * pw]`
pub fn fold(patches: Tensor<3>, grid: PatchGrid) -> Tensor<4> {
    let [sequences, _, channels] = patches.dims();
    let batch = sequences / grid.pixels_per_patch();
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let [height, width] = grid.size();
    // [B, ph, pw, nh, nw, C] -> [B, C, nh, ph, nw, pw]
    patches
        .reshape([batch, ph, pw, nh, nw, channels])
        .permute([0, 5, 3, 1, 4, 2])
        .reshape([batch, channels, height, width])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn arange_map(shape: [usize; 4], device: &Device) -> Tensor<4> {
        let values: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|v| v as f32)
            .collect();
        Tensor::from_data(TensorData::new(values, shape), device)
    }

    #[test]
    fn unfold_follows_the_reference_index_map() {
        let device = Device::flex();
        let (batch, channels, height, width) = (2, 3, 4, 6);
        let grid = PatchGrid::covering(height, width, [2, 2]);
        let map = arange_map([batch, channels, height, width], &device);
        let source = map.to_data().try_to_vec::<f32>().unwrap();
        let patches = unfold(map, grid);
        assert_eq!(patches.dims(), [batch * 4, 6, channels]);
        let unfolded = patches.to_data().try_to_vec::<f32>().unwrap();
        let nw = width / 2;
        for b in 0..batch {
            for c in 0..channels {
                for y in 0..height {
                    for x in 0..width {
                        let (ih, py, iw, px) = (y / 2, y % 2, x / 2, x % 2);
                        let sequence = b * 4 + py * 2 + px;
                        let token = ih * nw + iw;
                        let got = unfolded[(sequence * 6 + token) * channels + c];
                        let want = source[((b * channels + c) * height + y) * width + x];
                        assert_eq!(got, want, "b={b} c={c} y={y} x={x}");
                    }
                }
            }
        }
    }

    #[test]
    fn fold_inverts_unfold() {
        let device = Device::flex();
        let map = arange_map([2, 5, 8, 4], &device);
        let grid = PatchGrid::covering(8, 4, [2, 2]);
        let back = fold(unfold(map.clone(), grid), grid);
        assert_eq!(back.to_data(), map.to_data());
    }

    #[test]
    fn nearest_resize_picks_floor_of_the_scaled_index() {
        // PaddleClas's fold-back: source index floor(dst * in / out), as F.interpolate's
        // default 'nearest'.
        let device = Device::flex();
        let (size_in, size_out) = ([8, 6], [7, 5]);
        let map = arange_map([1, 2, size_in[0], size_in[1]], &device);
        let source = map.to_data().try_to_vec::<f32>().unwrap();
        let resized = resize(map, size_out, FoldResize::Nearest);
        assert_eq!(resized.dims(), [1, 2, 7, 5]);
        let values = resized.to_data().try_to_vec::<f32>().unwrap();
        for c in 0..2 {
            for y in 0..size_out[0] {
                for x in 0..size_out[1] {
                    let sy = y * size_in[0] / size_out[0];
                    let sx = x * size_in[1] / size_out[1];
                    let want = source[(c * size_in[0] + sy) * size_in[1] + sx];
                    let got = values[(c * size_out[0] + y) * size_out[1] + x];
                    assert_eq!(got, want, "c={c} y={y} x={x}");
                }
            }
        }
    }

    #[test]
    fn resizing_to_the_same_size_is_the_identity() {
        let device = Device::flex();
        let map = arange_map([1, 1, 4, 4], &device);
        let same = resize(map.clone(), [4, 4], FoldResize::Bilinear);
        assert_eq!(same.to_data(), map.to_data());
    }

    #[test]
    fn the_grid_rounds_up_to_whole_patches() {
        let grid = PatchGrid::covering(7, 13, [2, 2]);
        assert_eq!(grid.size(), [8, 14]);
        assert_eq!(grid.num_patches(), 4 * 7);
    }
}
