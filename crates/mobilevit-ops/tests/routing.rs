//! The extension reaches burn-flex's own kernels on the CPU (bit for bit what the kernel gives
//! when called directly), and SiLU's autodiff node gives the gradient Burn's composed
//! `x * sigmoid(x)` gives.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};

mod common;

fn ramp(count: usize, from: f32, to: f32) -> Vec<f32> {
    // Visited in a scrambled order, so that no two rows or columns are alike.
    (0..count)
        .map(|i| from + (to - from) * ((i * 7919) % count) as f32 / (count - 1) as f32)
        .collect()
}

fn tensor<const D: usize>(shape: [usize; D], from: f32, to: f32, device: &Device) -> Tensor<D> {
    let values = ramp(shape.iter().product(), from, to);
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn primitive<const D: usize>(tensor: Tensor<D>) -> FlexTensor {
    tensor
        .try_into_primitive::<Flex>()
        .expect("a tensor on the flex device")
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn silu_is_burn_flex_s_kernel() {
    let x = tensor([70_001], -20.0, 20.0, &Device::flex());
    let kernel = burn::backend::flex::ops::activation::silu(primitive(x.clone()));
    let kernel = values(Tensor::<1>::from_primitive::<Flex>(kernel));
    assert_eq!(values(mobilevit_ops::silu(x.clone())), kernel);
    // The composed x * sigmoid(x) rounds differently somewhere in 70001 values: the
    // comparison above can tell the two apart.
    assert_ne!(values(x.clone() * sigmoid(x)), kernel);
}

#[test]
fn linear_is_burn_flex_s_kernel() {
    let device = Device::flex();
    let x = tensor([3, 37, 24], -2.0, 2.0, &device);
    let w = tensor([24, 40], -1.0, 1.0, &device);
    let b = tensor([40], -3.0, 3.0, &device);
    let kernel = Flex::linear(
        primitive(x.clone()),
        primitive(w.clone()),
        Some(primitive(b.clone())),
    );
    let kernel = values(Tensor::<3>::from_primitive::<Flex>(kernel));
    assert_eq!(values(mobilevit_ops::linear(x, w, Some(b))), kernel);
}

#[test]
fn silu_and_linear_gradients_match_burn_s_composed_ones() {
    let device = Device::flex().autodiff();
    let x = tensor([2, 5, 24], -9.0, 9.0, &device).require_grad();
    let w = tensor([24, 16], -1.0, 1.0, &device).require_grad();
    let b = tensor([16], -0.5, 0.5, &device).require_grad();
    let g = tensor([2, 5, 16], -1.0, 1.0, &device);
    let run = |ours: bool| {
        let hidden = if ours {
            mobilevit_ops::silu(x.clone())
        } else {
            x.clone() * sigmoid(x.clone())
        };
        let output = if ours {
            mobilevit_ops::linear(hidden, w.clone(), Some(b.clone()))
        } else {
            burn::tensor::module::linear(hidden, w.clone(), Some(b.clone()))
        };
        let grads = (output.clone() * g.clone()).sum().backward();
        [
            values(output),
            values(x.grad(&grads).unwrap()),
            values(w.grad(&grads).unwrap()),
            values(b.grad(&grads).unwrap()),
        ]
    };
    let (ours, composed) = (run(true), run(false));
    common::assert_close(
        &["output", "x gradient", "weight gradient", "bias gradient"],
        &ours,
        &composed,
        1e-5,
    );
}
