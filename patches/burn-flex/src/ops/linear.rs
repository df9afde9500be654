//! The linear layer as one gemm over bands of rows, on top of its bias (mobilevit-rs patch).
//!
//! Burn's default `linear` is a matmul followed by a broadcast add of the bias: a second
//! pass over the output. flex's matmul also splits a product over threads only above a
//! size that a transformer on a few hundred tokens of 64 to 240 features never reaches, so
//! at batch 1 the layer ran on one thread. Here the rows (every leading dim of `x`) are cut
//! into one band per thread, and each band's output rows are filled with the bias and then
//! accumulated by gemm while they are in cache.

use core::mem::MaybeUninit;

use burn_backend::DType;
use burn_backend::ops::FloatTensorOps;
use burn_std::{Bytes, Shape};

use crate::{Flex, FlexTensor, Layout};

/// Rows below which a band is not worth a task of its own.
const MIN_BAND_ROWS: usize = 16;
/// Multiply-adds below which the layer runs on the calling thread.
const MIN_PARALLEL_WORK: usize = 64 * 1024;

/// `x · weight (+ bias)`.
///
/// # Shapes
/// - x: `[..., d_input]`
/// - weight: `[d_input, d_output]`
/// - bias: `[d_output]`
/// - returns: `[..., d_output]`
pub fn linear(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>) -> FlexTensor {
    let same_dtype =
        weight.dtype() == x.dtype() && bias.as_ref().is_none_or(|bias| bias.dtype() == x.dtype());
    match x.dtype() {
        DType::F32 if same_dtype => linear_gemm::<f32>(x, weight, bias),
        DType::F64 if same_dtype => linear_gemm::<f64>(x, weight, bias),
        _ => linear_composed(x, weight, bias),
    }
}

/// Burn's default: a matmul over the rows, then the bias.
fn linear_composed(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>) -> FlexTensor {
    let (rows, d_input, d_output, out_shape) = sizes(&x, &weight);
    let x = Flex::float_reshape(x, Shape::from(alloc::vec![rows, d_input]));
    let mut output = Flex::float_matmul(x, weight);
    if let Some(bias) = bias {
        let bias = Flex::float_reshape(bias, Shape::from(alloc::vec![1, d_output]));
        output = Flex::float_add(output, bias);
    }
    Flex::float_reshape(output, out_shape)
}

/// Rows (every leading dim), input and output features, and the output's shape.
fn sizes(x: &FlexTensor, weight: &FlexTensor) -> (usize, usize, usize, Shape) {
    let x_shape = x.layout().shape();
    let w_shape = weight.layout().shape();
    assert_eq!(w_shape.num_dims(), 2, "linear: the weight must be 2D");
    let (d_input, d_output) = (w_shape[0], w_shape[1]);
    let rank = x_shape.num_dims();
    assert!(
        rank >= 1 && x_shape[rank - 1] == d_input,
        "linear: input features ({:?}) must match the weight's {d_input}",
        x_shape.to_vec()
    );
    let rows = x_shape.num_elements() / d_input.max(1);
    let mut out_dims = x_shape.to_vec();
    out_dims[rank - 1] = d_output;
    (rows, d_input, d_output, Shape::from(out_dims))
}

fn linear_gemm<T>(x: FlexTensor, weight: FlexTensor, bias: Option<FlexTensor>) -> FlexTensor
where
    T: bytemuck::Pod + burn_backend::Element + num_traits::Zero + num_traits::One + Send + Sync,
{
    let (rows, d_input, d_output, out_shape) = sizes(&x, &weight);
    let x = x.to_contiguous();
    let weight = weight.to_contiguous();
    let bias = bias.map(|bias| bias.to_contiguous());
    let (x_data, w_data): (&[T], &[T]) = (x.storage(), weight.storage());
    let bias_data: Option<&[T]> = bias.as_ref().map(|bias| bias.storage());
    if let Some(bias) = bias_data {
        assert_eq!(bias.len(), d_output, "linear: one bias per output feature");
    }
    // Each band writes its own rows (the bias, then gemm; gemm alone without a bias), on
    // the thread that computes them, rather than the calling thread zeroing all of them
    // first.
    let mut output = super::uninit_vec::<T>(rows * d_output);
    if d_output > 0 {
        let band = |(index, out_band): (usize, &mut [MaybeUninit<T>]), band_rows: usize| {
            let first_row = index * band_rows;
            let x_band = &x_data[first_row * d_input..];
            gemm_rows(out_band, x_band, w_data, bias_data, d_input, d_output);
        };
        let band_rows = band_rows(rows, d_input * d_output);
        #[cfg(feature = "rayon")]
        {
            use rayon::prelude::*;
            output
                .par_chunks_mut(band_rows * d_output)
                .enumerate()
                .for_each(|chunk| band(chunk, band_rows));
        }
        #[cfg(not(feature = "rayon"))]
        output
            .chunks_mut(band_rows * d_output)
            .enumerate()
            .for_each(|chunk| band(chunk, band_rows));
    }
    // SAFETY: the bands tile the output and `gemm_rows` writes all of each; without output
    // features there is nothing to write.
    let output = unsafe { super::assume_init_vec(output) };
    FlexTensor::new(
        Bytes::from_elems(output),
        Layout::contiguous(out_shape),
        T::dtype(),
    )
}

/// Rows per band: one band per thread where the work is worth splitting.
fn band_rows(rows: usize, work_per_row: usize) -> usize {
    if rows.saturating_mul(work_per_row) < MIN_PARALLEL_WORK {
        return rows.max(1);
    }
    rows.div_ceil(super::bands_for_threads(1, rows, MIN_BAND_ROWS))
        .max(1)
}

/// `out = bias + x · w` for the rows of `out`, every element written.
///
/// # Shapes
/// - out: `[rows, d_output]`
/// - x: `[rows, d_input]` at its start (longer slices are fine)
/// - w: `[d_input, d_output]`
fn gemm_rows<T>(
    out: &mut [MaybeUninit<T>],
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    d_input: usize,
    d_output: usize,
) where
    T: bytemuck::Pod + num_traits::Zero + num_traits::One + 'static,
{
    let rows = out.len() / d_output;
    if let Some(bias) = bias {
        for row in out.chunks_exact_mut(d_output) {
            for (value, &bias) in row.iter_mut().zip(bias) {
                value.write(bias);
            }
        }
    }
    assert!(x.len() >= rows * d_input && w.len() >= d_input * d_output);
    // SAFETY: `out` is [rows, d_output], `x` holds [rows, d_input] and `w` [d_input, d_output],
    // all row-major; the asserts above keep every access in bounds.
    unsafe {
        gemm::gemm(
            rows,
            d_output,
            d_input,
            out.as_mut_ptr().cast::<T>(),
            1,
            d_output as isize,
            bias.is_some(),
            x.as_ptr(),
            1,
            d_input as isize,
            w.as_ptr(),
            1,
            d_output as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}
