//! 3x3 convolutions over few input channels (a network's stem), summed in SIMD registers
//! (mobilevit-rs patch).
//!
//! MobileViT's stem (3 to 16 channels, 3x3 at stride 2 on the whole image) has 27 taps per
//! output. As im2col and gemm (`conv_forward`) the products are too short for gemm to reach
//! its speed, and the im2col matrix, nine times the input, is gathered at stride 2: the stem
//! ran at a third of the multiply-adds per second of the model's other 3x3 convolutions.
//!
//! Here every output row is computed directly. The input rows its taps read (each input
//! channel's three kernel rows) are copied, padded with zeros, into a small buffer; at
//! stride 2 each holds its even padded columns, then its odd ones, so that every tap of a
//! vector of outputs is one contiguous load. Blocks of [CHANNEL_BLOCK] output channels by
//! one or two vectors of positions are then summed in registers over all the taps and
//! stored once.
//!
//! Every output is its bias (or zero) plus its taps in input-channel, kernel-row, then
//! kernel-column order (the weight's own order), each a fused multiply-add on CPUs that
//! have the instruction.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use burn_backend::DType;
use burn_backend::ops::ConvOptions;
use burn_std::{Bytes, Shape};

use super::conv_backward::Geometry;
use super::conv_depthwise::DepthwisePlane;
use super::{SendMutPtr, assume_init_vec, bands_for_threads, uninit_vec};
use crate::{FlexTensor, Layout};

/// The most input channels taken: beyond a few, the patch is long enough for im2col and
/// gemm.
const MAX_IN_CHANNELS: usize = 4;

/// Output channels summed together (with two AVX-512 vectors of positions, 16 of the 32
/// vector registers hold sums).
const CHANNEL_BLOCK: usize = 8;

/// Whether [conv3d_stem] takes this convolution: f32, 2D (see
/// `conv_forward::is_2d_conv`), not grouped, a 3x3 kernel without dilation, a stride of 1
/// or 2 along rows, and at most [MAX_IN_CHANNELS] input channels.
pub(crate) fn takes(
    x_shape: &[usize],
    w_shape: &[usize],
    options: &ConvOptions<3>,
    dtype: DType,
) -> bool {
    dtype == DType::F32
        && super::conv_forward::is_2d_conv(x_shape, w_shape, options)
        && options.groups == 1
        && x_shape[1] <= MAX_IN_CHANNELS
        && w_shape[3..] == [3, 3]
        && options.dilation[1..] == [1, 1]
        && matches!(options.stride[2], 1 | 2)
}

/// A 2D convolution given as 3D (see [takes]).
///
/// # Shapes
/// - x: `[batch, in_channels, 1, in_h, in_w]`
/// - weight: `[out_channels, in_channels, 1, 3, 3]`
/// - bias: `[out_channels]`
/// - returns: `[batch, out_channels, 1, out_h, out_w]`
pub(crate) fn conv3d_stem(
    x: FlexTensor,
    weight: FlexTensor,
    bias: Option<FlexTensor>,
    options: &ConvOptions<3>,
) -> FlexTensor {
    let x = x.to_contiguous();
    let weight = weight.to_contiguous();
    let bias = bias.map(|bias| bias.to_contiguous());
    let g = super::conv_forward::geometry(x.layout().shape(), weight.layout().shape(), options);
    let output = convolve(
        &g,
        x.storage(),
        weight.storage(),
        bias.as_ref().map(|bias| bias.storage::<f32>()),
    );
    let shape = Shape::from(vec![g.batch, g.out_channels, 1, g.out_h, g.out_w]);
    FlexTensor::new(
        Bytes::from_elems(output),
        Layout::contiguous(shape),
        DType::F32,
    )
}

