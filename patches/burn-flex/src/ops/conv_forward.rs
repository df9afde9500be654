//! The general 2D convolution as im2col and gemm on NCHW data (mobilevit-rs patch).
//!
//! flex's general path (`conv3d_impl`) copies the whole input to NHWC with a scalar loop,
//! builds each tile's im2col matrix one element at a time into a zeroed buffer, has gemm
//! write a separate result that is then scattered into the output one element at a time,
//! and adds the bias in one more pass. For MobileViT's 3x3 convolutions (48 to 160 channels
//! on maps of 8x8 to 32x32) that bookkeeping took as long as the gemm itself.
//!
//! Here each task is one sample and a band of output rows:
//!
//! - the band's im2col matrix `[in_per_group * kernel_h * kernel_w, rows * out_w]` has the
//!   weight's own column order, so the weight needs no reordering; each of its rows is made
//!   of input-row segments (a copy at stride 1), and every entry is written once;
//! - gemm writes the band straight into the output (rows `out_h * out_w` apart), on top of
//!   the bias it was filled with.
//!
//! Bands are about [BAND_COLUMNS] output positions, so that the im2col matrix stays in the
//! core's cache, and smaller where a batch has fewer bands than threads.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_backend::ops::conv::calculate_conv_output_size;
use burn_std::{Bytes, Shape};

use super::conv_backward::{ConvFloat, Geometry, gather};
use super::{SendMutPtr, assume_init_vec, bands_for_threads, fill_rows, uninit_vec};
use crate::{FlexTensor, Layout};

/// Output positions per band (a band is whole output rows, at least one).
const BAND_COLUMNS: usize = 256;

/// Whether [conv3d_as_gemm] takes this convolution: a 2D one (a depth of one, with no
/// padding or kernel along it) that is not depthwise.
pub(crate) fn is_2d_conv(x_shape: &[usize], w_shape: &[usize], options: &ConvOptions<3>) -> bool {
    let depthwise = options.groups == x_shape[1] && w_shape[0] == x_shape[1];
    x_shape[2] == 1 && w_shape[2] == 1 && options.padding_begin()[0] == 0 && !depthwise
}

/// A 2D convolution given as 3D (see [is_2d_conv]).
///
/// # Shapes
/// - x: `[batch, in_channels, 1, in_h, in_w]`
/// - weight: `[out_channels, in_channels / groups, 1, kernel_h, kernel_w]`
/// - bias: `[out_channels]`
/// - returns: `[batch, out_channels, 1, out_h, out_w]`
pub(crate) fn conv3d_as_gemm<T: ConvFloat>(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<3>,
    dtype: DType,
) -> FlexTensor {
    let x = x.to_contiguous();
    let weight = weight.to_contiguous();
    let bias = bias.map(|bias| bias.to_contiguous());
    let geometry = geometry(x.layout().shape(), weight.layout().shape(), options);
    let output = convolve(
        &geometry,
        x.storage(),
        weight.storage(),
        bias.as_ref().map(|bias| bias.storage::<T>()),
    );
    let g = &geometry;
    let shape = Shape::from(vec![g.batch, g.out_channels, 1, g.out_h, g.out_w]);
    FlexTensor::new(Bytes::from_elems(output), Layout::contiguous(shape), dtype)
}

pub(super) fn geometry(x_shape: &[usize], w_shape: &[usize], options: &ConvOptions<3>) -> Geometry {
    let [_, stride_h, stride_w] = options.stride;
    let [_, pad_h, pad_w] = options.padding_begin();
    let [_, dilation_h, dilation_w] = options.dilation;
    let (kernel_h, kernel_w) = (w_shape[3], w_shape[4]);
    let (in_h, in_w) = (x_shape[3], x_shape[4]);
    Geometry {
        batch: x_shape[0],
        groups: options.groups,
        in_channels: x_shape[1],
        out_channels: w_shape[0],
        in_h,
        in_w,
        out_h: calculate_conv_output_size(kernel_h, stride_h, pad_h, dilation_h, in_h),
        out_w: calculate_conv_output_size(kernel_w, stride_w, pad_w, dilation_w, in_w),
        kernel_h,
        kernel_w,
        stride: [stride_h, stride_w],
        pad: [pad_h, pad_w],
        dilation: [dilation_h, dilation_w],
    }
}

