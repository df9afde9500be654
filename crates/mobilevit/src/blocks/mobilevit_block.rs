//! The MobileViT block: local convolutions, a transformer over unfolded patches, fusion.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Tensor};

use super::conv_norm_act::{ConvNormAct, ConvNormActConfig, kaiming_normal_fan_out};
use super::patches::{FoldResize, PatchGrid, fold, resize, resize_bilinear, unfold};
use super::transformer_layer::{LAYER_NORM_EPS, TransformerLayer, TransformerLayerConfig};

/// Configuration of a [`MobileVitBlock`].
#[derive(Config, Debug)]
pub struct MobileVitBlockConfig {
    /// Channels `C` in and out.
    pub channels: usize,
    /// Each transformer layer: token dimension `d`, heads, MLP width, dropout rates.
    pub layer: TransformerLayerConfig,
    /// Transformer layers `L`.
    pub depth: usize,
    /// Square patch size.
    pub patch_size: usize,
    /// Epsilon of the LayerNorm after the last transformer layer (PaddleClas: 1e-6).
    #[config(default = 1e-5)]
    pub final_norm_eps: f64,
    /// How the folded map is resized back when it was resized before unfolding.
    #[config(default = "FoldResize::Bilinear")]
    pub fold_resize: FoldResize,
}

/// ml-cvnets' `MobileViTBlock` with timm's field names.
///
/// 3x3 conv (C -> C) -> 1x1 conv (C -> d, no norm, no bias) -> unfold into 2x2-patch
/// sequences -> L transformer layers -> LayerNorm -> fold -> 1x1 conv (d -> C) ->
/// concat `[input, projection]` -> 3x3 conv (2C -> C). Maps whose size is not a multiple of
/// the patch are resized bilinearly up to one before unfolding and back after folding.
#[derive(Module, Debug)]
pub struct MobileVitBlock {
    /// Local representation, 3x3.
    pub conv_kxk: ConvNormAct,
    /// Projection to the token dimension, 1x1, bare.
    pub conv_1x1: Conv2d,
    /// Global representation.
    pub transformer: Vec<TransformerLayer>,
    /// LayerNorm after the last transformer layer.
    pub norm: LayerNorm,
    /// Projection back to `C`, 1x1.
    pub conv_proj: ConvNormAct,
    /// Fusion of input and projection, 3x3.
    pub conv_fusion: ConvNormAct,
    /// Patch height and width.
    pub patch_size: usize,
    /// How the folded map is resized back.
    #[module(skip)]
    pub fold_resize: FoldResize,
}

impl MobileVitBlockConfig {
    /// Builds the block.
    pub fn init(&self, device: &Device) -> MobileVitBlock {
        let dim = self.layer.dim;
        MobileVitBlock {
            conv_kxk: ConvNormActConfig::new(self.channels, self.channels, 3).init(device),
            conv_1x1: Conv2dConfig::new([self.channels, dim], [1, 1])
                .with_bias(false)
                .with_initializer(kaiming_normal_fan_out(dim, 1))
                .init(device),
            transformer: (0..self.depth).map(|_| self.layer.init(device)).collect(),
            norm: LayerNormConfig::new(dim)
                .with_epsilon(self.final_norm_eps)
                .init(device),
            conv_proj: ConvNormActConfig::pointwise(dim, self.channels).init(device),
            conv_fusion: ConvNormActConfig::new(2 * self.channels, self.channels, 3).init(device),
            patch_size: self.patch_size,
            fold_resize: self.fold_resize,
        }
    }
}

/// `[B, d, H, W]` tokens resized up to whole patches, unfolded into `[B * P, N, d]`
/// sequences, through the transformer `layers` and the final `norm`, folded and resized back
/// to `H x W` with `fold_resize` (v1's and v3's blocks).
///
/// # Shapes
/// - `tokens`: `[B, d, H, W]`
/// - output: `[B, d, H, W]`
pub fn global_representation(
    tokens: Tensor<4>,
    layers: &[TransformerLayer],
    norm: &LayerNorm,
    patch_size: usize,
    fold_resize: FoldResize,
) -> Tensor<4> {
    let [_, _, height, width] = tokens.dims();
    let grid = PatchGrid::covering(height, width, [patch_size, patch_size]);
    let mut sequences = unfold(resize_bilinear(tokens, grid.size()), grid);
    for layer in layers {
        sequences = layer.forward(sequences);
    }
    let sequences = norm.forward(sequences);
    resize(fold(sequences, grid), [height, width], fold_resize)
}

/// The default epsilon of the final LayerNorm (ml-cvnets, timm, HF).
pub const FINAL_NORM_EPS: f64 = LAYER_NORM_EPS;

impl MobileVitBlock {
    /// # Shapes
    /// - `input`: `[B, C, H, W]`
    /// - output: `[B, C, H, W]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let tokens = self.conv_1x1.forward(self.conv_kxk.forward(input.clone()));
        let global = global_representation(
            tokens,
            &self.transformer,
            &self.norm,
            self.patch_size,
            self.fold_resize,
        );
        let projection = self.conv_proj.forward(global);
        self.conv_fusion
            .forward(Tensor::cat(vec![input, projection], 1))
    }

    /// The block with `f` applied to each of its conv-norm-activation units (folding their
    /// batch norms, setting their running-variance estimator).
    pub fn map_units(self, f: &mut impl FnMut(ConvNormAct) -> ConvNormAct) -> Self {
        Self {
            conv_kxk: f(self.conv_kxk),
            conv_proj: f(self.conv_proj),
            conv_fusion: f(self.conv_fusion),
            ..self
        }
    }
}