/// The output, `[batch, out_channels, out_h, out_w]`, one band of rows of one sample per
/// task.
fn convolve(g: &Geometry, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let len = g.batch * g.out_channels * g.out_plane();
    // The bands tile the output and every element of a band is stored (see `Block::write`)
    // before the buffer is read as f32.
    let mut output = uninit_vec::<f32>(len);
    let bands = bands_for_threads(g.batch, g.out_h, 1);
    let band_rows = g.out_h.div_ceil(bands);
    let output_ptr = SendMutPtr::new(output.as_mut_ptr().cast::<f32>());
    let blocks = channel_blocks(g.out_channels);
    let block_weights = block_weights(w, &blocks, g.in_channels * 9);
    // The sizes of one input channel's plane, for its padded rows.
    let plane = DepthwisePlane {
        kernel: [3, 3],
        stride: g.stride,
        padding: g.pad,
        dilation: [1, 1],
        in_size: [g.in_h, g.in_w],
        out_size: [g.out_h, g.out_w],
    };
    let task = |padded_rows: &mut Vec<f32>, index: usize| {
        let (n, band) = (index / bands, index % bands);
        let rows = band * band_rows..((band + 1) * band_rows).min(g.out_h);
        let x_sample = &x[n * g.in_channels * g.in_plane()..][..g.in_channels * g.in_plane()];
        // SAFETY: sample `n`'s output is in bounds, and tasks write disjoint rows of it.
        let out_sample = unsafe { output_ptr.ptr_add(n * g.out_channels * g.out_plane()) };
        let sample = Sample {
            g,
            plane: &plane,
            x: x_sample,
            blocks: &blocks,
            block_weights: &block_weights,
            bias,
            out: out_sample,
        };
        // SAFETY: as above.
        unsafe { write_rows(&sample, rows, padded_rows) };
    };
    let tasks = g.batch * bands;
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        (0..tasks).into_par_iter().for_each_init(Vec::new, task);
    }
    #[cfg(not(feature = "rayon"))]
    {
        let mut padded_rows = Vec::new();
        (0..tasks).for_each(|index| task(&mut padded_rows, index));
    }
    // SAFETY: every element was written (see above).
    unsafe { assume_init_vec(output) }
}

/// Output channels in blocks of [CHANNEL_BLOCK], then of 4, 2 and 1 for the rest: the
/// first channel and the size of each.
fn channel_blocks(out_channels: usize) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let mut first = 0;
    for size in [CHANNEL_BLOCK, 4, 2, 1] {
        while first + size <= out_channels {
            blocks.push((first, size));
            first += size;
        }
    }
    blocks
}

/// The weight by block, then tap, then channel: the weight of channel `first + c` of the
/// block from `first` (of size `size`) at tap `t` is at `first * taps + t * size + c`.
///
/// # Shapes
/// - w: `[out_channels, taps]`
/// - returns: `[out_channels * taps]`
fn block_weights(w: &[f32], blocks: &[(usize, usize)], taps: usize) -> Vec<f32> {
    let mut reordered = vec![0.0; w.len()];
    for &(first, size) in blocks {
        let block = &mut reordered[first * taps..][..size * taps];
        for c in 0..size {
            for (tap, &weight) in w[(first + c) * taps..][..taps].iter().enumerate() {
                block[tap * size + c] = weight;
            }
        }
    }
    reordered
}

/// One sample's input and output, and the convolution's parameters.
struct Sample<'a> {
    g: &'a Geometry,
    /// The sizes of one input channel's plane.
    plane: &'a DepthwisePlane,
    /// `[in_channels, in_h, in_w]`
    x: &'a [f32],
    /// See [channel_blocks].
    blocks: &'a [(usize, usize)],
    /// See [block_weights].
    block_weights: &'a [f32],
    /// `[out_channels]`
    bias: Option<&'a [f32]>,
    /// The sample's output, `[out_channels, out_h, out_w]`.
    out: *mut f32,
}

