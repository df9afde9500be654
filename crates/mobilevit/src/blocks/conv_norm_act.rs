//! Convolution, batch normalisation and an optional SiLU: the unit every conv layer is made of.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, PaddingConfig2d};
use burn::tensor::module::batch_norm_train;
use burn::tensor::{Device, Tensor};
use mobilevit_ops::silu;

/// Batch-norm epsilon of every reference implementation.
pub const BN_EPS: f64 = 1e-5;
/// Batch-norm momentum in PyTorch's convention (PaddleClas's 0.9 is the same thing).
pub const BN_MOMENTUM: f64 = 0.1;

/// Configuration of a [`ConvNormAct`].
#[derive(Config, Debug)]
pub struct ConvNormActConfig {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Square kernel size; padding is `(k - 1) / 2`.
    pub kernel_size: usize,
    /// Stride.
    #[config(default = 1)]
    pub stride: usize,
    /// Convolution groups (`in_channels` for a depthwise convolution).
    #[config(default = 1)]
    pub groups: usize,
    /// Whether SiLU follows the batch norm.
    #[config(default = true)]
    pub activation: bool,
}

/// `Conv2d(bias = false) -> BatchNorm2d -> SiLU?`, named as timm's `ConvNormAct` (`conv`, `bn`).
#[derive(Module, Debug)]
pub struct ConvNormAct {
    /// The convolution, without bias.
    pub conv: Conv2d,
    /// Its batch norm.
    pub bn: BatchNorm,
    /// Whether SiLU follows the batch norm.
    pub activation: bool,
    /// Whether the batch norm has been folded into the convolution (inference only): the
    /// convolution then has a bias and `bn` is not applied.
    pub folded: bool,
    /// Whether a training step updates the running variance with the unbiased batch variance
    /// (PyTorch) instead of the biased one (Paddle, Burn).
    pub unbiased_running_var: bool,
}

impl ConvNormActConfig {
    /// A 1x1 convolution unit.
    pub fn pointwise(in_channels: usize, out_channels: usize) -> Self {
        Self::new(in_channels, out_channels, 1)
    }

    /// Builds the unit with ml-cvnets' initialisation (Kaiming normal, fan-out, as PyTorch
    /// counts the fan-out of a grouped convolution).
    pub fn init(&self, device: &Device) -> ConvNormAct {
        let padding = (self.kernel_size - 1) / 2;
        let conv = Conv2dConfig::new(
            [self.in_channels, self.out_channels],
            [self.kernel_size, self.kernel_size],
        )
        .with_stride([self.stride, self.stride])
        .with_groups(self.groups)
        .with_padding(PaddingConfig2d::Explicit(
            padding, padding, padding, padding,
        ))
        .with_bias(false)
        .with_initializer(kaiming_normal_fan_out(self.out_channels, self.kernel_size))
        .init(device);
        let bn = BatchNormConfig::new(self.out_channels)
            .with_epsilon(BN_EPS)
            .with_momentum(BN_MOMENTUM)
            .init(device);
        ConvNormAct {
            conv,
            bn,
            activation: self.activation,
            folded: false,
            unbiased_running_var: false,
        }
    }
}

/// PyTorch's `kaiming_normal_(mode="fan_out")` for a convolution weight: the fan-out is
/// `out_channels * k * k` whatever the groups (Burn's own Kaiming divides by the groups).
pub fn kaiming_normal_fan_out(out_channels: usize, kernel_size: usize) -> Initializer {
    let fan_out = (out_channels * kernel_size * kernel_size) as f64;
    Initializer::Normal {
        mean: 0.0,
        std: (2.0 / fan_out).sqrt(),
    }
}

impl ConvNormAct {
    /// # Shapes
    /// - `input`: `[batch, in_channels, height, width]`
    /// - output: `[batch, out_channels, height / stride, width / stride]` (rounded up)
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(input);
        let x = if self.folded { x } else { self.batch_norm(x) };
        if self.activation { silu(x) } else { x }
    }

    /// The unit with its running-variance estimator set.
    pub fn with_unbiased_running_var(mut self, unbiased: bool) -> Self {
        self.unbiased_running_var = unbiased;
        self
    }

    /// Burn's batch norm, except that a training step with the unbiased estimator updates the
    /// running variance with `var * n / (n - 1)`, `n = batch * height * width` (PyTorch's
    /// `BatchNorm2d`); the output is the same either way (normalised by the biased variance).
    ///
    /// # Shapes
    /// - `x`: `[batch, channels, height, width]`, and the output
    fn batch_norm(&self, x: Tensor<4>) -> Tensor<4> {
        let bn = &self.bn;
        let training = x.device().is_autodiff() && bn.training.is_enabled();
        if !(training && self.unbiased_running_var) {
            return bn.forward(x);
        }
        let [batch, _, height, width] = x.dims();
        let n = (batch * height * width) as f64;
        let correction = if n > 1.0 { n / (n - 1.0) } else { 1.0 };
        let device = x.device();
        let result = batch_norm_train(x, bn.gamma.val(), bn.beta.val(), bn.epsilon);
        let momentum = bn.momentum;
        let update = |running: Tensor<1>, batch: Tensor<1>, scale: f64| {
            running
                .to_device(&device)
                .mul_scalar(1.0 - momentum)
                .add(batch.detach().mul_scalar(momentum * scale))
                .detach()
        };
        let mean = update(bn.running_mean.value_sync(), result.mean, 1.0);
        let var = update(bn.running_var.value_sync(), result.variance, correction);
        bn.running_mean.update(mean);
        bn.running_var.update(var);
        result.output
    }

    /// The same unit for inference with the batch norm's running statistics folded into the
    /// convolution: `w' = w * s`, `b' = beta + (b - mean) * s` with `s = gamma / sqrt(var + eps)`
    /// per output channel. One pass over the output instead of five; equal to the unfolded
    /// unit up to float rounding. Not for training (batch statistics) nor for saving.
    pub fn fold_batch_norm(mut self) -> Self {
        if self.folded {
            return self;
        }
        let out_channels = self.conv.weight.dims()[0];
        let bn = &self.bn;
        let scale = bn.gamma.val() / bn.running_var.value().add_scalar(bn.epsilon).sqrt();
        let mean = bn.running_mean.value();
        let bias = match &self.conv.bias {
            Some(bias) => bias.val() - mean,
            None => mean.neg(),
        };
        let bias = bias * scale.clone() + bn.beta.val();
        // [C_out] -> [C_out, 1, 1, 1], broadcast over each output channel's filter.
        let weight = self.conv.weight.val() * scale.reshape([out_channels, 1, 1, 1]);
        self.conv.weight = Param::initialized(self.conv.weight.id, weight);
        self.conv.bias = Some(Param::from_tensor(bias));
        self.folded = true;
        self
    }
}
