//! Backward passes of 2D convolution (mobilevit-rs patch).
//!
//! Burn's default `conv2d_weight_backward` computes the weight gradient as a convolution of
//! the input by the output gradient with batch and channel axes swapped: two transposed
//! copies of the activations and a kernel as large as the feature map. For a grouped
//! convolution it runs one such convolution per group and a slice assignment each, so a
//! depthwise convolution of 256 channels becomes 256 small convolutions. The default
//! `conv2d_x_backward` is a transposed convolution.
//!
//! Here both gradients are computed directly from NCHW data:
//!
//! - depthwise convolutions (one input and one output channel per group) with plain loops
//!   over each channel's planes;
//! - every other convolution per sample and group with one gemm against the sample's
//!   im2col matrix (`[in_channels / groups * kernel_h * kernel_w, out_h * out_w]`; a 1x1
//!   convolution with stride 1 and no padding uses the input itself):
//!   `dW_g += G_g · colᵀ` and `col = W_gᵀ · G_g`, folded back into the input's shape.
//!
//! Samples (input gradient) or groups of samples (weight gradient, summed at the end) run
//! in parallel. Asymmetric padding needs no special case: only the leading padding places
//! the taps, and the output size is taken from the output gradient.

use alloc::vec;
use alloc::vec::Vec;
use burn_backend::{DType, ops::ConvOptions};
use burn_std::{Bytes, Shape, bf16, f16};

use crate::ops::conv::valid_out_range;
use crate::ops::module::{cast_from_f32, cast_to_f32};
use crate::ops::threads;
use crate::{FlexTensor, Layout};

/// Element types the backward passes compute in natively.
pub(super) trait ConvFloat:
    num_traits::Float + bytemuck::Pod + burn_backend::Element + Send + Sync + 'static
{
}
impl ConvFloat for f32 {}
impl ConvFloat for f64 {}
impl ConvFloat for f16 {}

/// Gradient of a 2D convolution with respect to its input.
///
/// # Shapes
/// - x: `[batch, in_channels, in_h, in_w]` (only its shape is used)
/// - weight: `[out_channels, in_channels / groups, kernel_h, kernel_w]`
/// - output_grad: `[batch, out_channels, out_h, out_w]`
/// - returns: `[batch, in_channels, in_h, in_w]`
pub fn conv2d_x_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let geometry = Geometry::new(&x, &weight, &output_grad, options);
    match x.dtype() {
        DType::F32 => x_grad::<f32>(&geometry, weight, output_grad),
        DType::F64 => x_grad::<f64>(&geometry, weight, output_grad),
        DType::F16 => x_grad::<f16>(&geometry, weight, output_grad),
        DType::BF16 => cast_from_f32(
            x_grad::<f32>(
                &geometry,
                cast_to_f32(weight, bf16::to_f32),
                cast_to_f32(output_grad, bf16::to_f32),
            ),
            bf16::from_f32,
        ),
        dtype => panic!("conv2d_x_backward: unsupported dtype {dtype:?}"),
    }
}

/// Gradient of a 2D convolution with respect to its weight.
///
/// # Shapes
/// - x: `[batch, in_channels, in_h, in_w]`
/// - weight: `[out_channels, in_channels / groups, kernel_h, kernel_w]` (only its shape is
///   used)
/// - output_grad: `[batch, out_channels, out_h, out_w]`
/// - returns: the weight's shape
pub fn conv2d_weight_backward(
    x: FlexTensor,
    weight: FlexTensor,
    output_grad: FlexTensor,
    options: &ConvOptions<2>,
) -> FlexTensor {
    let geometry = Geometry::new(&x, &weight, &output_grad, options);
    match x.dtype() {
        DType::F32 => weight_grad::<f32>(&geometry, x, output_grad),
        DType::F64 => weight_grad::<f64>(&geometry, x, output_grad),
        DType::F16 => weight_grad::<f16>(&geometry, x, output_grad),
        DType::BF16 => cast_from_f32(
            weight_grad::<f32>(
                &geometry,
                cast_to_f32(x, bf16::to_f32),
                cast_to_f32(output_grad, bf16::to_f32),
            ),
            bf16::from_f32,
        ),
        dtype => panic!("conv2d_weight_backward: unsupported dtype {dtype:?}"),
    }
}

