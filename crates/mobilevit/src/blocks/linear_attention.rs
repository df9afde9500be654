//! MobileViTv2's separable self-attention: linear in the number of tokens.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Dropout, DropoutConfig};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Tensor};

use super::conv_norm_act::kaiming_normal_fan_out;

/// Configuration of a [`LinearSelfAttention`].
#[derive(Config, Debug)]
pub struct LinearSelfAttentionConfig {
    /// Token dimension `d`.
    pub dim: usize,
    /// Dropout on the context scores.
    #[config(default = 0.0)]
    pub attn_dropout: f64,
    /// Dropout after the output projection.
    #[config(default = 0.0)]
    pub proj_dropout: f64,
}

/// One query channel scores every token; the scores (a softmax over the tokens) weigh the keys
/// into one context vector, which gates the ReLU of the values. No heads, no scaling. Field
/// names follow timm's `LinearSelfAttention`; the projections are 1x1 convolutions, as in
/// every reference.
#[derive(Module, Debug)]
pub struct LinearSelfAttention {
    /// `d -> 1 + 2d`: the query, the keys, the values.
    pub qkv_proj: Conv2d,
    /// Dropout on the context scores.
    pub attn_drop: Dropout,
    /// `d -> d`.
    pub out_proj: Conv2d,
    /// Dropout after the output projection.
    pub out_drop: Dropout,
}

/// A 1x1 convolution with ml-cvnets' initialisation (Kaiming normal, fan-out).
pub fn pointwise(in_channels: usize, out_channels: usize, bias: bool, device: &Device) -> Conv2d {
    Conv2dConfig::new([in_channels, out_channels], [1, 1])
        .with_bias(bias)
        .with_initializer(kaiming_normal_fan_out(out_channels, 1))
        .init(device)
}

impl LinearSelfAttentionConfig {
    /// Builds the layer.
    pub fn init(&self, device: &Device) -> LinearSelfAttention {
        LinearSelfAttention {
            qkv_proj: pointwise(self.dim, 1 + 2 * self.dim, true, device),
            attn_drop: DropoutConfig::new(self.attn_dropout).init(),
            out_proj: pointwise(self.dim, self.dim, true, device),
            out_drop: DropoutConfig::new(self.proj_dropout).init(),
        }
    }
}

impl LinearSelfAttention {
    /// # Shapes
    /// - `input`: `[B, d, P, N]` (`P` pixels per patch, `N` patches)
    /// - output: `[B, d, P, N]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let dim = input.dims()[1];
        let mut parts = self
            .qkv_proj
            .forward(input)
            .split_with_sizes(vec![1, dim, dim], 1);
        let (values, keys, query) = (parts.remove(2), parts.remove(1), parts.remove(0));
        // [B, 1, P, N]: one weight per token, over the tokens of each pixel position.
        let scores = self.attn_drop.forward(softmax(query, 3));
        // [B, d, P, N] -> [B, d, P, 1]
        let context = (keys * scores).sum_dim(3);
        // Broadcast over the tokens.
        let gated = relu(values) * context;
        self.out_drop.forward(self.out_proj.forward(gated))
    }
}
