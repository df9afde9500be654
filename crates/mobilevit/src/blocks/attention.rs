//! Multi-head self-attention with one fused `qkv` projection, as ml-cvnets, timm and
//! PaddleClas have it.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};

use mobilevit_ops::scaled_attention;

use super::linear::{self, linear};

/// Configuration of an [`Attention`].
#[derive(Config, Debug)]
pub struct AttentionConfig {
    /// Token dimension `d`.
    pub dim: usize,
    /// Number of heads; `d` must be a multiple of it.
    pub num_heads: usize,
    /// Dropout on the attention probabilities.
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// `softmax((q * hd^-0.5) k^T) v` per head, then an output projection.
///
/// The `qkv` output feature `j` is `s * d + h * hd + i` for part `s` (q, k, v), head `h` and
/// feature `i` of the head: the layout of the reference checkpoints.
#[derive(Module, Debug)]
pub struct Attention {
    /// Fused query/key/value projection, `d -> 3d`.
    pub qkv: Linear,
    /// Output projection, `d -> d`.
    pub proj: Linear,
    /// Dropout on the attention probabilities.
    pub attn_drop: Dropout,
    /// Number of heads.
    pub num_heads: usize,
}

impl AttentionConfig {
    /// Builds the layer.
    pub fn init(&self, device: &Device) -> Attention {
        assert_eq!(
            self.dim % self.num_heads,
            0,
            "the token dimension must be a multiple of the number of heads"
        );
        Attention {
            qkv: linear(self.dim, 3 * self.dim, device),
            proj: linear(self.dim, self.dim, device),
            attn_drop: DropoutConfig::new(self.dropout).init(),
            num_heads: self.num_heads,
        }
    }
}

impl Attention {
    /// # Shapes
    /// - `input`: `[sequences, tokens, d]`
    /// - output: `[sequences, tokens, d]`
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        let [sequences, tokens, dim] = input.dims();
        let head_dim = dim / self.num_heads;
        let qkv = linear::apply(&self.qkv, input);
        // [sequences, tokens, 3d] -> [sequences, tokens, 3 * heads, head_dim]
        //                         -> [sequences, 3 * heads, tokens, head_dim]
        //                         -> 3 x [sequences, heads, tokens, head_dim]
        // Views of the projection's output, without copies: the CPU backend's attention
        // reads their strided rows in place.
        let qkv = qkv
            .reshape([sequences, tokens, 3 * self.num_heads, head_dim])
            .swap_dims(1, 2);
        let part = |index: usize| {
            qkv.clone()
                .narrow(1, index * self.num_heads, self.num_heads)
        };
        let (query, key, value) = (part(0), part(1), part(2));
        let scale = (head_dim as f64).powf(-0.5);
        let context = if self.attn_drop.prob == 0.0 || !query.is_autodiff() {
            // No dropout to apply to the probabilities: the backend's fused attention.
            scaled_attention(query, key, value, scale)
        } else {
            let scores = query.mul_scalar(scale).matmul(key.swap_dims(2, 3));
            self.attn_drop.forward(softmax(scores, 3)).matmul(value)
        };
        // [sequences, heads, tokens, head_dim] -> [sequences, tokens, d]
        let context = context.swap_dims(1, 2).reshape([sequences, tokens, dim]);
        linear::apply(&self.proj, context)
    }
}
