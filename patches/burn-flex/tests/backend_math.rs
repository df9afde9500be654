//! The CPU backend's exp, sigmoid, softmax, SiLU, attention and linear layer (the burn-flex
//! changes in patches/README.md): accuracy against f64 and libm's special values.

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Device, Tensor, TensorData};

/// A tensor on the flex device as burn-flex's own primitive.
fn primitive<const D: usize>(tensor: Tensor<D>) -> FlexTensor {
    tensor
        .try_into_primitive::<Flex>()
        .expect("a tensor on the flex device")
}

fn values(count: usize, from: f32, to: f32) -> Vec<f32> {
    (0..count)
        .map(|i| from + (to - from) * i as f32 / (count - 1) as f32)
        .collect()
}

fn run(input: &[f32], op: impl Fn(Tensor<1>) -> Tensor<1>) -> Vec<f32> {
    let tensor = Tensor::<1>::from_data(
        TensorData::new(input.to_vec(), [input.len()]),
        &Device::flex(),
    );
    op(tensor).into_data().try_to_vec::<f32>().unwrap()
}

fn ulps(a: f32, b: f32) -> u64 {
    (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
}

#[test]
fn exp_is_within_two_ulps_over_the_float_range() {
    let input = values(400_001, -103.9, 88.7);
    let output = run(&input, |t| t.exp());
    let worst = input
        .iter()
        .zip(&output)
        .map(|(&x, &y)| ulps(y, (x as f64).exp() as f32))
        .max()
        .unwrap();
    assert!(worst <= 2, "worst exp error {worst} ulps");
}

#[test]
fn exp_keeps_the_special_values() {
    let input = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        89.0,
        -104.0,
        0.0,
        -100.0,
    ];
    let output = run(&input, |t| t.exp());
    assert!(
        output[0].is_nan(),
        "NaN must stay NaN (the trainer stops on a NaN loss)"
    );
    assert_eq!(output[1], f32::INFINITY);
    assert_eq!(output[2], 0.0);
    assert_eq!(output[3], f32::INFINITY);
    assert_eq!(output[4], 0.0);
    assert_eq!(output[5], 1.0);
    assert!(output[6] > 0.0, "subnormal results are kept");
}

#[test]
fn sigmoid_and_softmax_match_f64() {
    let input = values(100_001, -120.0, 120.0);
    let output = run(&input, sigmoid);
    for (&x, &y) in input.iter().zip(&output) {
        let exact = 1.0 / (1.0 + (-(x as f64)).exp());
        assert!(
            (y as f64 - exact).abs() <= 2e-7 * exact.max(1e-30) + 1e-45,
            "sigmoid({x}) = {y}, exact {exact}"
        );
    }
    assert!(run(&[f32::NAN], sigmoid)[0].is_nan());

    let input = values(1000, -30.0, 12.0);
    let output = run(&input, |t| softmax(t, 0));
    let max = input.iter().fold(f64::MIN, |m, &x| m.max(x as f64));
    let total: f64 = input.iter().map(|&x| (x as f64 - max).exp()).sum();
    for (&x, &y) in input.iter().zip(&output) {
        let exact = (x as f64 - max).exp() / total;
        assert!(
            (y as f64 - exact).abs() <= 1e-6 * exact + 1e-12,
            "softmax at {x}: {y} vs {exact}"
        );
    }
}

