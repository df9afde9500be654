//! PaddleClas's MobileViTv3 block on v1's transformer: a depthwise local convolution, the
//! transformer over unfolded patches, and a 1x1 fusion of the local features with the global
//! ones, to which the block's input is added.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::nn::{LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Tensor};

use super::conv_norm_act::{ConvNormAct, ConvNormActConfig};
use super::linear_attention::pointwise;
use super::mobilevit_block::global_representation;
use super::patches::FoldResize;
use super::transformer_layer::{LAYER_NORM_EPS, TransformerLayer, TransformerLayerConfig};

/// Configuration of a [`MobileVitV3Block`].
#[derive(Config, Debug)]
pub struct MobileVitV3BlockConfig {
    /// Channels `C` in and out.
    pub channels: usize,
    /// Each transformer layer: token dimension `d`, heads, MLP width, dropout rates.
    pub layer: TransformerLayerConfig,
    /// Transformer layers `L`.
    pub depth: usize,
    /// Square patch size.
    pub patch_size: usize,
}

/// PaddleClas's `MobileViTV3Block`, with the names of this crate's v1 block.
///
/// 3x3 depthwise conv -> 1x1 conv (C -> d, no norm, no bias) = local features; unfold ->
/// L transformer layers -> LayerNorm -> fold -> 1x1 conv (d -> C) = global features;
/// 1x1 conv of `[local, global]` (d + C -> C), plus the input. Maps whose size is not a
/// multiple of the patch are resized bilinearly to one before unfolding and back after
/// folding; the fusion takes the local features as they were.
#[derive(Module, Debug)]
pub struct MobileVitV3Block {
    /// Local representation, 3x3 depthwise.
    pub conv_kxk: ConvNormAct,
    /// Projection to the token dimension, 1x1, bare.
    pub conv_1x1: Conv2d,
    /// Global representation.
    pub transformer: Vec<TransformerLayer>,
    /// LayerNorm after the last transformer layer.
    pub norm: LayerNorm,
    /// Projection back to `C`, 1x1.
    pub conv_proj: ConvNormAct,
    /// Fusion of the local and global features, 1x1.
    pub conv_fusion: ConvNormAct,
    /// Patch height and width.
    pub patch_size: usize,
}

impl MobileVitV3BlockConfig {
    /// Builds the block.
    pub fn init(&self, device: &Device) -> MobileVitV3Block {
        let dim = self.layer.dim;
        MobileVitV3Block {
            conv_kxk: ConvNormActConfig::new(self.channels, self.channels, 3)
                .with_groups(self.channels)
                .init(device),
            conv_1x1: pointwise(self.channels, dim, false, device),
            transformer: (0..self.depth).map(|_| self.layer.init(device)).collect(),
            norm: LayerNormConfig::new(dim)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device),
            conv_proj: ConvNormActConfig::pointwise(dim, self.channels).init(device),
            conv_fusion: ConvNormActConfig::pointwise(dim + self.channels, self.channels)
                .init(device),
            patch_size: self.patch_size,
        }
    }
}

impl MobileVitV3Block {
    /// # Shapes
    /// - `input`: `[B, C, H, W]`
    /// - output: `[B, C, H, W]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let local = self.conv_1x1.forward(self.conv_kxk.forward(input.clone()));
        let global = global_representation(
            local.clone(),
            &self.transformer,
            &self.norm,
            self.patch_size,
            FoldResize::Bilinear,
        );
        let global = self.conv_proj.forward(global);
        self.conv_fusion
            .forward(Tensor::cat(vec![local, global], 1))
            + input
    }

    /// The block with `f` applied to each of its conv-norm-activation units.
    pub fn map_units(self, f: &mut impl FnMut(ConvNormAct) -> ConvNormAct) -> Self {
        Self {
            conv_kxk: f(self.conv_kxk),
            conv_proj: f(self.conv_proj),
            conv_fusion: f(self.conv_fusion),
            ..self
        }
    }
}
