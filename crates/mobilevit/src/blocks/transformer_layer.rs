//! A pre-norm transformer encoder layer.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Tensor};

use super::attention::{Attention, AttentionConfig};
use super::mlp::{Mlp, MlpConfig};

/// LayerNorm epsilon inside the transformer layers, in every reference.
pub const LAYER_NORM_EPS: f64 = 1e-5;

/// Configuration of a [`TransformerLayer`].
#[derive(Config, Debug)]
pub struct TransformerLayerConfig {
    /// Token dimension `d`.
    pub dim: usize,
    /// Attention heads.
    pub num_heads: usize,
    /// MLP hidden width.
    pub mlp_hidden: usize,
    /// Dropout on each residual branch (after attention, after the MLP).
    #[config(default = 0.0)]
    pub dropout: f64,
    /// Dropout on the attention probabilities.
    #[config(default = 0.0)]
    pub attn_dropout: f64,
    /// Dropout between the MLP's linears.
    #[config(default = 0.0)]
    pub ffn_dropout: f64,
}

/// `x + drop(attn(norm1(x)))`, then `x + drop(mlp(norm2(x)))`. Field names follow timm's
/// `Block`.
#[derive(Module, Debug)]
pub struct TransformerLayer {
    /// Norm before attention.
    pub norm1: LayerNorm,
    /// Self-attention.
    pub attn: Attention,
    /// Norm before the MLP.
    pub norm2: LayerNorm,
    /// Feed-forward network.
    pub mlp: Mlp,
    /// Dropout on both residual branches.
    pub drop: Dropout,
}

impl TransformerLayerConfig {
    /// Builds the layer.
    pub fn init(&self, device: &Device) -> TransformerLayer {
        let norm = || {
            LayerNormConfig::new(self.dim)
                .with_epsilon(LAYER_NORM_EPS)
                .init(device)
        };
        TransformerLayer {
            norm1: norm(),
            attn: AttentionConfig::new(self.dim, self.num_heads)
                .with_dropout(self.attn_dropout)
                .init(device),
            norm2: norm(),
            mlp: MlpConfig::new(self.dim, self.mlp_hidden)
                .with_dropout(self.ffn_dropout)
                .init(device),
            drop: DropoutConfig::new(self.dropout).init(),
        }
    }
}

impl TransformerLayer {
    /// # Shapes
    /// - `input`: `[sequences, tokens, d]`
    /// - output: `[sequences, tokens, d]`
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let x = input.clone()
            + self
                .drop
                .forward(self.attn.forward(self.norm1.forward(input)));
        x.clone() + self.drop.forward(self.mlp.forward(self.norm2.forward(x)))
    }
}
