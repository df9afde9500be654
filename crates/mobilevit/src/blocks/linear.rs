//! Linear layers initialised as the references do, run by the backend's own `linear`.

use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

/// Standard deviation of ml-cvnets' `trunc_normal` linear initialisation. Its truncation
/// bounds (+-2, absolute) lie 100 standard deviations out, so a plain normal is the same
/// distribution for all practical purposes.
pub const LINEAR_INIT_STD: f64 = 0.02;

/// `Linear(d_input, d_output)` with a N(0, 0.02) weight and a zero bias.
pub fn linear(d_input: usize, d_output: usize, device: &Device) -> Linear {
    let mut layer = LinearConfig::new(d_input, d_output)
        .with_bias(false)
        .with_initializer(Initializer::Normal {
            mean: 0.0,
            std: LINEAR_INIT_STD,
        })
        .init(device);
    layer.bias = Some(Param::from_tensor(Tensor::zeros([d_output], device)));
    layer
}

/// `layer.forward(input)`, through [`mobilevit_ops::linear`]: the backend's own `linear`
/// (banded on the CPU) where Burn's `Linear` always composes a matmul and an add.
///
/// # Shapes
/// - `input`: `[..., d_input]`
/// - output: `[..., d_output]`
pub fn apply<const D: usize>(layer: &Linear, input: Tensor<D>) -> Tensor<D> {
    mobilevit_ops::linear(
        input,
        layer.weight.val(),
        layer.bias.as_ref().map(Param::val),
    )
}
