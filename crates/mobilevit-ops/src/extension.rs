//! The extension trait and its execution backends.

use burn::backend::ops::ModuleOps;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::ops::AttentionModuleOptions;

/// MobileViT's operations on a Burn backend.
///
/// The default bodies are the composed references: each backend overrides what it has a
/// kernel for. The autodiff implementation (in `autodiff.rs`) gives SiLU and attention their
/// own backward passes.
#[backend_extension(
    Flex: cfg(feature = "flex"),
    Cube: cfg(any(feature = "wgpu", feature = "cuda")),
    Autodiff
)]
pub trait MobileVitOps: Backend {
    /// `x * sigmoid(x)`.
    fn silu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        let sigmoid = Self::sigmoid(tensor.clone());
        Self::float_mul(tensor, sigmoid)
    }

    /// The gradient of [`silu`](Self::silu) at `x`: `grad * s * (1 + x (1 - s))` with
    /// `s = sigmoid(x)`.
    fn silu_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        let sigmoid = Self::sigmoid(x.clone());
        let complement = Self::float_add_scalar(Self::float_neg(sigmoid.clone()), 1.0.into());
        let slope = Self::float_add_scalar(Self::float_mul(x, complement), 1.0.into());
        Self::float_mul(Self::float_mul(sigmoid, slope), grad)
    }

    /// The backend's own `linear`: `x @ weight + bias`, weight `[d_input, d_output]`. (Two
    /// methods, with and without a bias: Burn 0.22's extension macro hands an
    /// `Option<FloatTensor>` argument to the backend without unwrapping it.)
    fn linear_with_bias(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        <Self as ModuleOps<Self>>::linear(x, weight, Some(bias))
    }

    /// The backend's own `linear` without a bias: `x @ weight`.
    fn linear_without_bias(x: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        <Self as ModuleOps<Self>>::linear(x, weight, None)
    }

    /// The backend's attention with only a scale.
    fn scaled_attention(
        query: FloatTensor<Self>,
        key: FloatTensor<Self>,
        value: FloatTensor<Self>,
        scale: f64,
    ) -> FloatTensor<Self> {
        Self::attention(query, key, value, None, None, plain_attention(scale))
    }
}

/// Attention options with nothing but the scale.
pub(crate) fn plain_attention(scale: f64) -> AttentionModuleOptions {
    AttentionModuleOptions {
        scale: Some(scale),
        softcap: None,
        is_causal: false,
    }
}

#[cfg(feature = "flex")]
impl MobileVitOps for burn::backend::Flex {
    fn silu(tensor: FloatTensor<Self>) -> FloatTensor<Self> {
        burn::backend::flex::ops::activation::silu(tensor)
    }

    fn silu_backward(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        burn::backend::flex::ops::activation::silu_backward(x, grad)
    }
}

// The composed SiLU; linear and attention are cubecl's own.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
impl MobileVitOps for burn::backend::Cube {}