/// Sizes of one 2D convolution (also used by `conv_forward`).
pub(super) struct Geometry {
    pub(super) batch: usize,
    pub(super) groups: usize,
    pub(super) in_channels: usize,
    pub(super) out_channels: usize,
    pub(super) in_h: usize,
    pub(super) in_w: usize,
    pub(super) out_h: usize,
    pub(super) out_w: usize,
    pub(super) kernel_h: usize,
    pub(super) kernel_w: usize,
    pub(super) stride: [usize; 2],
    pub(super) pad: [usize; 2],
    pub(super) dilation: [usize; 2],
}

impl Geometry {
    fn new(
        x: &FlexTensor,
        weight: &FlexTensor,
        output_grad: &FlexTensor,
        options: &ConvOptions<2>,
    ) -> Self {
        let x_shape = x.layout().shape();
        let w_shape = weight.layout().shape();
        let g_shape = output_grad.layout().shape();
        Self {
            batch: x_shape[0],
            groups: options.groups,
            in_channels: x_shape[1],
            out_channels: w_shape[0],
            in_h: x_shape[2],
            in_w: x_shape[3],
            out_h: g_shape[2],
            out_w: g_shape[3],
            kernel_h: w_shape[2],
            kernel_w: w_shape[3],
            stride: options.stride,
            pad: options.padding_begin(),
            dilation: options.dilation,
        }
    }

    pub(super) fn in_per_group(&self) -> usize {
        self.in_channels / self.groups
    }

    pub(super) fn out_per_group(&self) -> usize {
        self.out_channels / self.groups
    }

    pub(super) fn in_plane(&self) -> usize {
        self.in_h * self.in_w
    }

    pub(super) fn out_plane(&self) -> usize {
        self.out_h * self.out_w
    }

    pub(super) fn kernel_plane(&self) -> usize {
        self.kernel_h * self.kernel_w
    }

    /// Rows of a group's im2col matrix (and columns of its weight matrix).
    pub(super) fn patch_len(&self) -> usize {
        self.in_per_group() * self.kernel_plane()
    }

    pub(super) fn is_depthwise(&self) -> bool {
        self.groups == self.in_channels && self.out_channels == self.in_channels
    }

    /// A 1x1 convolution whose im2col matrix is the input itself.
    pub(super) fn is_pointwise(&self) -> bool {
        self.kernel_h == 1
            && self.kernel_w == 1
            && self.stride == [1, 1]
            && self.pad == [0, 0]
            && self.out_h == self.in_h
            && self.out_w == self.in_w
    }

    /// Output rows that kernel row `kh` reaches inside the input.
    pub(super) fn rows(&self, kh: usize) -> (usize, usize) {
        let [stride, pad, dilation] = [self.stride[0], self.pad[0], self.dilation[0]];
        valid_out_range(kh, dilation, pad, stride, self.in_h, self.out_h)
    }

    /// Output columns that kernel column `kw` reaches inside the input.
    pub(super) fn columns(&self, kw: usize) -> (usize, usize) {
        let [stride, pad, dilation] = [self.stride[1], self.pad[1], self.dilation[1]];
        valid_out_range(kw, dilation, pad, stride, self.in_w, self.out_w)
    }

    /// Input row read by output row `oh` through kernel row `kh` (inside `rows(kh)`).
    pub(super) fn input_row(&self, oh: usize, kh: usize) -> usize {
        oh * self.stride[0] + kh * self.dilation[0] - self.pad[0]
    }

    /// Input column read by output column `ow` through kernel column `kw` (inside
    /// `columns(kw)`).
    pub(super) fn input_column(&self, ow: usize, kw: usize) -> usize {
        ow * self.stride[1] + kw * self.dilation[1] - self.pad[1]
    }

