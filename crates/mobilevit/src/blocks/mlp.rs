//! The transformer's feed-forward network.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor};

use mobilevit_ops::silu;

use super::linear::{self, linear};

/// Configuration of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Token dimension `d`.
    pub dim: usize,
    /// Hidden width (`2d` in MobileViT).
    pub hidden: usize,
    /// Dropout between the two linears (ml-cvnets `ffn_dropout`; PaddleClas uses 0.1).
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// `fc2(dropout(silu(fc1(x))))`.
#[derive(Module, Debug)]
pub struct Mlp {
    /// `d -> hidden`.
    pub fc1: Linear,
    /// Dropout after the activation.
    pub drop: Dropout,
    /// `hidden -> d`.
    pub fc2: Linear,
}

impl MlpConfig {
    /// Builds the layer.
    pub fn init(&self, device: &Device) -> Mlp {
        Mlp {
            fc1: linear(self.dim, self.hidden, device),
            drop: DropoutConfig::new(self.dropout).init(),
            fc2: linear(self.hidden, self.dim, device),
        }
    }
}

impl Mlp {
    /// # Shapes
    /// - `input`: `[..., d]`
    /// - output: `[..., d]`
    pub fn forward<const D: usize>(&self, input: Tensor<D>) -> Tensor<D> {
        let hidden = self.drop.forward(silu(linear::apply(&self.fc1, input)));
        linear::apply(&self.fc2, hidden)
    }
}
