//! Gradients of [`scaled_attention`], one autodiff node that recomputes the attention weights,
//! against Burn's composed fallback (matmul, softmax and matmul, each differentiated on its
//! own).

use burn::tensor::module::attention_fallback;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Device, Tensor, TensorData};
use mobilevit_ops::scaled_attention;

mod common;

fn seeded(shape: [usize; 4], seed: u64) -> TensorData {
    let count = shape.iter().product();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let values: Vec<f32> = (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
        })
        .collect();
    TensorData::new(values, shape)
}

/// Output and the three input gradients of `sum(op(q, k, v) * g)`.
fn gradients(
    op: fn(Tensor<4>, Tensor<4>, Tensor<4>) -> Tensor<4>,
    inputs: [&TensorData; 4],
) -> [Vec<f32>; 4] {
    let device = Device::flex().autodiff();
    let [q, k, v, g] = inputs.map(|data| Tensor::<4>::from_data(data.clone(), &device));
    let [q, k, v] = [q, k, v].map(Tensor::require_grad);
    let output = op(q.clone(), k.clone(), v.clone());
    let grads = (output.clone() * g).sum().backward();
    let values = |tensor: Tensor<4>| tensor.into_data().try_to_vec::<f32>().unwrap();
    [
        values(output),
        values(q.grad(&grads).unwrap()),
        values(k.grad(&grads).unwrap()),
        values(v.grad(&grads).unwrap()),
    ]
}

/// The default scale of Burn's attention for a head dimension of 5.
const SCALE: f64 = 0.447_213_595_499_957_9;

fn options() -> AttentionModuleOptions {
    AttentionModuleOptions {
        scale: Some(SCALE),
        ..AttentionModuleOptions::default()
    }
}

#[test]
fn attention_gradients_match_the_composed_fallback() {
    // [batch, heads, tokens, head_dim]: 7 queries over 9 keys, values of width 6.
    let q = seeded([2, 3, 7, 5], 1);
    let k = seeded([2, 3, 9, 5], 2);
    let v = seeded([2, 3, 9, 6], 3);
    let g = seeded([2, 3, 7, 6], 4);
    let ours = gradients(|q, k, v| scaled_attention(q, k, v, SCALE), [&q, &k, &v, &g]);
    let composed = gradients(
        |q, k, v| attention_fallback(q, k, v, None, None, options()),
        [&q, &k, &v, &g],
    );
    common::assert_close(
        &["output", "query gradient", "key gradient", "value gradient"],
        &ours,
        &composed,
        1e-5,
    );
}
