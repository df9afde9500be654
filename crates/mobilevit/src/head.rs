//! Global average pooling, dropout and the linear classifier.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear};
use burn::tensor::{Device, Tensor};

use crate::blocks::linear::{self, linear};

/// Configuration of a [`ClassifierHead`].
#[derive(Config, Debug)]
pub struct ClassifierHeadConfig {
    /// Channels of the pooled features.
    pub in_features: usize,
    /// Number of classes.
    pub num_classes: usize,
    /// Dropout before the linear layer.
    #[config(default = 0.1)]
    pub dropout: f64,
}

/// `fc(dropout(mean over H, W))`, named as timm's `ClassifierHead` (`head.fc`).
#[derive(Module, Debug)]
pub struct ClassifierHead {
    /// Dropout on the pooled features.
    pub drop: Dropout,
    /// The classifier.
    pub fc: Linear,
}

impl ClassifierHeadConfig {
    /// Builds the head.
    pub fn init(&self, device: &Device) -> ClassifierHead {
        ClassifierHead {
            drop: DropoutConfig::new(self.dropout).init(),
            fc: linear(self.in_features, self.num_classes, device),
        }
    }
}

impl ClassifierHead {
    /// # Shapes
    /// - `features`: `[B, C, h, w]`
    /// - output: `[B, num_classes]`
    pub fn forward(&self, features: Tensor<4>) -> Tensor<2> {
        let [batch, channels, _, _] = features.dims();
        // [B, C, h, w] -> [B, C, 1, 1] -> [B, C]
        let pooled = features.mean_dims(&[2, 3]).reshape([batch, channels]);
        linear::apply(&self.fc, self.drop.forward(pooled))
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.fc.weight.dims()[1]
    }
}