    /// Calls `tap(kh, kw, oh, input_row, ow_range, first_input_column)` for every output row
    /// of every kernel tap that stays inside the input.
    fn for_each_tap_row(
        &self,
        mut tap: impl FnMut(usize, usize, usize, usize, (usize, usize), usize),
    ) {
        for kh in 0..self.kernel_h {
            let (oh_start, oh_end) = self.rows(kh);
            for kw in 0..self.kernel_w {
                let (ow_start, ow_end) = self.columns(kw);
                if ow_start >= ow_end {
                    continue;
                }
                let iw_start = self.input_column(ow_start, kw);
                for oh in oh_start..oh_end {
                    tap(
                        kh,
                        kw,
                        oh,
                        self.input_row(oh, kh),
                        (ow_start, ow_end),
                        iw_start,
                    );
                }
            }
        }
    }
}

fn tensor<T: ConvFloat>(values: Vec<T>, shape: [usize; 4]) -> FlexTensor {
    FlexTensor::new(
        Bytes::from_elems(values),
        Layout::contiguous(Shape::from(shape.to_vec())),
        T::dtype(),
    )
}

fn x_grad<T: ConvFloat>(
    geometry: &Geometry,
    weight: FlexTensor,
    output_grad: FlexTensor,
) -> FlexTensor {
    let weight = weight.to_contiguous();
    let output_grad = output_grad.to_contiguous();
    let (w, grad): (&[T], &[T]) = (weight.storage(), output_grad.storage());
    let values = if geometry.is_depthwise() {
        depthwise_x_grad(geometry, w, grad)
    } else {
        gemm_x_grad(geometry, w, grad)
    };
    let g = geometry;
    tensor(values, [g.batch, g.in_channels, g.in_h, g.in_w])
}

fn weight_grad<T: ConvFloat>(
    geometry: &Geometry,
    x: FlexTensor,
    output_grad: FlexTensor,
) -> FlexTensor {
    let x = x.to_contiguous();
    let output_grad = output_grad.to_contiguous();
    let (x, grad): (&[T], &[T]) = (x.storage(), output_grad.storage());
    let values = if geometry.is_depthwise() {
        depthwise_weight_grad(geometry, x, grad)
    } else {
        gemm_weight_grad(geometry, x, grad)
    };
    let g = geometry;
    tensor(
        values,
        [g.out_channels, g.in_per_group(), g.kernel_h, g.kernel_w],
    )
}

// ---------------------------------------------------------------------------
// Depthwise
// ---------------------------------------------------------------------------

/// `dx[n, c] = Σ_taps w[c, tap] · (output gradient placed at the tap)`, one plane per task.
fn depthwise_x_grad<T: ConvFloat>(geometry: &Geometry, w: &[T], grad: &[T]) -> Vec<T> {
    let g = geometry;
    let mut dx = vec![T::zero(); g.batch * g.in_channels * g.in_plane()];
    let plane = |(n_c, dx_plane): (usize, &mut [T])| {
        let channel = n_c % g.in_channels;
        let w_c = &w[channel * g.kernel_plane()..][..g.kernel_plane()];
        let grad_plane = &grad[n_c * g.out_plane()..][..g.out_plane()];
        g.for_each_tap_row(|kh, kw, oh, ih, (ow_start, ow_end), iw_start| {
            let weight = w_c[kh * g.kernel_w + kw];
            let grad_row = &grad_plane[oh * g.out_w + ow_start..oh * g.out_w + ow_end];
            let dx_row = &mut dx_plane[ih * g.in_w + iw_start..(ih + 1) * g.in_w];
            scatter_scaled(dx_row, grad_row, weight, g.stride[1]);
        });
    };
    for_each_chunk(&mut dx, g.in_plane(), plane);
    dx
}

