//! The CPU backend's batch normalization in training mode (the two-pass kernels of the
//! burn-flex patch, patches/README.md) against a plain f64 computation: output, batch
//! statistics and the gradients of input, gamma and beta.

use burn::tensor::module::batch_norm_train;
use burn::tensor::{Device, Tensor, TensorData};

const EPSILON: f64 = 1e-5;

fn seeded(count: usize, seed: u64, offset: f32, spread: f32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6364136223846793005) ^ 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            offset + spread * (((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0)
        })
        .collect()
}

/// Everything the f64 reference computes, per channel where it is per channel.
struct Reference {
    output: Vec<f64>,
    mean: Vec<f64>,
    variance: Vec<f64>,
    x_grad: Vec<f64>,
    gamma_grad: Vec<f64>,
    beta_grad: Vec<f64>,
}

/// `[batch, channels, plane]` data; `grad` is the gradient arriving at the output.
fn reference(shape: [usize; 3], x: &[f32], gamma: &[f32], beta: &[f32], grad: &[f32]) -> Reference {
    let [batch, channels, plane] = shape;
    let index = |n: usize, c: usize, s: usize| (n * channels + c) * plane + s;
    let count = (batch * plane) as f64;
    let mut r = Reference {
        output: vec![0.0; x.len()],
        mean: vec![0.0; channels],
        variance: vec![0.0; channels],
        x_grad: vec![0.0; x.len()],
        gamma_grad: vec![0.0; channels],
        beta_grad: vec![0.0; channels],
    };
    for c in 0..channels {
        let positions = || (0..batch).flat_map(move |n| (0..plane).map(move |s| index(n, c, s)));
        let mean = positions().map(|i| f64::from(x[i])).sum::<f64>() / count;
        let variance = positions()
            .map(|i| (f64::from(x[i]) - mean).powi(2))
            .sum::<f64>()
            / count;
        let std = (variance + EPSILON).sqrt();
        let normalized = |i: usize| (f64::from(x[i]) - mean) / std;
        let grad_sum: f64 = positions().map(|i| f64::from(grad[i])).sum();
        let projected_sum: f64 = positions()
            .map(|i| f64::from(grad[i]) * normalized(i))
            .sum();
        for i in positions() {
            r.output[i] = normalized(i) * f64::from(gamma[c]) + f64::from(beta[c]);
            r.x_grad[i] = f64::from(gamma[c]) / std
                * (f64::from(grad[i]) - grad_sum / count - normalized(i) * projected_sum / count);
        }
        (r.mean[c], r.variance[c]) = (mean, variance);
        (r.gamma_grad[c], r.beta_grad[c]) = (projected_sum, grad_sum);
    }
    r
}

fn worst<const D: usize>(ours: Tensor<D>, reference: &[f64]) -> f64 {
    let ours = ours
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap();
    assert_eq!(ours.len(), reference.len());
    ours.iter()
        .zip(reference)
        .map(|(&a, &b)| (f64::from(a) - b).abs() / (1.0 + b.abs()))
        .fold(0.0, f64::max)
}

/// Runs the op on an input of `dims` (`[batch, channels, ...]`) whose values sit around
/// `offset`, and compares all six results.
fn check<const D: usize>(dims: [usize; D], offset: f32) {
    let (batch, channels) = (dims[0], dims[1]);
    let plane: usize = dims[2..].iter().product();
    let count = batch * channels * plane;
    let x = seeded(count, 1, offset, 1.5);
    let grad = seeded(count, 2, 0.0, 1.0);
    let gamma = seeded(channels, 3, 1.0, 0.5);
    let beta = seeded(channels, 4, 0.0, 0.5);
    let expected = reference([batch, channels, plane], &x, &gamma, &beta, &grad);

    let device = Device::flex().autodiff();
    let input = Tensor::<D>::from_data(TensorData::new(x, dims), &device).require_grad();
    let gamma_param =
        Tensor::<1>::from_data(TensorData::new(gamma, [channels]), &device).require_grad();
    let beta_param =
        Tensor::<1>::from_data(TensorData::new(beta, [channels]), &device).require_grad();
    let result = batch_norm_train(
        input.clone(),
        gamma_param.clone(),
        beta_param.clone(),
        EPSILON,
    );
    let incoming = Tensor::<D>::from_data(TensorData::new(grad, dims), &device);
    let grads = (result.output.clone() * incoming).sum().backward();

    let differences = [
        ("output", worst(result.output, &expected.output)),
        ("mean", worst(result.mean, &expected.mean)),
        ("variance", worst(result.variance, &expected.variance)),
        (
            "input gradient",
            worst(input.grad(&grads).unwrap(), &expected.x_grad),
        ),
        (
            "gamma gradient",
            worst(gamma_param.grad(&grads).unwrap(), &expected.gamma_grad),
        ),
        (
            "beta gradient",
            worst(beta_param.grad(&grads).unwrap(), &expected.beta_grad),
        ),
    ];
    for (name, difference) in differences {
        assert!(
            difference < 2e-5,
            "{dims:?}, offset {offset}: {name} off by {difference:e}"
        );
    }
}

#[test]
fn batch_norm_in_training_matches_f64() {
    // Planes of 37 values (a SIMD tail), a batch of one, and the 2D input of a classifier.
    check([3, 5, 37], 0.0);
    check([1, 4, 6, 7], 0.5);
    check([16, 3], -0.25);
}

#[test]
fn batch_norm_statistics_stay_exact_far_from_zero() {
    // A large mean over a small spread: one-pass E[x²] - E[x]² in f32 would lose it.
    check([4, 3, 9, 9], 1000.0);
}
