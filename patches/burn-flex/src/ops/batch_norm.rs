//! Batch normalization in training mode, forward and backward (mobilevit-rs patch).
//!
//! Burn's default `batch_norm_train` and `batch_norm_train_backward` are composed of tensor
//! operations: each swaps the batch and channel axes into a copy to reduce over it, and
//! builds the result from about ten full-size intermediate tensors. Here each is two passes
//! over NCHW data: per-channel sums (one task per channel, accumulated in f64 in eight
//! lanes), then one elementwise pass (one task per `(sample, channel)` plane).
//!
//! Same definitions as the defaults: the biased batch variance `mean((x - mean)²)`,
//! `output = (x - mean) / sqrt(variance + epsilon) * gamma + beta`, and the input gradient
//! `gamma / std * (g - mean(g) - x̂ * mean(g * x̂))` with `x̂ = (x - mean) / std`.

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::DType;
use burn_backend::ops::{BatchNormTrain, BatchNormTrainBackward};
use burn_std::{Bytes, Shape, bf16, f16};

use crate::ops::module::{cast_from_f32, cast_to_f32};
use crate::{Flex, FlexTensor, Layout};

/// Element types computed natively; f16 and bf16 go through f32.
trait NormFloat: num_traits::Float + bytemuck::Pod + burn_backend::Element + Send + Sync {
    fn widen(self) -> f64;
    fn narrow(value: f64) -> Self;
}

impl NormFloat for f32 {
    fn widen(self) -> f64 {
        f64::from(self)
    }
    fn narrow(value: f64) -> Self {
        value as f32
    }
}

impl NormFloat for f64 {
    fn widen(self) -> f64 {
        self
    }
    fn narrow(value: f64) -> Self {
        value
    }
}

/// Normalizes `x` with its own batch statistics and returns them.
///
/// # Shapes
/// - x: `[batch, channels, ...]`
/// - gamma, beta: `[channels]`
/// - returns output `x`'s shape, mean and biased variance `[channels]`
pub fn batch_norm_train(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
) -> BatchNormTrain<Flex> {
    match x.dtype() {
        DType::F32 => forward::<f32>(x, gamma, beta, epsilon),
        DType::F64 => forward::<f64>(x, gamma, beta, epsilon),
        DType::F16 => through_f32(x, gamma, beta, epsilon, f16::to_f32, f16::from_f32),
        DType::BF16 => through_f32(x, gamma, beta, epsilon, bf16::to_f32, bf16::from_f32),
        dtype => panic!("batch_norm_train: unsupported dtype {dtype:?}"),
    }
}

/// Gradients of [batch_norm_train] with respect to `x`, `gamma` and `beta`.
///
/// # Shapes
/// - x, output_grad: `[batch, channels, ...]`
/// - gamma, mean, variance: `[channels]`
pub fn batch_norm_train_backward(
    x: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    variance: FlexTensor,
    epsilon: f64,
    output_grad: FlexTensor,
) -> BatchNormTrainBackward<Flex> {
    let inputs = [x, gamma, mean, variance, output_grad];
    match inputs[0].dtype() {
        DType::F32 => backward::<f32>(inputs, epsilon),
        DType::F64 => backward::<f64>(inputs, epsilon),
        DType::F16 => backward_through_f32(inputs, epsilon, f16::to_f32, f16::from_f32),
        DType::BF16 => backward_through_f32(inputs, epsilon, bf16::to_f32, bf16::from_f32),
        dtype => panic!("batch_norm_train_backward: unsupported dtype {dtype:?}"),
    }
}

fn through_f32<E: burn_backend::Element + bytemuck::Pod + Copy>(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
    to_f32: fn(E) -> f32,
    from_f32: fn(f32) -> E,
) -> BatchNormTrain<Flex> {
    let [x, gamma, beta] = [x, gamma, beta].map(|tensor| cast_to_f32(tensor, to_f32));
    let result = forward::<f32>(x, gamma, beta, epsilon);
    BatchNormTrain::new(
        cast_from_f32(result.output, from_f32),
        cast_from_f32(result.mean, from_f32),
        cast_from_f32(result.variance, from_f32),
    )
}

fn backward_through_f32<E: burn_backend::Element + bytemuck::Pod + Copy>(
    inputs: [FlexTensor; 5],
    epsilon: f64,
    to_f32: fn(E) -> f32,
    from_f32: fn(f32) -> E,
) -> BatchNormTrainBackward<Flex> {
    let result = backward::<f32>(inputs.map(|tensor| cast_to_f32(tensor, to_f32)), epsilon);
    BatchNormTrainBackward::new(
        cast_from_f32(result.x_grad, from_f32),
        cast_from_f32(result.gamma_grad, from_f32),
        cast_from_f32(result.beta_grad, from_f32),
    )
}

