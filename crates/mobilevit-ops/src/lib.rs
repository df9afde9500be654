//! MobileViT's custom operations as Burn backend extensions (`#[backend_extension]`).
//!
//! Burn 0.22 has no SiLU operation (`activation::silu` is `x * sigmoid(x)`), routes
//! `module::linear` to its composed default whatever the backend, and differentiates
//! attention as three recorded operations that keep two `[batch, heads, queries, keys]`
//! tensors for the backward pass. [`MobileVitOps`] adds the three operations MobileViT needs,
//! on every backend it runs on:
//!
//! | operation | flex (the CPU) | cubecl (wgpu, CUDA) | autodiff |
//! |---|---|---|---|
//! | [`silu`] | burn-flex's one-pass SIMD map | `x * sigmoid(x)` | one node keeping its input |
//! | [`linear`] | burn-flex's banded `linear` | the backend's `linear` | Burn's linear node |
//! | [`scaled_attention`] | burn-flex's fused attention | the backend's attention | one node keeping Q, K, V |
//!
//! The backends compiled in are this crate's features (`flex`, `wgpu`, `cuda`), not Burn's:
//! a tensor on a backend this crate was not built for panics with Burn's message.

mod autodiff;
mod extension;

pub use extension::MobileVitOps;

use burn::backend::Dispatch;
use burn::tensor::Tensor;

/// SiLU (swish), `x * sigmoid(x)`, as one operation.
///
/// On the CPU it is one pass, and in training it keeps only its input for the backward pass
/// (`x * sigmoid(x)` as two operations keeps the sigmoid too).
pub fn silu<const D: usize>(tensor: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as MobileVitOps>::silu(tensor.into_dispatch()))
}

/// `input @ weight + bias`, computed by the backend's own `linear`.
///
/// The same function as `burn::tensor::module::linear` (weight `[d_input, d_output]`), which
/// Burn 0.22 always composes from a matmul and an add; here the CPU backend's banded kernel
/// runs it.
///
/// # Shapes
/// - `input`: `[..., d_input]`
/// - `weight`: `[d_input, d_output]`
/// - `bias`: `[d_output]`
/// - output: `[..., d_output]`
pub fn linear<const D: usize>(
    input: Tensor<D>,
    weight: Tensor<2>,
    bias: Option<Tensor<1>>,
) -> Tensor<D> {
    if D == 1 {
        // The backends' linear wants a row dimension.
        return linear(input.unsqueeze::<2>(), weight, bias).squeeze_dim(0);
    }
    let (input, weight) = (input.into_dispatch(), weight.into_dispatch());
    Tensor::from_dispatch(match bias {
        Some(bias) => {
            <Dispatch as MobileVitOps>::linear_with_bias(input, weight, bias.into_dispatch())
        }
        None => <Dispatch as MobileVitOps>::linear_without_bias(input, weight),
    })
}

/// `softmax(query keyᵀ · scale) value`: attention without mask, bias, softcap or causality.
///
/// Runs as the backend's fused attention; in training it is one node that keeps its three
/// inputs and recomputes the attention weights in the backward pass.
///
/// # Shapes
/// - `query`: `[batch, heads, queries, head_dim]`
/// - `key`, `value`: `[batch, heads, keys, head_dim]`
/// - output: `[batch, heads, queries, head_dim]`
pub fn scaled_attention(
    query: Tensor<4>,
    key: Tensor<4>,
    value: Tensor<4>,
    scale: f64,
) -> Tensor<4> {
    Tensor::from_dispatch(<Dispatch as MobileVitOps>::scaled_attention(
        query.into_dispatch(),
        key.into_dispatch(),
        value.into_dispatch(),
        scale,
    ))
}