/// The output, `[batch, out_channels, out_h, out_w]`, one band of one sample per task.
fn convolve<T: ConvFloat>(g: &Geometry, x: &[T], w: &[T], bias: Option<&[T]>) -> Vec<T> {
    let len = g.batch * g.out_channels * g.out_plane();
    // The bands tile the output and each is written whole (by gemm, over the bias or not)
    // before the buffer is read as `T`.
    let mut output = uninit_vec::<T>(len);
    let band_rows = band_rows(g);
    let bands = g.out_h.div_ceil(band_rows);
    let output_ptr = SendMutPtr::new(output.as_mut_ptr().cast::<T>());
    let task = |col: &mut Vec<T>, index: usize| {
        let (n, band) = (index / bands, index % bands);
        let rows = band * band_rows..((band + 1) * band_rows).min(g.out_h);
        // SAFETY: tasks write disjoint bands of the output.
        unsafe { convolve_band(g, x, w, bias, n, rows, col, &output_ptr) };
    };
    let tasks = g.batch * bands;
    let scratch = || vec![T::zero(); g.patch_len() * band_rows * g.out_w];
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..tasks).into_par_iter().for_each_init(scratch, task);
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut col = scratch();
        (0..tasks).for_each(|index| task(&mut col, index));
    }
    // SAFETY: every element was written (see above).
    unsafe { assume_init_vec(output) }
}

/// Output rows per band: about [BAND_COLUMNS] positions, fewer where the batch alone would
/// leave threads idle.
fn band_rows(g: &Geometry) -> usize {
    let rows = (BAND_COLUMNS / g.out_w.max(1)).clamp(1, g.out_h.max(1));
    let bands = bands_for_threads(g.batch, g.out_h, 1);
    rows.min(g.out_h.div_ceil(bands)).max(1)
}

/// Output rows `rows` of sample `n`, every group.
///
/// # Safety
/// `output` holds `[batch, out_channels, out_h, out_w]`, and no other thread writes these
/// rows of this sample.
#[allow(clippy::too_many_arguments)]
unsafe fn convolve_band<T: ConvFloat>(
    g: &Geometry,
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    n: usize,
    rows: Range<usize>,
    col: &mut [T],
    output: &SendMutPtr<T>,
) {
    let columns = rows.len() * g.out_w;
    let col = &mut col[..g.patch_len() * columns];
    for group in 0..g.groups {
        let first_channel = group * g.out_per_group();
        let x_group = &x[(n * g.in_channels + group * g.in_per_group()) * g.in_plane()..]
            [..g.in_per_group() * g.in_plane()];
        im2col_band(g, x_group, rows.clone(), col);
        // SAFETY: in bounds of the output (sample n, this group's channels, these rows).
        let dst = unsafe {
            output.ptr_add(
                (n * g.out_channels + first_channel) * g.out_plane() + rows.start * g.out_w,
            )
        };
        if let Some(bias) = bias {
            let group_bias = &bias[first_channel..][..g.out_per_group()];
            // SAFETY: the group's rows of the band (see above), `out_plane` apart.
            unsafe { fill_rows(dst, group_bias, columns, g.out_plane()) };
        }
        // dst [out_per_group, columns] (+)= W_g [out_per_group, patch_len]
        //                                   · col [patch_len, columns]
        // SAFETY: the strides describe the band in the output (rows out_plane apart), the
        // group's weight rows and `col`, all within their lengths.
        unsafe {
            gemm::gemm(
                g.out_per_group(),
                columns,
                g.patch_len(),
                dst,
                1,
                g.out_plane() as isize,
                bias.is_some(),
                w[first_channel * g.patch_len()..].as_ptr(),
                1,
                g.patch_len() as isize,
                col.as_ptr(),
                1,
                columns as isize,
                T::one(),
                T::one(),
                false,
                false,
                false,
                gemm::Parallelism::None,
            );
        }
    }
}

/// Output rows `rows` of one group's im2col matrix: `col[(ci, kh, kw), (oh - rows.start,
/// ow)]` is the input value that tap `(kh, kw)` of channel `ci` reads for output `(oh, ow)`,
/// zero in the padding. Every entry is written once.
///
/// # Shapes
/// - x_group: `[in_per_group, in_h, in_w]`
/// - col: `[in_per_group * kernel_h * kernel_w, rows.len() * out_w]`
fn im2col_band<T: ConvFloat>(g: &Geometry, x_group: &[T], rows: Range<usize>, col: &mut [T]) {
    let columns = rows.len() * g.out_w;
    let mut col_rows = col.chunks_exact_mut(columns);
    for ci in 0..g.in_per_group() {
        let x_plane = &x_group[ci * g.in_plane()..][..g.in_plane()];
        for kh in 0..g.kernel_h {
            let valid_rows = g.rows(kh);
            for kw in 0..g.kernel_w {
                let (ow_start, ow_end) = g.columns(kw);
                let Some(col_row) = col_rows.next() else {
                    return;
                };
                for (oh, segment) in rows.clone().zip(col_row.chunks_exact_mut(g.out_w)) {
                    if !(valid_rows.0..valid_rows.1).contains(&oh) || ow_start >= ow_end {
                        segment.fill(T::zero());
                        continue;
                    }
                    segment[..ow_start].fill(T::zero());
                    segment[ow_end..].fill(T::zero());
                    let ih = g.input_row(oh, kh);
                    let iw = g.input_column(ow_start, kw);
                    let x_row = &x_plane[ih * g.in_w + iw..(ih + 1) * g.in_w];
                    gather(&mut segment[ow_start..ow_end], x_row, g.stride[1]);
                }
            }
        }
    }
}
