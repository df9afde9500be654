//! Unfolding a feature map into per-pixel-position token sequences, and folding it back.
//!
//! With a `ph x pw` patch, a map of `nh x nw` patches becomes `P = ph * pw` sequences of
//! `N = nh * nw` tokens. Pixel `(y, x) = (ih * ph + py, iw * pw + px)` of channel `c` in image
//! `b` goes to sequence `b * P + py * pw + px`, token `ih * nw + iw`, feature `c`: attention
//! runs across patches, once for each position inside a patch. This is the index map of
//! ml-cvnets, timm, HF transformers and PaddleClas (spec section 1.3).

use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Tensor, TensorData};
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

/// How a MobileViTv2 block treats a map whose height or width is not a multiple of the patch
/// size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnfoldRemainder {
    /// The block's input is resized up to the next multiple, bilinearly with aligned corners
    /// (`align_corners = true`), and the block keeps that size: ml-cvnets and timm.
    #[default]
    Interpolate,
    /// The last row or column left over is not unfolded into tokens and is zero after folding,
    /// so the block keeps the size it was given: HF transformers (`F.unfold` and `F.fold`).
    ZeroFill,
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

    /// The whole patches inside a `height x width` map, leaving a remainder out.
    pub fn within(height: usize, width: usize, patch: [usize; 2]) -> Self {
        Self {
            patch,
            patches: [height / patch[0], width / patch[1]],
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
///
/// # Shapes
/// - `x`: `[B, C, H, W]`
/// - output: `[B, C, size[0], size[1]]`
pub fn resize(x: Tensor<4>, size: [usize; 2], mode: FoldResize) -> Tensor<4> {
    let [_, _, height, width] = x.dims();
    if [height, width] == size {
        return x;
    }
    match mode {
        FoldResize::Bilinear => resize_separable(x, size, false),
        FoldResize::Nearest => {
            let options = InterpolateOptions::new(InterpolateMode::Nearest)
                .with_align_corners(false)
                .with_output_size(size);
            interpolate(x, options)
        }
    }
}

/// Bilinear resize with aligned corners, as `F.interpolate(..., align_corners=True)`: the
/// corner pixels of input and output coincide. The identity when the size already matches.
///
/// # Shapes
/// - `x`: `[B, C, H, W]`
/// - output: `[B, C, size[0], size[1]]`
pub fn resize_bilinear_aligned(x: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    let [_, _, height, width] = x.dims();
    if [height, width] == size {
        return x;
    }
    resize_separable(x, size, true)
}

/// Bilinear resize as two matrix products with fixed interpolation weights, one per axis.
///
/// Every backend differentiates a matmul, while the cubecl backends (wgpu, CUDA) implement no
/// backward for bilinear `interpolate`; one code path keeps CPU and GPU numerically alike.
/// Each output pixel is `l0h * (l0w * x00 + l1w * x01) + l1h * (l0w * x10 + l1w * x11)`, the
/// order of PyTorch's kernel; the other weights of a row are exact zeros.
///
/// # Shapes
/// - `x`: `[B, C, H, W]`
/// - output: `[B, C, size[0], size[1]]`
fn resize_separable(x: Tensor<4>, size: [usize; 2], align_corners: bool) -> Tensor<4> {
    let [batch, channels, height, width] = x.dims();
    let [out_height, out_width] = size;
    let device = x.device();
    let dtype = x.dtype();
    let weights = |input: usize, output: usize| {
        let values = TensorData::new(
            bilinear_weights(input, output, align_corners),
            [input, output],
        );
        Tensor::<2>::from_data(values, (&device, dtype))
    };
    let maps = batch * channels;
    let across = x
        .reshape([maps * height, width])
        .matmul(weights(width, out_width))
        .reshape([maps, height, out_width])
        .swap_dims(1, 2)
        .reshape([maps * out_width, height]);
    across
        .matmul(weights(height, out_height))
        .reshape([maps, out_width, out_height])
        .swap_dims(1, 2)
        .reshape([batch, channels, out_height, out_width])
}

/// The `[input, output]` matrix of 1-D linear interpolation, with half-pixel centres
/// (`align_corners = false`) or aligned corners: column `o` holds the weights of output sample
/// `o` on the input samples, computed in `f32` as PyTorch does for `f32` maps.
fn bilinear_weights(input: usize, output: usize, align_corners: bool) -> Vec<f32> {
    let scale = match (align_corners, output) {
        (true, 1) => 0.0,
        (true, _) => (input - 1) as f32 / (output - 1) as f32,
        (false, _) => input as f32 / output as f32,
    };
    let mut weights = vec![0.0f32; input * output];
    for o in 0..output {
        let source = if align_corners {
            scale * o as f32
        } else {
            (scale * (o as f32 + 0.5) - 0.5).max(0.0)
        };
        let lower = (source.floor() as usize).min(input - 1);
        let upper = (lower + 1).min(input - 1);
        let upper_weight = (source - lower as f32).clamp(0.0, 1.0);
        weights[lower * output + o] += 1.0 - upper_weight;
        weights[upper * output + o] += upper_weight;
    }
    weights
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

/// MobileViTv2's unfolding: the same index map as [`unfold`], with channels kept first.
///
/// # Shapes
/// - `x`: `[B, C, nh * ph, nw * pw]`, exactly covered by `grid`
/// - output: `[B, C, P, N]`
pub fn unfold_channels_first(x: Tensor<4>, grid: PatchGrid) -> Tensor<4> {
    let [batch, channels, _, _] = x.dims();
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    // [B, C, nh, ph, nw, pw] -> [B, C, ph, pw, nh, nw]
    x.reshape([batch, channels, nh, ph, nw, pw])
        .permute([0, 1, 3, 5, 2, 4])
        .reshape([batch, channels, grid.pixels_per_patch(), grid.num_patches()])
}

/// The inverse of [`unfold_channels_first`].
///
/// # Shapes
/// - `patches`: `[B, C, P, N]`
/// - output: `[B, C, nh * ph, nw * pw]`
pub fn fold_channels_first(patches: Tensor<4>, grid: PatchGrid) -> Tensor<4> {
    let [batch, channels, _, _] = patches.dims();
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let [height, width] = grid.size();
    // [B, C, ph, pw, nh, nw] -> [B, C, nh, ph, nw, pw]
    patches
        .reshape([batch, channels, ph, pw, nh, nw])
        .permute([0, 1, 4, 2, 5, 3])
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

    /// Output and input gradient of `sum(resize(x) * g)` on flex with autodiff.
    fn resize_and_gradient(
        resize: impl Fn(Tensor<4>) -> Tensor<4>,
        shape: [usize; 4],
        size: [usize; 2],
    ) -> [Vec<f32>; 2] {
        let device = Device::flex().autodiff();
        let count = shape.iter().product::<usize>();
        let values: Vec<f32> = (0..count)
            .map(|i| ((i * 37) % 23) as f32 / 7.0 - 1.5)
            .collect();
        let x = Tensor::<4>::from_data(TensorData::new(values, shape), &device).require_grad();
        let out_count = shape[0] * shape[1] * size[0] * size[1];
        let g: Vec<f32> = (0..out_count)
            .map(|i| ((i * 11) % 17) as f32 / 5.0 - 1.0)
            .collect();
        let g = Tensor::<4>::from_data(
            TensorData::new(g, [shape[0], shape[1], size[0], size[1]]),
            &device,
        );
        let output = resize(x.clone());
        let grads = (output.clone() * g).sum().backward();
        let x_grad = x.grad(&grads).unwrap();
        [output, x_grad].map(|t| t.into_data().try_to_vec::<f32>().unwrap())
    }

    #[test]
    fn separable_bilinear_matches_interpolate_forward_and_backward() {
        // Up- and down-sampling, non-square, as the fold-back of 193x301 inputs does.
        for (shape, size) in [
            ([2, 3, 7, 10], [8, 12]),
            ([1, 4, 8, 12], [7, 10]),
            ([2, 2, 5, 3], [9, 2]),
        ] {
            let ours = resize_and_gradient(|x| resize(x, size, FoldResize::Bilinear), shape, size);
            let options = InterpolateOptions::new(InterpolateMode::Bilinear)
                .with_align_corners(false)
                .with_output_size(size);
            let burn = resize_and_gradient(|x| interpolate(x, options.clone()), shape, size);
            for (what, (a, b)) in ["output", "gradient"].iter().zip(ours.iter().zip(&burn)) {
                assert_eq!(a.len(), b.len());
                for (i, (a, b)) in a.iter().zip(b).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-5,
                        "{what} {shape:?}->{size:?} [{i}]: {a} vs {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn aligned_corners_resize_matches_burns_interpolate() {
        for (shape, size) in [([2, 3, 7, 9], [8, 10]), ([1, 2, 25, 13], [26, 14])] {
            let ours = resize_and_gradient(|x| resize_bilinear_aligned(x, size), shape, size);
            let options = InterpolateOptions::new(InterpolateMode::Bilinear)
                .with_align_corners(true)
                .with_output_size(size);
            let burn = resize_and_gradient(|x| interpolate(x, options.clone()), shape, size);
            for (a, b) in ours[0].iter().zip(&burn[0]) {
                assert!((a - b).abs() <= 1e-5, "{shape:?}->{size:?}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn channels_first_unfold_is_the_same_index_map_and_folds_back() {
        let device = Device::flex();
        let map = arange_map([2, 3, 4, 6], &device);
        let grid = PatchGrid::covering(4, 6, [2, 2]);
        let first = unfold_channels_first(map.clone(), grid);
        // [B, C, P, N] -> [B, P, N, C] -> [B * P, N, C]: the tokens of `unfold`.
        let tokens = first.clone().permute([0, 2, 3, 1]).reshape([2 * 4, 6, 3]);
        assert_eq!(tokens.to_data(), unfold(map.clone(), grid).to_data());
        assert_eq!(fold_channels_first(first, grid).to_data(), map.to_data());
    }

    #[test]
    fn bilinear_weights_sum_to_one_per_output_sample() {
        for ((input, output), align_corners) in [(7, 8), (8, 7), (5, 9), (3, 2), (1, 4)]
            .into_iter()
            .flat_map(|sizes| [(sizes, false), (sizes, true)])
        {
            let weights = bilinear_weights(input, output, align_corners);
            for o in 0..output {
                let total: f32 = (0..input).map(|i| weights[i * output + o]).sum();
                assert!(
                    (total - 1.0).abs() < 1e-6,
                    "{input}->{output} column {o}: {total}"
                );
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
        let inside = PatchGrid::within(7, 13, [2, 2]);
        assert_eq!(inside.size(), [6, 12]);
    }
}
