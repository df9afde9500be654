//! MobileViTv2's transformer layer: separable attention and a pointwise MLP, each after a
//! `GroupNorm(1)`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::Conv2d;
use burn::nn::{Dropout, DropoutConfig, GroupNorm, GroupNormConfig};
use burn::tensor::{Device, Tensor};
use mobilevit_ops::silu;

use super::linear_attention::{LinearSelfAttention, LinearSelfAttentionConfig, pointwise};

/// Epsilon of every `GroupNorm(1)` in MobileViTv2, in every reference.
pub const GROUP_NORM_EPS: f64 = 1e-5;

/// `GroupNorm(1, channels)`: one mean and variance per sample over all its channels, pixels
/// and patches, then a scale and shift per channel (ml-cvnets' `layer_norm_2d`).
pub fn group_norm_1(channels: usize, device: &Device) -> GroupNorm {
    GroupNormConfig::new(1, channels)
        .with_epsilon(GROUP_NORM_EPS)
        .init(device)
}

/// Configuration of a [`LinearTransformerLayer`].
#[derive(Config, Debug)]
pub struct LinearTransformerLayerConfig {
    /// Token dimension `d`.
    pub dim: usize,
    /// MLP hidden width (`2d`).
    pub mlp_hidden: usize,
    /// Dropout after the attention's projection and the MLP (every reference recipe: 0).
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Dropout on the context scores.
    #[config(default = 0.0)]
    pub attn_dropout: f64,
    /// Dropout after the MLP's activation.
    #[config(default = 0.0)]
    pub ffn_dropout: f64,
}

/// `fc2(drop(silu(fc1(x))))` with 1x1 convolutions, named as timm's `ConvMlp`.
#[derive(Module, Debug)]
pub struct ConvMlp {
    /// `d -> hidden`, with bias.
    pub fc1: Conv2d,
    /// Dropout after the activation.
    pub drop: Dropout,
    /// `hidden -> d`, with bias.
    pub fc2: Conv2d,
}

/// `x + attn(norm1(x))`, then `x + drop(mlp(norm2(x)))`. Field names follow timm's
/// `LinearTransformerBlock`.
#[derive(Module, Debug)]
pub struct LinearTransformerLayer {
    /// Norm before attention.
    pub norm1: GroupNorm,
    /// Separable self-attention.
    pub attn: LinearSelfAttention,
    /// Norm before the MLP.
    pub norm2: GroupNorm,
    /// Pointwise feed-forward network.
    pub mlp: ConvMlp,
    /// Dropout after the MLP.
    pub drop: Dropout,
}

impl LinearTransformerLayerConfig {
    /// Builds the layer.
    pub fn init(&self, device: &Device) -> LinearTransformerLayer {
        LinearTransformerLayer {
            norm1: group_norm_1(self.dim, device),
            attn: LinearSelfAttentionConfig::new(self.dim)
                .with_attn_dropout(self.attn_dropout)
                .with_proj_dropout(self.dropout)
                .init(device),
            norm2: group_norm_1(self.dim, device),
            mlp: ConvMlp {
                fc1: pointwise(self.dim, self.mlp_hidden, true, device),
                drop: DropoutConfig::new(self.ffn_dropout).init(),
                fc2: pointwise(self.mlp_hidden, self.dim, true, device),
            },
            drop: DropoutConfig::new(self.dropout).init(),
        }
    }
}

impl ConvMlp {
    /// # Shapes
    /// - `input`: `[B, d, P, N]`
    /// - output: `[B, d, P, N]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let hidden = self.drop.forward(silu(self.fc1.forward(input)));
        self.fc2.forward(hidden)
    }
}

impl LinearTransformerLayer {
    /// # Shapes
    /// - `input`: `[B, d, P, N]`
    /// - output: `[B, d, P, N]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = input.clone() + self.attn.forward(self.norm1.forward(input));
        let mlp = self.mlp.forward(self.norm2.forward(x.clone()));
        x + self.drop.forward(mlp)
    }
}