/// burn-flex's SiLU and SiLU gradient kernels (`ops::activation::silu`, `silu_backward`),
/// which `mobilevit-ops` reaches through its backend extension.
#[test]
fn silu_and_its_gradient_match_f64() {
    use burn::backend::flex::ops::activation::{silu, silu_backward};

    let input = values(70_001, -90.0, 90.0);
    let device = Device::flex();
    let x = Tensor::<1>::from_data(TensorData::new(input.clone(), [input.len()]), &device);
    let to_vec = |tensor: FlexTensor| {
        Tensor::<1>::from_primitive::<Flex>(tensor)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    };
    // Above 70000 values the map runs in parallel. The gradient of sum(silu(x)) is silu'(x).
    let output = to_vec(silu(primitive(x.clone())));
    let ones = Tensor::<1>::ones([input.len()], &device);
    let slope = to_vec(silu_backward(primitive(x), primitive(ones)));
    for ((&x, &y), &dy) in input.iter().zip(&output).zip(&slope) {
        let x = x as f64;
        let sigmoid = 1.0 / (1.0 + (-x).exp());
        let (exact, exact_slope) = (x * sigmoid, sigmoid * (1.0 + x * (1.0 - sigmoid)));
        assert!(
            (y as f64 - exact).abs() <= 4e-7 * exact.abs() + 1e-30,
            "silu({x}) = {y}, exact {exact}"
        );
        assert!(
            (dy as f64 - exact_slope).abs() <= 1e-6 * exact_slope.abs() + 1e-7,
            "silu'({x}) = {dy}, exact {exact_slope}"
        );
    }
    // Far outside that range, and NaN, as x * sigmoid(x) in f64.
    let special = [f32::NAN, 1e30, -1e30, f32::INFINITY, f32::MAX, -f32::MAX];
    let output = to_vec(silu(primitive(Tensor::<1>::from_data(
        TensorData::new(special.to_vec(), [6]),
        &device,
    ))));
    assert!(output[0].is_nan(), "silu(NaN) = {}", output[0]);
    assert_eq!(output[1..], [1e30, 0.0, f32::INFINITY, f32::MAX, 0.0]);
}

#[test]
fn a_shared_tensor_is_mapped_into_a_new_one() {
    let input = values(70_001, -20.0, 20.0);
    let tensor = Tensor::<1>::from_data(
        TensorData::new(input.clone(), [input.len()]),
        &Device::flex(),
    );
    // The clone keeps the storage shared, so the map cannot happen in place.
    let mapped = tensor
        .clone()
        .exp()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let kept = tensor.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(kept, input, "the shared input is untouched");
    for (&x, &y) in input.iter().zip(&mapped) {
        assert!(ulps(y, (x as f64).exp() as f32) <= 2, "exp({x}) = {y}");
    }
}

#[test]
fn attention_matches_f64() {
    use burn::tensor::module::attention;
    use burn::tensor::ops::AttentionModuleOptions;
    // [sequences, heads, tokens, head_dim] as in MobileViT's stage-3 blocks; one query row of
    // large scores checks the max subtraction. The kernel's rows are 67 long, so that its
    // SIMD loop has a remainder.
    let (sequences, heads, tokens, dim) = (2, 3, 67, 16);
    let count = sequences * heads * tokens * dim;
    let make = |seed: usize| -> Vec<f32> {
        (0..count)
            .map(|i| (((i * 7919 + seed * 104_729) % 2000) as f32 / 1000.0 - 1.0) * 2.0)
            .collect()
    };
    let (mut q, k, v) = (make(1), make(2), make(3));
    q[..dim].iter_mut().for_each(|x| *x *= 40.0);
    let tensor = |values: &[f32]| {
        Tensor::<4>::from_data(
            TensorData::new(values.to_vec(), [sequences, heads, tokens, dim]),
            &Device::flex(),
        )
    };
    let options = AttentionModuleOptions {
        scale: None,
        softcap: None,
        is_causal: false,
    };
    let output = attention(tensor(&q), tensor(&k), tensor(&v), None, None, options)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    // The same Q, K and V as strided views of one fused [sequences, tokens, 3 * heads, dim]
    // projection (as MobileViT's attention passes them): the same output.
    let mut fused = Vec::with_capacity(3 * count);
    for sequence in 0..sequences {
        for token in 0..tokens {
            for part in [&q, &k, &v] {
                for head in 0..heads {
                    let row = ((sequence * heads + head) * tokens + token) * dim;
                    fused.extend_from_slice(&part[row..row + dim]);
                }
            }
        }
    }
    let fused = Tensor::<4>::from_data(
        TensorData::new(fused, [sequences, tokens, 3 * heads, dim]),
        &Device::flex(),
    )
    .swap_dims(1, 2);
    let view = |part: usize| fused.clone().narrow(1, part * heads, heads);
    let from_views = attention(view(0), view(1), view(2), None, None, options)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let views_worst = output
        .iter()
        .zip(&from_views)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(views_worst < 1e-6, "strided views differ by {views_worst}");
    let scale = 1.0 / (dim as f64).sqrt();
    let mut worst = 0.0f64;
    for head in 0..sequences * heads {
        let at = |data: &[f32], token: usize, d: usize| {
            f64::from(data[(head * tokens + token) * dim + d])
        };
        for query in 0..tokens {
            let scores: Vec<f64> = (0..tokens)
                .map(|key| {
                    (0..dim)
                        .map(|d| at(&q, query, d) * at(&k, key, d))
                        .sum::<f64>()
                        * scale
                })
                .collect();
            let max = scores.iter().fold(f64::MIN, |m, &s| m.max(s));
            let weights: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
            let total: f64 = weights.iter().sum();
            for d in 0..dim {
                let exact: f64 = (0..tokens)
                    .map(|key| weights[key] * at(&v, key, d))
                    .sum::<f64>()
                    / total;
                let got = f64::from(output[(head * tokens + query) * dim + d]);
                worst = worst.max((got - exact).abs());
            }
        }
    }
    assert!(worst < 1e-5, "attention differs from f64 by {worst}");
}

