//! The MobileNetV2 inverted residual ("MV2") block.

use burn::config::Config;
use burn::module::Module;
use burn::tensor::{Device, Tensor};

use super::conv_norm_act::{ConvNormAct, ConvNormActConfig};

/// Configuration of an [`InvertedResidual`].
#[derive(Config, Debug)]
pub struct InvertedResidualConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Stride of the depthwise convolution.
    pub stride: usize,
    /// Width multiplier of the hidden layer.
    pub expansion: usize,
}

/// 1x1 expand (SiLU) -> 3x3 depthwise (SiLU) -> 1x1 linear reduce, with a residual when the
/// stride is 1 and the width is kept. Field names follow timm's `BottleneckBlock`.
#[derive(Module, Debug)]
pub struct InvertedResidual {
    /// 1x1 expansion to the hidden width.
    pub conv1_1x1: ConvNormAct,
    /// 3x3 depthwise convolution, carries the stride.
    pub conv2_kxk: ConvNormAct,
    /// 1x1 linear bottleneck back to the output width (no activation).
    pub conv3_1x1: ConvNormAct,
    /// Whether the input is added to the output.
    pub residual: bool,
}

impl InvertedResidualConfig {
    /// Hidden width. The references round `in * expansion` to a multiple of 8; for every
    /// MobileViT layer the product is already one.
    pub fn hidden_channels(&self) -> usize {
        make_divisible(self.in_channels * self.expansion, 8)
    }

    /// Whether the block adds its input to its output.
    pub fn has_residual(&self) -> bool {
        self.stride == 1 && self.in_channels == self.out_channels
    }

    /// Builds the block.
    pub fn init(&self, device: &Device) -> InvertedResidual {
        let hidden = self.hidden_channels();
        InvertedResidual {
            conv1_1x1: ConvNormActConfig::pointwise(self.in_channels, hidden).init(device),
            conv2_kxk: ConvNormActConfig::new(hidden, hidden, 3)
                .with_stride(self.stride)
                .with_groups(hidden)
                .init(device),
            conv3_1x1: ConvNormActConfig::pointwise(hidden, self.out_channels)
                .with_activation(false)
                .init(device),
            residual: self.has_residual(),
        }
    }
}

/// ml-cvnets' `make_divisible` (the MobileNet rounding rule): the nearest multiple of
/// `divisor`, never more than 10 % below `value`.
pub fn make_divisible(value: usize, divisor: usize) -> usize {
    let rounded = ((value + divisor / 2) / divisor * divisor).max(divisor);
    if (rounded as f64) < 0.9 * value as f64 {
        rounded + divisor
    } else {
        rounded
    }
}

impl InvertedResidual {
    /// # Shapes
    /// - `input`: `[batch, in_channels, height, width]`
    /// - output: `[batch, out_channels, ceil(height / stride), ceil(width / stride)]`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = self.conv1_1x1.forward(input.clone());
        let x = self.conv2_kxk.forward(x);
        let x = self.conv3_1x1.forward(x);
        if self.residual { x + input } else { x }
    }

    /// The block with `f` applied to each of its conv-norm-activation units (folding their
    /// batch norms, setting their running-variance estimator).
    pub fn map_units(self, f: &mut impl FnMut(ConvNormAct) -> ConvNormAct) -> Self {
        Self {
            conv1_1x1: f(self.conv1_1x1),
            conv2_kxk: f(self.conv2_kxk),
            conv3_1x1: f(self.conv3_1x1),
            residual: self.residual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::make_divisible;

    #[test]
    fn make_divisible_follows_the_mobilenet_rule() {
        assert_eq!(make_divisible(32, 8), 32);
        assert_eq!(make_divisible(36, 8), 40);
        assert_eq!(make_divisible(3, 8), 8);
        assert_eq!(make_divisible(100, 8), 104);
    }
}