impl Sample<'_> {
    /// The padded columns that the taps of one output row reach: the length of a padded
    /// row.
    fn padded_len(&self) -> usize {
        self.plane.padded_width()
    }

    /// Where tap column `kw` of output `ow` is in a padded row, less `ow`: padded column
    /// `ow + kw` at stride 1; at stride 2 (padded column `2 ow + kw`), even column `ow`,
    /// odd column `ow`, even column `ow + 1`, the odd ones starting at `half`.
    fn tap_offsets(&self) -> [usize; 3] {
        if self.g.stride[1] == 1 {
            [0, 1, 2]
        } else {
            [0, self.padded_len().div_ceil(2), 1]
        }
    }

    /// Writes the padded rows that output row `oh` reads, `[in_channels * 3, padded_len]`
    /// (channel, then kernel row), into `padded_rows`, whose padding columns are zero.
    fn pad_rows(&self, oh: usize, padded_rows: &mut [f32]) {
        let g = self.g;
        let split_phases = g.stride[1] == 2;
        for (tap_row, padded) in padded_rows.chunks_exact_mut(self.padded_len()).enumerate() {
            let (channel, kh) = (tap_row / 3, tap_row % 3);
            let plane = &self.x[channel * g.in_plane()..][..g.in_plane()];
            self.plane
                .write_padded_row(plane, oh * g.stride[0] + kh, split_phases, padded);
        }
    }
}

/// Output rows `rows` of one sample, every channel.
///
/// # Safety
/// `sample.out` holds the sample's `[out_channels, out_h, out_w]` output, and no other
/// thread writes these rows of it.
#[allow(clippy::extra_unused_type_parameters)]
#[macerator::with_simd]
unsafe fn write_rows<'a, S: macerator::Simd>(
    sample: &Sample<'a>,
    rows: Range<usize>,
    padded_rows: &mut Vec<f32>,
) {
    let g = sample.g;
    let len = sample.padded_len();
    // Zeros: `pad_rows` writes the input columns only.
    padded_rows.clear();
    padded_rows.resize(g.in_channels * 3 * len, 0.0);
    for oh in rows {
        sample.pad_rows(oh, padded_rows);
        for &(first_channel, size) in sample.blocks {
            let block = Block {
                sample,
                padded_rows,
                oh,
                first_channel,
            };
            // SAFETY: the caller's (these rows are this task's).
            unsafe {
                match size {
                    CHANNEL_BLOCK => block.write::<S, CHANNEL_BLOCK>(),
                    4 => block.write::<S, 4>(),
                    2 => block.write::<S, 2>(),
                    _ => block.write::<S, 1>(),
                }
            }
        }
    }
}

/// Output row `oh` of the channels from `first_channel`, from the padded rows it reads.
struct Block<'a> {
    sample: &'a Sample<'a>,
    /// `[in_channels * 3, padded_len]`
    padded_rows: &'a [f32],
    oh: usize,
    first_channel: usize,
}

