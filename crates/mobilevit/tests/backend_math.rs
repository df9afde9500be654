//! The CPU backend's exp, sigmoid and softmax, which run through the vectorizable exp of the
//! burn-flex patch (patches/README.md): accuracy against f64 and libm's special values.

use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::{Device, Tensor, TensorData};

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