/// burn-flex's own `linear` (bands of rows, one per thread), which Burn's `module::linear`
/// does not reach (it composes a matmul and an add); `mobilevit-ops` calls it.
#[test]
fn linear_matches_f64_with_and_without_bias() {
    use burn::backend::ops::ModuleOps;

    // [sequences, tokens, d_in] as in a transformer layer; 37 rows per sequence, so the
    // thread bands end inside a sequence. The second input is a transposed view.
    let (sequences, tokens, d_in, d_out) = (3, 37, 24, 40);
    let device = Device::flex();
    // Ramps visited in a scrambled order, so that no two rows or columns are alike.
    let scrambled = |count: usize, from: f32, to: f32| {
        let ramp = values(count, from, to);
        (0..count)
            .map(|i| ramp[i * 7919 % count])
            .collect::<Vec<f32>>()
    };
    let x_values = scrambled(sequences * tokens * d_in, -2.0, 2.0);
    let w_values = scrambled(d_in * d_out, -1.0, 1.0);
    let b_values = scrambled(d_out, -3.0, 3.0);
    let x = Tensor::<3>::from_data(
        TensorData::new(x_values.clone(), [sequences, tokens, d_in]),
        &device,
    );
    // The same input stored as [tokens, sequences, d_in] and viewed through swapped dims.
    let mut stored = Vec::with_capacity(x_values.len());
    for token in 0..tokens {
        for sequence in 0..sequences {
            let row = (sequence * tokens + token) * d_in;
            stored.extend_from_slice(&x_values[row..row + d_in]);
        }
    }
    let x_transposed =
        Tensor::<3>::from_data(TensorData::new(stored, [tokens, sequences, d_in]), &device)
            .swap_dims(0, 1);
    let w = Tensor::<2>::from_data(TensorData::new(w_values.clone(), [d_in, d_out]), &device);
    let b = Tensor::<1>::from_data(TensorData::new(b_values.clone(), [d_out]), &device);
    for (input, bias) in [
        (x.clone(), Some(b.clone())),
        (x, None),
        (x_transposed, Some(b)),
    ] {
        let has_bias = bias.is_some();
        let output = Tensor::<3>::from_primitive::<Flex>(Flex::linear(
            primitive(input),
            primitive(w.clone()),
            bias.map(primitive),
        ));
        assert_eq!(output.dims(), [sequences, tokens, d_out]);
        let output = output.into_data().try_to_vec::<f32>().unwrap();
        for row in 0..sequences * tokens {
            for column in 0..d_out {
                let mut exact = if has_bias {
                    b_values[column] as f64
                } else {
                    0.0
                };
                for i in 0..d_in {
                    exact += x_values[row * d_in + i] as f64 * w_values[i * d_out + column] as f64;
                }
                let ours = output[row * d_out + column] as f64;
                assert!(
                    (ours - exact).abs() <= 1e-5 * (1.0 + exact.abs()),
                    "row {row}, column {column}, bias {has_bias}: {ours} against {exact}"
                );
            }
        }
    }
}