/// `dw[c, tap] = Σ_n Σ_(oh, ow) grad[n, c, oh, ow] · x[n, c, tap position]`, one channel
/// per task.
fn depthwise_weight_grad<T: ConvFloat>(geometry: &Geometry, x: &[T], grad: &[T]) -> Vec<T> {
    let g = geometry;
    let mut dw = vec![T::zero(); g.in_channels * g.kernel_plane()];
    let channel = |(channel, dw_c): (usize, &mut [T])| {
        for n in 0..g.batch {
            let n_c = n * g.in_channels + channel;
            let x_plane = &x[n_c * g.in_plane()..][..g.in_plane()];
            let grad_plane = &grad[n_c * g.out_plane()..][..g.out_plane()];
            g.for_each_tap_row(|kh, kw, oh, ih, (ow_start, ow_end), iw_start| {
                let grad_row = &grad_plane[oh * g.out_w + ow_start..oh * g.out_w + ow_end];
                let x_row = &x_plane[ih * g.in_w + iw_start..(ih + 1) * g.in_w];
                let tap = &mut dw_c[kh * g.kernel_w + kw];
                *tap = *tap + strided_dot(grad_row, x_row, g.stride[1]);
            });
        }
    };
    for_each_chunk(&mut dw, g.kernel_plane(), channel);
    dw
}

// ---------------------------------------------------------------------------
// Dense and grouped: im2col + gemm
// ---------------------------------------------------------------------------

/// Per sample and group: `col = W_gᵀ · G_g`, then `col2im` into the sample's gradient.
fn gemm_x_grad<T: ConvFloat>(geometry: &Geometry, w: &[T], grad: &[T]) -> Vec<T> {
    let g = geometry;
    let sample_len = g.in_channels * g.in_plane();
    let group_len = g.in_per_group() * g.in_plane();
    let mut dx = vec![T::zero(); g.batch * sample_len];
    let parallelism = inner_parallelism(g.batch);
    let sample = |(n, dx_n): (usize, &mut [T])| {
        let mut col = if g.is_pointwise() {
            Vec::new()
        } else {
            vec![T::zero(); g.patch_len() * g.out_plane()]
        };
        for group in 0..g.groups {
            let dx_group = &mut dx_n[group * group_len..][..group_len];
            let target = if g.is_pointwise() {
                &mut *dx_group
            } else {
                &mut col[..]
            };
            let weight_group = &w[group * g.out_per_group() * g.patch_len()..];
            let grad_group =
                &grad[(n * g.out_channels + group * g.out_per_group()) * g.out_plane()..];
            // target [patch_len, out_plane] = W_gᵀ [patch_len, out_per_group]
            //                                 · G_g [out_per_group, out_plane]
            // SAFETY: the strides describe `target`, `weight_group` and `grad_group` within
            // their lengths (row-major matrices of the sizes above; W_g read transposed).
            unsafe {
                gemm::gemm(
                    g.patch_len(),
                    g.out_plane(),
                    g.out_per_group(),
                    target.as_mut_ptr(),
                    1,
                    g.out_plane() as isize,
                    false,
                    weight_group.as_ptr(),
                    g.patch_len() as isize,
                    1,
                    grad_group.as_ptr(),
                    1,
                    g.out_plane() as isize,
                    T::zero(),
                    T::one(),
                    false,
                    false,
                    false,
                    parallelism,
                );
            }
            if !g.is_pointwise() {
                col2im(g, &col, dx_group);
            }
        }
    };
    for_each_chunk(&mut dx, sample_len, sample);
    dx
}

