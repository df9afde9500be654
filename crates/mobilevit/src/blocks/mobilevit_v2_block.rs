//! The MobileViTv2 block: a depthwise local convolution, separable attention over unfolded
//! patches, and a projection back. No fusion with the input, no residual.

use burn::config::Config;
use burn::module::Module;
use burn::nn::GroupNorm;
use burn::nn::conv::Conv2d;
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Tensor};

use super::conv_norm_act::{ConvNormAct, ConvNormActConfig};
use super::linear_attention::pointwise;
use super::linear_transformer_layer::{
    LinearTransformerLayer, LinearTransformerLayerConfig, group_norm_1,
};
use super::patches::{
    PatchGrid, UnfoldRemainder, fold_channels_first, resize_bilinear_aligned, unfold_channels_first,
};

/// Configuration of a [`MobileVitV2Block`].
#[derive(Config, Debug)]
pub struct MobileVitV2BlockConfig {
    /// Channels `C` in and out.
    pub channels: usize,
    /// Each linear-attention transformer layer: token dimension `d`, MLP width, dropout rates.
    pub layer: LinearTransformerLayerConfig,
    /// Transformer layers `L`.
    pub depth: usize,
    /// Square patch size.
    pub patch_size: usize,
    /// What happens to a map whose size is not a multiple of the patch.
    #[config(default = "UnfoldRemainder::Interpolate")]
    pub remainder: UnfoldRemainder,
    /// MobileViTv3's fusion: the projection takes the global features with the local ones
    /// (`[global, local]`, 2d channels), and the block's input is added.
    #[config(default = false)]
    pub fuse_local: bool,
}

/// ml-cvnets' `MobileViTBlockv2` with timm's field names.
///
/// 3x3 depthwise conv -> 1x1 conv (C -> d, no norm, no bias) -> unfold into `[B, d, P, N]`
/// -> L linear transformer layers -> `GroupNorm(1)` -> fold -> 1x1 conv (d -> C) with batch
/// norm and no activation. With MobileViTv3's fusion (`fuse_local`), the 1x1 conv takes
/// `[global, local]` (2d -> C) and the block's input is added.
#[derive(Module, Debug)]
pub struct MobileVitV2Block {
    /// Local representation, 3x3 depthwise.
    pub conv_kxk: ConvNormAct,
    /// Projection to the token dimension, 1x1, bare.
    pub conv_1x1: Conv2d,
    /// Global representation.
    pub transformer: Vec<LinearTransformerLayer>,
    /// Norm after the last transformer layer.
    pub norm: GroupNorm,
    /// Projection back to `C`, 1x1, no activation (of `[global, local]` with v3's fusion).
    pub conv_proj: ConvNormAct,
    /// MobileViTv3's fusion and residual.
    pub fuse_local: bool,
    /// Patch height and width.
    pub patch_size: usize,
    /// What happens to a map whose size is not a multiple of the patch.
    #[module(skip)]
    pub remainder: UnfoldRemainder,
}

impl MobileVitV2BlockConfig {
    /// Builds the block.
    pub fn init(&self, device: &Device) -> MobileVitV2Block {
        let dim = self.layer.dim;
        MobileVitV2Block {
            conv_kxk: ConvNormActConfig::new(self.channels, self.channels, 3)
                .with_groups(self.channels)
                .init(device),
            conv_1x1: pointwise(self.channels, dim, false, device),
            transformer: (0..self.depth).map(|_| self.layer.init(device)).collect(),
            norm: group_norm_1(dim, device),
            conv_proj: ConvNormActConfig::pointwise(
                if self.fuse_local { 2 } else { 1 } * dim,
                self.channels,
            )
            .with_activation(false)
            .init(device),
            fuse_local: self.fuse_local,
            patch_size: self.patch_size,
            remainder: self.remainder,
        }
    }
}

impl MobileVitV2Block {
    /// # Shapes
    /// - `input`: `[B, C, H, W]`
    /// - output: `[B, C, H', W']`: `H, W` rounded up to the patch size with
    ///   [`UnfoldRemainder::Interpolate`], `H, W` with [`UnfoldRemainder::ZeroFill`]
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let patch = [self.patch_size, self.patch_size];
        let input = match self.remainder {
            UnfoldRemainder::Interpolate => {
                let [_, _, height, width] = input.dims();
                resize_bilinear_aligned(input, PatchGrid::covering(height, width, patch).size())
            }
            UnfoldRemainder::ZeroFill => input,
        };
        let [batch, _, height, width] = input.dims();
        let local = self.conv_1x1.forward(self.conv_kxk.forward(input.clone()));
        let tokens = local.clone();
        let grid = PatchGrid::within(height, width, patch);
        let [covered_height, covered_width] = grid.size();
        let remainder = [height - covered_height, width - covered_width];
        let tokens = if remainder == [0, 0] {
            tokens
        } else {
            let dim = self.dim();
            tokens.slice([0..batch, 0..dim, 0..covered_height, 0..covered_width])
        };
        // [B, d, nh * ph, nw * pw] -> [B, d, P, N]
        let mut sequences = unfold_channels_first(tokens, grid);
        for layer in &self.transformer {
            sequences = layer.forward(sequences);
        }
        let global = fold_channels_first(self.norm.forward(sequences), grid);
        // What was left out of the tokens is zero ([UnfoldRemainder::ZeroFill]).
        let global = if remainder == [0, 0] {
            global
        } else {
            global.pad(
                [(0, remainder[0]), (0, remainder[1])],
                PadMode::Constant(0.0),
            )
        };
        if self.fuse_local {
            self.conv_proj.forward(Tensor::cat(vec![global, local], 1)) + input
        } else {
            self.conv_proj.forward(global)
        }
    }

    /// Token dimension `d`.
    pub fn dim(&self) -> usize {
        self.conv_1x1.weight.dims()[0]
    }

    /// The block with `f` applied to each of its conv-norm-activation units (folding their
    /// batch norms, setting their running-variance estimator).
    pub fn map_units(self, f: &mut impl FnMut(ConvNormAct) -> ConvNormAct) -> Self {
        Self {
            conv_kxk: f(self.conv_kxk),
            conv_proj: f(self.conv_proj),
            ..self
        }
    }
}