/// `[batch, channels, plane]` view of an NCHW (or NC...) shape.
#[derive(Clone, Copy)]
struct Planes {
    batch: usize,
    channels: usize,
    plane: usize,
}

impl Planes {
    fn of(shape: &Shape) -> Self {
        let dims = shape.to_vec();
        Self {
            batch: dims[0],
            channels: dims[1],
            plane: dims[2..].iter().product(),
        }
    }

    /// Values per channel.
    fn count(&self) -> f64 {
        (self.batch * self.plane) as f64
    }

    /// The `plane`-long slices of `data` that belong to `channel`, one per sample.
    fn of_channel<'a, T>(&self, data: &'a [T], channel: usize) -> impl Iterator<Item = &'a [T]> {
        (0..self.batch)
            .map(move |n| &data[(n * self.channels + channel) * self.plane..][..self.plane])
    }
}

fn forward<T: NormFloat>(
    x: FlexTensor,
    gamma: FlexTensor,
    beta: FlexTensor,
    epsilon: f64,
) -> BatchNormTrain<Flex> {
    let shape = x.layout().shape().clone();
    let planes = Planes::of(&shape);
    let [x, gamma, beta] = [x, gamma, beta].map(|tensor| tensor.to_contiguous());
    let (x_data, gamma, beta): (&[T], &[T], &[T]) = (x.storage(), gamma.storage(), beta.storage());

    // Two passes per channel: the mean, then the mean squared deviation from it.
    let statistics: Vec<(f64, f64)> = map_channels(planes.channels, |channel| {
        let sum: f64 = planes
            .of_channel(x_data, channel)
            .map(|values| lane_sum(values, |v| v.widen()))
            .sum();
        let mean = sum / planes.count();
        let squares: f64 = planes
            .of_channel(x_data, channel)
            .map(|values| {
                lane_sum(values, |v| {
                    let deviation = v.widen() - mean;
                    deviation * deviation
                })
            })
            .sum();
        (mean, squares / planes.count())
    });

    // output = (x - mean) * scale + beta, with scale = gamma / std.
    let affine: Vec<(T, T, T)> = statistics
        .iter()
        .zip(gamma.iter().zip(beta))
        .map(|(&(mean, variance), (&gamma, &beta))| {
            let scale = gamma.widen() / (variance + epsilon).sqrt();
            (T::narrow(mean), T::narrow(scale), beta)
        })
        .collect();
    let mut output: Vec<T> = vec![T::zero(); x_data.len()];
    map_planes(&mut output, planes, |n_c, out| {
        let (mean, scale, beta) = affine[n_c % planes.channels];
        let input = &x_data[n_c * planes.plane..][..planes.plane];
        for (out, &value) in out.iter_mut().zip(input) {
            *out = (value - mean) * scale + beta;
        }
    });

    let (mean, variance): (Vec<T>, Vec<T>) = statistics
        .iter()
        .map(|&(mean, variance)| (T::narrow(mean), T::narrow(variance)))
        .unzip();
    BatchNormTrain::new(
        tensor(output, shape),
        tensor(mean, Shape::new([planes.channels])),
        tensor(variance, Shape::new([planes.channels])),
    )
}