/// Per sample and group: `dW_g += G_g · colᵀ`. Samples are split into one run per thread,
/// each summing into its own gradient; the runs' gradients are added at the end.
fn gemm_weight_grad<T: ConvFloat>(geometry: &Geometry, x: &[T], grad: &[T]) -> Vec<T> {
    let g = geometry;
    let weight_len = g.out_channels * g.patch_len();
    let runs = threads().min(g.batch).max(1);
    let per_run = g.batch.div_ceil(runs);
    let parallelism = inner_parallelism(runs);
    let run = |first: usize| -> Vec<T> {
        let mut dw = vec![T::zero(); weight_len];
        let mut col = if g.is_pointwise() {
            Vec::new()
        } else {
            vec![T::zero(); g.patch_len() * g.out_plane()]
        };
        for n in first..(first + per_run).min(g.batch) {
            for group in 0..g.groups {
                let x_group = &x[(n * g.in_channels + group * g.in_per_group()) * g.in_plane()..]
                    [..g.in_per_group() * g.in_plane()];
                let columns: &[T] = if g.is_pointwise() {
                    x_group
                } else {
                    im2col(g, x_group, &mut col);
                    &col
                };
                let grad_group =
                    &grad[(n * g.out_channels + group * g.out_per_group()) * g.out_plane()..];
                let dw_group = &mut dw[group * g.out_per_group() * g.patch_len()..];
                // dW_g [out_per_group, patch_len] += G_g [out_per_group, out_plane]
                //                                   · colᵀ [out_plane, patch_len]
                // SAFETY: the strides describe `dw_group`, `grad_group` and `columns` within
                // their lengths (row-major matrices of the sizes above; col read transposed).
                unsafe {
                    gemm::gemm(
                        g.out_per_group(),
                        g.patch_len(),
                        g.out_plane(),
                        dw_group.as_mut_ptr(),
                        1,
                        g.patch_len() as isize,
                        true,
                        grad_group.as_ptr(),
                        1,
                        g.out_plane() as isize,
                        columns.as_ptr(),
                        g.out_plane() as isize,
                        1,
                        T::one(),
                        T::one(),
                        false,
                        false,
                        false,
                        parallelism,
                    );
                }
            }
        }
        dw
    };
    let firsts: Vec<usize> = (0..g.batch).step_by(per_run).collect();
    #[cfg(feature = "rayon")]
    let partials: Vec<Vec<T>> = {
        use rayon::prelude::*;
        firsts.into_par_iter().map(run).collect()
    };
    #[cfg(not(feature = "rayon"))]
    let partials: Vec<Vec<T>> = firsts.into_iter().map(run).collect();
    let mut partials = partials.into_iter();
    let mut dw = partials
        .next()
        .unwrap_or_else(|| vec![T::zero(); weight_len]);
    for partial in partials {
        for (total, value) in dw.iter_mut().zip(partial) {
            *total = *total + value;
        }
    }
    dw
}

/// One group of one sample unrolled: `col[(ci, kh, kw), (oh, ow)]` is the input value that
/// tap `(kh, kw)` of input channel `ci` reads for output `(oh, ow)`, zero in the padding.
///
/// # Shapes
/// - x_group: `[in_per_group, in_h, in_w]`
/// - col: `[in_per_group * kernel_h * kernel_w, out_h * out_w]`
fn im2col<T: ConvFloat>(geometry: &Geometry, x_group: &[T], col: &mut [T]) {
    let g = geometry;
    col.fill(T::zero());
    for ci in 0..g.in_per_group() {
        let x_plane = &x_group[ci * g.in_plane()..][..g.in_plane()];
        g.for_each_tap_row(|kh, kw, oh, ih, (ow_start, ow_end), iw_start| {
            let row = (ci * g.kernel_h + kh) * g.kernel_w + kw;
            let col_row = &mut col[row * g.out_plane() + oh * g.out_w..][ow_start..ow_end];
            let x_row = &x_plane[ih * g.in_w + iw_start..(ih + 1) * g.in_w];
            gather(col_row, x_row, g.stride[1]);
        });
    }
}

/// The adjoint of `im2col`: adds each column entry to the input position it was read from.
fn col2im<T: ConvFloat>(geometry: &Geometry, col: &[T], dx_group: &mut [T]) {
    let g = geometry;
    for ci in 0..g.in_per_group() {
        let dx_plane = &mut dx_group[ci * g.in_plane()..][..g.in_plane()];
        g.for_each_tap_row(|kh, kw, oh, ih, (ow_start, ow_end), iw_start| {
            let row = (ci * g.kernel_h + kh) * g.kernel_w + kw;
            let col_row = &col[row * g.out_plane() + oh * g.out_w..][ow_start..ow_end];
            let dx_row = &mut dx_plane[ih * g.in_w + iw_start..(ih + 1) * g.in_w];
            scatter_scaled(dx_row, col_row, T::one(), g.stride[1]);
        });
    }
}