impl Block<'_> {
    /// Writes `C` channels of the row.
    ///
    /// # Safety
    /// As [write_rows].
    #[inline(always)]
    unsafe fn write<S: macerator::Simd, const C: usize>(&self) {
        use macerator::Scalar;
        let g = self.sample.g;
        let taps = g.in_channels * 9;
        // The block's weights by tap, then channel: `weights[tap * C + c]`.
        let weights = &self.sample.block_weights[self.first_channel * taps..][..taps * C];
        let start: [f32; C] = core::array::from_fn(|c| {
            self.sample
                .bias
                .map_or(0.0, |bias| bias[self.first_channel + c])
        });
        let width = g.out_w;
        let lanes = f32::lanes::<S>();
        // Two vectors of positions where there are 32 vector registers (AVX-512), one
        // otherwise.
        let wide = if lanes >= 16 { 2 * lanes } else { lanes };
        let mut ow = 0;
        // SAFETY (all calls): `ow + vectors * lanes <= width`, and the caller's.
        unsafe {
            while ow + wide <= width {
                if lanes >= 16 {
                    self.write_vectors::<S, C, 2>(weights, &start, ow);
                } else {
                    self.write_vectors::<S, C, 1>(weights, &start, ow);
                }
                ow += wide;
            }
            while ow + lanes <= width {
                self.write_vectors::<S, C, 1>(weights, &start, ow);
                ow += lanes;
            }
            if ow < width && width >= lanes {
                // The last vector overlaps the one before it (its outputs are rewritten,
                // equal).
                self.write_vectors::<S, C, 1>(weights, &start, width - lanes);
            } else {
                for ow in ow..width {
                    self.write_one::<C>(weights, &start, ow);
                }
            }
        }
    }

    /// Outputs `[ow, ow + V * lanes)` of the block's `C` channels.
    ///
    /// # Safety
    /// `ow + V * lanes <= out_w`, and as [write_rows].
    #[inline(always)]
    unsafe fn write_vectors<S: macerator::Simd, const C: usize, const V: usize>(
        &self,
        weights: &[f32],
        start: &[f32; C],
        ow: usize,
    ) {
        use macerator::{Scalar, Vector, vload_unaligned, vstore_unaligned};
        let lanes = f32::lanes::<S>();
        let len = self.sample.padded_len();
        let offsets = self.sample.tap_offsets();
        let tap_rows = self.sample.g.in_channels * 3;
        // The furthest load, of the last tap row's last kernel column, is in bounds.
        assert!(
            self.padded_rows.len() >= tap_rows * len
                && (tap_rows - 1) * len + offsets[2] + ow + V * lanes <= self.padded_rows.len()
                && weights.len() >= tap_rows * 3 * C
        );
        let mut sums: [[Vector<S, f32>; V]; C] = core::array::from_fn(|c| [start[c].splat(); V]);
        for tap_row in 0..tap_rows {
            let row = &self.padded_rows[tap_row * len..];
            for (kw, offset) in offsets.into_iter().enumerate() {
                // SAFETY: within the padded rows (asserted above).
                let inputs: [Vector<S, f32>; V] = core::array::from_fn(|v| unsafe {
                    vload_unaligned(row.as_ptr().add(offset + ow + v * lanes))
                });
                let tap_weights = &weights[(tap_row * 3 + kw) * C..][..C];
                for (sums, &weight) in sums.iter_mut().zip(tap_weights) {
                    let weight = weight.splat::<S>();
                    for (sum, input) in sums.iter_mut().zip(inputs) {
                        *sum = input.mul_add(weight, *sum);
                    }
                }
            }
        }
        let g = self.sample.g;
        for (c, sums) in sums.into_iter().enumerate() {
            let channel = self.first_channel + c;
            for (v, sum) in sums.into_iter().enumerate() {
                let index = channel * g.out_plane() + self.oh * g.out_w + ow + v * lanes;
                // SAFETY: row `oh` of the sample's output holds `[ow, ow + V * lanes)`.
                unsafe { vstore_unaligned(self.sample.out.add(index), sum) };
            }
        }
    }

    /// Output `ow` of the block's `C` channels, one position at a time (rows narrower than a
    /// vector).
    ///
    /// # Safety
    /// `ow < out_w`, and as [write_rows].
    unsafe fn write_one<const C: usize>(&self, weights: &[f32], start: &[f32; C], ow: usize) {
        let len = self.sample.padded_len();
        let offsets = self.sample.tap_offsets();
        let mut sums = *start;
        for tap_row in 0..self.sample.g.in_channels * 3 {
            let row = &self.padded_rows[tap_row * len..][..len];
            for (kw, offset) in offsets.into_iter().enumerate() {
                let input = row[offset + ow];
                let tap_weights = &weights[(tap_row * 3 + kw) * C..][..C];
                for (sum, &weight) in sums.iter_mut().zip(tap_weights) {
                    *sum += input * weight;
                }
            }
        }
        let g = self.sample.g;
        for (c, sum) in sums.into_iter().enumerate() {
            let index = (self.first_channel + c) * g.out_plane() + self.oh * g.out_w + ow;
            // SAFETY: `ow < out_w`, in row `oh` of the sample's output.
            unsafe { self.sample.out.add(index).write(sum) };
        }
    }
}