fn backward<T: NormFloat>(inputs: [FlexTensor; 5], epsilon: f64) -> BatchNormTrainBackward<Flex> {
    let shape = inputs[0].layout().shape().clone();
    let planes = Planes::of(&shape);
    let [x, gamma, mean, variance, grad] = inputs.map(|tensor| tensor.to_contiguous());
    let x_data: &[T] = x.storage();
    let gamma: &[T] = gamma.storage();
    let mean: &[T] = mean.storage();
    let variance: &[T] = variance.storage();
    let grad_data: &[T] = grad.storage();
    let inv_std: Vec<f64> = variance
        .iter()
        .map(|&variance| 1.0 / (variance.widen() + epsilon).sqrt())
        .collect();

    // Per channel: Σ g (beta's gradient) and Σ g·x̂ (gamma's gradient).
    let sums: Vec<(f64, f64)> = map_channels(planes.channels, |channel| {
        let (center, inv_std) = (mean[channel].widen(), inv_std[channel]);
        planes
            .of_channel(grad_data, channel)
            .zip(planes.of_channel(x_data, channel))
            .map(|(grad, x)| {
                let grad_sum = lane_sum(grad, |g| g.widen());
                let projected: f64 = lane_dot(grad, x, |g, x| g.widen() * (x.widen() - center));
                (grad_sum, projected * inv_std)
            })
            .fold((0.0, 0.0), |(a, b), (c, d)| (a + c, b + d))
    });

    // dx = gamma / std * (g - mean(g) - x̂ * mean(g x̂))
    //    = g * scale + (x - mean) * deviation_coefficient + constant, per channel.
    let coefficients: Vec<[T; 4]> = (0..planes.channels)
        .map(|channel| {
            let (grad_sum, projected_sum) = sums[channel];
            let scale = gamma[channel].widen() * inv_std[channel];
            let mean_grad = grad_sum / planes.count();
            let mean_projected = projected_sum / planes.count();
            let deviation_coefficient = -scale * mean_projected * inv_std[channel];
            let constant = -scale * mean_grad;
            [
                mean[channel],
                T::narrow(scale),
                T::narrow(deviation_coefficient),
                T::narrow(constant),
            ]
        })
        .collect();
    let mut x_grad: Vec<T> = vec![T::zero(); x_data.len()];
    map_planes(&mut x_grad, planes, |n_c, out| {
        let [mean, scale, deviation_coefficient, constant] = coefficients[n_c % planes.channels];
        let x = &x_data[n_c * planes.plane..][..planes.plane];
        let grad = &grad_data[n_c * planes.plane..][..planes.plane];
        for ((out, &g), &x) in out.iter_mut().zip(grad).zip(x) {
            *out = g * scale + (x - mean) * deviation_coefficient + constant;
        }
    });

    let (beta_grad, gamma_grad): (Vec<T>, Vec<T>) = sums
        .iter()
        .map(|&(grad_sum, projected_sum)| (T::narrow(grad_sum), T::narrow(projected_sum)))
        .unzip();
    BatchNormTrainBackward::new(
        tensor(x_grad, shape),
        tensor(gamma_grad, Shape::new([planes.channels])),
        tensor(beta_grad, Shape::new([planes.channels])),
    )
}

fn tensor<T: NormFloat>(values: Vec<T>, shape: Shape) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(values),
        Layout::contiguous(shape),
        T::dtype(),
    )
}

/// `Σ f(values[i])` in eight f64 lanes (vectorizable; the order is fixed).
#[inline(always)]
fn lane_sum<T: Copy>(values: &[T], f: impl Fn(T) -> f64) -> f64 {
    const LANES: usize = 8;
    let mut lanes = [0.0f64; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for chunk in &mut chunks {
        for (lane, &value) in lanes.iter_mut().zip(chunk) {
            *lane += f(value);
        }
    }
    let tail: f64 = chunks.remainder().iter().map(|&value| f(value)).sum();
    lanes.iter().sum::<f64>() + tail
}

/// `Σ f(a[i], b[i])` in eight f64 lanes.
#[inline(always)]
fn lane_dot<T: Copy>(a: &[T], b: &[T], f: impl Fn(T, T) -> f64) -> f64 {
    const LANES: usize = 8;
    let mut lanes = [0.0f64; LANES];
    let (mut a_chunks, mut b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    for (a_chunk, b_chunk) in (&mut a_chunks).zip(&mut b_chunks) {
        for lane in 0..LANES {
            lanes[lane] += f(a_chunk[lane], b_chunk[lane]);
        }
    }
    let tail: f64 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&a, &b)| f(a, b))
        .sum();
    lanes.iter().sum::<f64>() + tail
}

/// `work(channel)` for every channel, in parallel.
fn map_channels<R: Send>(channels: usize, work: impl Fn(usize) -> R + Send + Sync) -> Vec<R> {
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..channels).into_par_iter().map(work).collect()
    }
    #[cfg(not(feature = "rayon"))]
    {
        (0..channels).map(work).collect()
    }
}

/// `work(sample * channels + channel, plane)` for every plane of `data`, in parallel.
fn map_planes<T: Send>(
    data: &mut [T],
    planes: Planes,
    work: impl Fn(usize, &mut [T]) + Send + Sync,
) {
    if planes.plane == 0 {
        return;
    }
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        data.par_chunks_mut(planes.plane)
            .enumerate()
            .for_each(|(n_c, plane)| work(n_c, plane));
    }
    #[cfg(not(feature = "rayon"))]
    data.chunks_mut(planes.plane)
        .enumerate()
        .for_each(|(n_c, plane)| work(n_c, plane));
}