// ---------------------------------------------------------------------------
// Strided row kernels (stride 1 and 2 with a constant stride, so that LLVM vectorizes them)
// ---------------------------------------------------------------------------

/// `out[i] = input[i * stride]`.
pub(super) fn gather<T: ConvFloat>(out: &mut [T], input: &[T], stride: usize) {
    match stride {
        1 => out.copy_from_slice(&input[..out.len()]),
        2 => gather_const::<T, 2>(out, input),
        _ => gather_strided(out, input, stride),
    }
}

#[inline(always)]
fn gather_const<T: ConvFloat, const STRIDE: usize>(out: &mut [T], input: &[T]) {
    if let Some(last) = out.len().checked_sub(1) {
        let input = &input[..last * STRIDE + 1];
        for (i, value) in out.iter_mut().enumerate() {
            *value = input[i * STRIDE];
        }
    }
}

fn gather_strided<T: ConvFloat>(out: &mut [T], input: &[T], stride: usize) {
    for (i, value) in out.iter_mut().enumerate() {
        *value = input[i * stride];
    }
}

/// `out[i * stride] += scale * values[i]`.
fn scatter_scaled<T: ConvFloat>(out: &mut [T], values: &[T], scale: T, stride: usize) {
    if stride == 1 {
        for (target, &value) in out[..values.len()].iter_mut().zip(values) {
            *target = *target + scale * value;
        }
    } else {
        for (i, &value) in values.iter().enumerate() {
            let target = &mut out[i * stride];
            *target = *target + scale * value;
        }
    }
}

/// `Σ_i a[i] · b[i * stride]`, in eight running sums.
fn strided_dot<T: ConvFloat>(a: &[T], b: &[T], stride: usize) -> T {
    match stride {
        1 => strided_dot_const::<T, 1>(a, b),
        2 => strided_dot_const::<T, 2>(a, b),
        _ => a
            .iter()
            .enumerate()
            .fold(T::zero(), |sum, (i, &value)| sum + value * b[i * stride]),
    }
}

#[inline(always)]
fn strided_dot_const<T: ConvFloat, const STRIDE: usize>(a: &[T], b: &[T]) -> T {
    const LANES: usize = 8;
    let Some(last) = a.len().checked_sub(1) else {
        return T::zero();
    };
    let b = &b[..last * STRIDE + 1];
    let mut sums = [T::zero(); LANES];
    let whole = a.len() / LANES * LANES;
    for start in (0..whole).step_by(LANES) {
        for (lane, sum) in sums.iter_mut().enumerate() {
            let i = start + lane;
            *sum = *sum + a[i] * b[i * STRIDE];
        }
    }
    let mut total = sums.iter().fold(T::zero(), |sum, &value| sum + value);
    for i in whole..a.len() {
        total = total + a[i] * b[i * STRIDE];
    }
    total
}

// ---------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------

/// gemm's own threads only where the outer loop has fewer tasks than threads.
fn inner_parallelism(tasks: usize) -> gemm::Parallelism {
    #[cfg(feature = "rayon")]
    if tasks < threads() {
        return gemm::Parallelism::Rayon(0);
    }
    let _ = tasks;
    gemm::Parallelism::None
}

/// Runs `work((index, chunk))` over the `chunk_len`-sized chunks of `data`, in parallel.
fn for_each_chunk<T: Send>(
    data: &mut [T],
    chunk_len: usize,
    work: impl Fn((usize, &mut [T])) + Send + Sync,
) {
    if chunk_len == 0 {
        return;
    }
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        data.par_chunks_mut(chunk_len).enumerate().for_each(work);
    }
    #[cfg(not(feature = "rayon"))]
    data.chunks_mut(chunk_len).enumerate().for_each(work);
}
