//! Depthwise 2D convolution planes written once per output element (mobilevit-rs patch).
//!
//! flex's depthwise path (`conv_plane_accumulate`) adds one kernel tap at a time into the
//! output plane: a 3x3 kernel reads and writes every output element nine times, and the
//! planes of MobileNet's expanded channels (32 channels of 128x128 in MobileViT's first
//! block) do not fit in L1, so those passes go to L2 or beyond.
//!
//! Here each input row is copied once, padded with zeros, into a small ring of rows that
//! stays in L1, so that no tap needs a bounds test. Each output row is then cut into blocks
//! of up to [BLOCK] positions whose sums stay in registers over all the taps (unrolled for
//! 3x3 kernels, with the stride a constant for strides 1 and 2) and are stored once.
//!
//! f32 3x3 kernels at strides 1 and 2 (MobileNet's depthwise convolutions) take explicit
//! SIMD vectors instead ([Simd3x3]): the nine weights are broadcast once per plane and four
//! vectors of outputs are summed at a time, with no bounds tests in the loop. At stride 2 the
//! ring rows hold the even padded columns, then the odd ones, so that every tap of a vector
//! of outputs is a contiguous load.
//!
//! Every output is its start value (the bias, or zero) plus its taps in kernel-row, then
//! kernel-column order, as in flex's path, each tap a fused multiply-add (one rounding
//! instead of two) on CPUs that have the instruction. The padding's taps add zeros, which
//! leave the sum unchanged for finite weights and give NaN for infinite or NaN ones, as IEEE
//! arithmetic on materialized zeros does.

use alloc::vec;
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use num_traits::Float;

/// The most output positions summed together in registers (two AVX-512 vectors of f32; with
/// four, LLVM keeps the sums on the stack).
const BLOCK: usize = 32;

/// The smallest block; narrower rows are summed one position at a time.
const SMALL_BLOCK: usize = 8;

/// The sizes of one depthwise convolution's planes.
pub(super) struct DepthwisePlane {
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub padding: [usize; 2],
    pub dilation: [usize; 2],
    pub in_size: [usize; 2],
    pub out_size: [usize; 2],
}

impl DepthwisePlane {
    /// The padded columns that the taps reach: the length of a ring row.
    pub(super) fn padded_width(&self) -> usize {
        (self.out_size[1] - 1) * self.stride[1] + (self.kernel[1] - 1) * self.dilation[1] + 1
    }

    /// The input columns that land in a ring row (the last taps may stop short of the
    /// input's last columns when the stride does not divide it).
    fn copied_columns(&self) -> usize {
        self.in_size[1].min(self.padded_width().saturating_sub(self.padding[1]))
    }

    /// Writes padded row `row` of `input` (input row `row - pad_h`, or zeros outside the
    /// input) into `padded`, a [Self::padded_width] row whose padding columns are already
    /// zero: in column order, or with `split_phases` its even padded columns, then its odd
    /// ones (see [split_phases]).
    ///
    /// # Shapes
    /// - input: `[in_h * in_w]`
    pub(super) fn write_padded_row<T: Float>(
        &self,
        input: &[T],
        row: usize,
        split_phases: bool,
        padded: &mut [T],
    ) {
        let [in_h, in_w] = self.in_size;
        let pad = self.padding[1];
        let columns = self.copied_columns();
        let input_row = row
            .checked_sub(self.padding[0])
            .filter(|&ih| ih < in_h)
            .map(|ih| &input[ih * in_w..ih * in_w + columns]);
        match (input_row, split_phases) {
            (Some(input_row), false) => padded[pad..pad + columns].copy_from_slice(input_row),
            (Some(input_row), true) => self::split_phases(input_row, pad, padded),
            (None, false) => padded[pad..pad + columns].fill(T::zero()),
            // The padding columns are zero in either layout.
            (None, true) => padded.fill(T::zero()),
        }
    }

    /// Rows in the ring: the span of input rows that one output row reads.
    fn ring_rows(&self) -> usize {
        (self.kernel[0] - 1) * self.dilation[0] + 1
    }
}

/// Copies of the padded input rows that the current output row reads.
struct RowRing<'a, T> {
    plane: &'a DepthwisePlane,
    input: &'a [T],
    /// `[ring_rows, padded_width]`; the padding columns stay zero.
    rows: &'a mut [T],
    /// Whether each ring row holds its even padded columns, then its odd ones (see
    /// [RowRing::load]), rather than the columns in order.
    split_phases: bool,
    /// The length of a ring row.
    row_len: usize,
    /// The padded row held by each ring slot.
    held: Vec<Option<usize>>,
}

impl<'a, T: Float> RowRing<'a, T> {
    /// A ring of the rows one output row reads, and `extra_rows` more (the next output
    /// row's last kernel row, where output rows are written in pairs).
    fn new(
        plane: &'a DepthwisePlane,
        input: &'a [T],
        scratch: &'a mut Vec<T>,
        split_phases: bool,
        extra_rows: usize,
    ) -> Self {
        let row_len = plane.padded_width();
        let ring_rows = plane.ring_rows() + extra_rows;
        scratch.clear();
        scratch.resize(ring_rows * row_len, T::zero());
        Self {
            plane,
            input,
            rows: scratch,
            split_phases,
            row_len,
            held: vec![None; ring_rows],
        }
    }

    /// Loads padded row `row` (input row `row - pad_h`, or zeros) into slot
    /// `row % ring_rows`, unless the slot holds it already.
    #[inline(always)]
    fn load(&mut self, row: usize, slot: usize) {
        debug_assert_eq!(slot, row % self.held.len());
        if self.held[slot] == Some(row) {
            return;
        }
        self.held[slot] = Some(row);
        let ring_row = &mut self.rows[slot * self.row_len..(slot + 1) * self.row_len];
        self.plane
            .write_padded_row(self.input, row, self.split_phases, ring_row);
    }
}

/// Writes the input row `input` at padded columns `pad..` of `ring_row` as even padded
/// columns first (`ring_row[p / 2]` for even `p`), then odd ones (`ring_row[half + p / 2]`),
/// `half` being the count of even columns. The other entries are left as they are.
fn split_phases<T: Copy>(input: &[T], pad: usize, ring_row: &mut [T]) {
    let (even, odd) = ring_row.split_at_mut(ring_row.len().div_ceil(2));
    // Input columns 2k and 2k + 1 land in the phase of `pad` and in the other one.
    let (first, second) = if pad.is_multiple_of(2) {
        (even, odd)
    } else {
        (odd, even)
    };
    let pairs = input.len() / 2;
    let first = &mut first[pad / 2..pad / 2 + input.len().div_ceil(2)];
    let second = &mut second[pad.div_ceil(2)..pad.div_ceil(2) + pairs];
    for ((pair, first), second) in input.chunks_exact(2).zip(first.iter_mut()).zip(second) {
        *first = pair[0];
        *second = pair[1];
    }
    if input.len() % 2 == 1 {
        first[pairs] = input[input.len() - 1];
    }
}

/// Writes one output plane: `out = start + conv2d(input, weights)`, using `scratch` for the
/// ring of padded input rows.
///
/// # Shapes
/// - out: `[out_h * out_w]`
/// - input: `[in_h * in_w]`
/// - weights: `[kernel_h * kernel_w]`
#[allow(clippy::extra_unused_type_parameters)]
#[cfg_attr(feature = "simd", macerator::with_simd)]
pub(super) fn depthwise_plane<
    #[cfg(feature = "simd")] S: macerator::Simd,
    T: Float + Copy + 'static,
>(
    plane: &DepthwisePlane,
    out: &mut [MaybeUninit<T>],
    input: &[T],
    weights: &[T],
    start: T,
    scratch: &mut Vec<T>,
) {
    let [kernel_h, kernel_w] = plane.kernel;
    let taps = Taps {
        offsets: (0..kernel_w).map(|kw| kw * plane.dilation[1]).collect(),
        weights,
        kernel_w,
        stride_w: plane.stride[1],
        start,
        #[cfg(feature = "simd")]
        fused: crate::ops::fast_exp::fma_is_native::<S>(),
        #[cfg(not(feature = "simd"))]
        fused: false,
    };
    #[cfg(feature = "simd")]
    let simd_3x3 = Simd3x3::<S>::for_plane(plane, weights, start, taps.fused);
    #[cfg(feature = "simd")]
    let split_phases = simd_3x3.as_ref().is_some_and(Simd3x3::splits_phases);
    #[cfg(not(feature = "simd"))]
    let split_phases = false;
    // Output rows in pairs where Simd3x3 takes them: the four input rows of a pair are
    // loaded once for both.
    #[cfg(feature = "simd")]
    let pairs = simd_3x3
        .as_ref()
        .is_some_and(|simd_3x3| simd_3x3.writes_pairs(plane));
    #[cfg(not(feature = "simd"))]
    let pairs = false;
    let mut ring = RowRing::new(plane, input, scratch, split_phases, usize::from(pairs));
    let ring_rows = ring.held.len();
    let mut slots = vec![0; kernel_h + usize::from(pairs)];
    // The slot of the first row an output row reads: one division per output row, not one
    // per kernel row.
    let mut first_slot = 0;
    let [out_h, out_w] = plane.out_size;
    let mut oh = 0;
    while oh < out_h {
        // The rows of the pair (kernel rows, then the next output row's last one) or of the
        // output row alone.
        let pair = pairs && oh + 1 < out_h;
        let loaded = if pair { kernel_h + 1 } else { kernel_h };
        for (kh, slot) in slots[..loaded].iter_mut().enumerate() {
            let offset = kh * plane.dilation[0];
            *slot = first_slot + offset;
            if *slot >= ring_rows {
                *slot -= ring_rows;
            }
            ring.load(oh * plane.stride[0] + offset, *slot);
        }
        let rows = RingRows {
            rows: ring.rows,
            row_len: ring.row_len,
            slots: &slots,
        };
        #[cfg(feature = "simd")]
        if pair && let Some(simd_3x3) = &simd_3x3 {
            let (first, second) = out[oh * out_w..(oh + 2) * out_w].split_at_mut(out_w);
            simd_3x3.write_pair(&rows, first, second);
            first_slot = (first_slot + 2) % ring_rows;
            oh += 2;
            continue;
        }
        let out_row = &mut out[oh * out_w..(oh + 1) * out_w];
        #[cfg(feature = "simd")]
        let in_vectors = if let Some(simd_3x3) = &simd_3x3 {
            simd_3x3.write_row(&rows, out_row);
            true
        } else {
            false
        };
        #[cfg(not(feature = "simd"))]
        let in_vectors = false;
        if !in_vectors {
            taps.write_row(&rows, out_row);
        }
        first_slot = (first_slot + plane.stride[0]) % ring_rows;
        oh += 1;
    }
}

/// The ring rows that one output row reads, by kernel row.
struct RingRows<'a, T> {
    /// `[ring_rows, row_len]`
    rows: &'a [T],
    row_len: usize,
    /// The slot of each kernel row.
    slots: &'a [usize],
}

impl<T> RingRows<'_, T> {
    /// The ring row of kernel row `kh`.
    #[inline(always)]
    fn row(&self, kh: usize) -> &[T] {
        let start = self.slots[kh] * self.row_len;
        &self.rows[start..start + self.row_len]
    }
}

/// The kernel of one plane and where its taps start in a ring row.
struct Taps<'a, T> {
    /// Per kernel column, its first column in a ring row (`kw * dilation_w`).
    offsets: Vec<usize>,
    /// `[kernel_h * kernel_w]`
    weights: &'a [T],
    kernel_w: usize,
    stride_w: usize,
    start: T,
    /// Whether this code runs on a CPU with fused multiply-add (see [Taps::add_tap]).
    fused: bool,
}

impl<T: Float + Copy> Taps<'_, T> {
    /// `sum + tap * weight`, fused where the CPU has the instruction (elsewhere `mul_add`
    /// would be a call into libm).
    #[inline(always)]
    fn add_tap(&self, sum: T, tap: T, weight: T) -> T {
        if self.fused {
            tap.mul_add(weight, sum)
        } else {
            sum + tap * weight
        }
    }

    /// One output row from the ring rows of its kernel rows. 3x3 kernels, nearly all
    /// depthwise convolutions, get their loops unrolled; strides 1 and 2 are constants.
    #[inline(always)]
    fn write_row(&self, rows: &RingRows<'_, T>, out: &mut [MaybeUninit<T>]) {
        let three_by_three = rows.slots.len() == 3 && self.kernel_w == 3;
        match (three_by_three, self.stride_w) {
            (true, 1) => self.write_row_for::<3, 1>(rows, out),
            (true, 2) => self.write_row_for::<3, 2>(rows, out),
            (false, 1) => self.write_row_for::<0, 1>(rows, out),
            (false, 2) => self.write_row_for::<0, 2>(rows, out),
            _ => self.write_one_by_one(rows, out),
        }
    }

    /// [Self::write_row] for a `K x K` kernel (`0`: any kernel) and stride `STRIDE`, in
    /// blocks of the widest size that fits.
    #[inline(always)]
    fn write_row_for<const K: usize, const STRIDE: usize>(
        &self,
        rows: &RingRows<'_, T>,
        out: &mut [MaybeUninit<T>],
    ) {
        match out.len() {
            width if width >= BLOCK => self.write_blocks::<BLOCK, K, STRIDE>(rows, out),
            width if width >= 16 => self.write_blocks::<16, K, STRIDE>(rows, out),
            width if width >= SMALL_BLOCK => self.write_blocks::<SMALL_BLOCK, K, STRIDE>(rows, out),
            _ => self.write_one_by_one(rows, out),
        }
    }

    /// Blocks of `N` output columns (at least `N` of them); the last block of a row overlaps
    /// the one before it rather than running short.
    #[inline(always)]
    fn write_blocks<const N: usize, const K: usize, const STRIDE: usize>(
        &self,
        rows: &RingRows<'_, T>,
        out: &mut [MaybeUninit<T>],
    ) {
        let width = out.len();
        let mut ow = 0;
        while ow < width {
            let first = ow.min(width - N);
            let sums = self.block::<N, K, STRIDE>(rows, first);
            for (out, sum) in out[first..first + N].iter_mut().zip(sums) {
                out.write(sum);
            }
            ow += N;
        }
    }

    /// Output columns `[ow, ow + N)`, summed in registers. For a `K x K` kernel the loops
    /// have constant counts and are unrolled; `K = 0` takes the plane's own kernel size.
    #[inline(always)]
    fn block<const N: usize, const K: usize, const STRIDE: usize>(
        &self,
        rows: &RingRows<'_, T>,
        ow: usize,
    ) -> [T; N] {
        let (kernel_h, kernel_w) = if K == 0 {
            (self.weights.len() / self.kernel_w, self.kernel_w)
        } else {
            (K, K)
        };
        let mut sums = [self.start; N];
        for kh in 0..kernel_h {
            let row = rows.row(kh);
            for kw in 0..kernel_w {
                let weight = self.weights[kh * kernel_w + kw];
                let first = self.offsets[kw] + ow * STRIDE;
                // N taps `STRIDE` apart; slicing first lets the loop run unchecked.
                let taps = &row[first..first + (N - 1) * STRIDE + 1];
                for lane in 0..N {
                    sums[lane] = self.add_tap(sums[lane], taps[lane * STRIDE], weight);
                }
            }
        }
        sums
    }

    /// Output columns one at a time (rows narrower than a block, strides above 2).
    fn write_one_by_one(&self, rows: &RingRows<'_, T>, out: &mut [MaybeUninit<T>]) {
        for (ow, out) in out.iter_mut().enumerate() {
            let mut sum = self.start;
            for (kh, weights) in self.weights.chunks_exact(self.kernel_w).enumerate() {
                let row = rows.row(kh);
                for (&offset, &weight) in self.offsets.iter().zip(weights) {
                    sum = self.add_tap(sum, row[offset + ow * self.stride_w], weight);
                }
            }
            out.write(sum);
        }
    }
}

/// `values` as f32 when `T` is f32.
#[cfg(feature = "simd")]
fn as_f32<T: 'static>(values: &[T]) -> Option<&[f32]> {
    (core::any::TypeId::of::<T>() == core::any::TypeId::of::<f32>()).then(|| {
        // SAFETY: `T` is `f32`.
        unsafe { core::slice::from_raw_parts(values.as_ptr().cast::<f32>(), values.len()) }
    })
}

/// Vectors of outputs summed together by [Simd3x3]: four independent chains of fused
/// multiply-adds.
#[cfg(feature = "simd")]
const SIMD_VECTORS: usize = 4;

/// An f32 3x3 kernel at stride 1 or 2 and dilation 1, in explicit SIMD vectors (see the
/// module documentation). The same sums as [Taps] with fused multiply-adds, in the same
/// order.
#[cfg(feature = "simd")]
struct Simd3x3<S: macerator::Simd> {
    /// Each weight in every lane, in kernel-row, then kernel-column order.
    weights: [macerator::Vector<S, f32>; 9],
    /// The start value (the bias, or zero) in every lane.
    start: macerator::Vector<S, f32>,
    /// The stride along rows: 1, or 2 with ring rows split by phase.
    stride: usize,
}

#[cfg(feature = "simd")]
impl<S: macerator::Simd> Simd3x3<S> {
    /// The kernel, where the plane is one it takes: f32, 3x3, stride 1 or 2 along rows, no
    /// dilation, on a CPU with fused multiply-add, and rows at least one vector wide.
    fn for_plane<T: Float + 'static>(
        plane: &DepthwisePlane,
        weights: &[T],
        start: T,
        fused: bool,
    ) -> Option<Self> {
        use macerator::Scalar;
        let fits = plane.kernel == [3, 3]
            && matches!(plane.stride[1], 1 | 2)
            && plane.dilation == [1, 1]
            && plane.out_size[1] >= f32::lanes::<S>()
            && fused;
        let weights = as_f32(weights).filter(|_| fits)?;
        let start = as_f32(core::slice::from_ref(&start))?[0];
        Some(Self {
            weights: core::array::from_fn(|tap| weights[tap].splat::<S>()),
            start: start.splat::<S>(),
            stride: plane.stride[1],
        })
    }

    /// Whether the ring rows must hold their even columns, then their odd ones.
    fn splits_phases(&self) -> bool {
        self.stride == 2
    }

    /// Whether output rows go in pairs ([Self::write_pair]): stride 1 along both axes (at
    /// stride 2 two output rows share one input row of their six).
    fn writes_pairs(&self, plane: &DepthwisePlane) -> bool {
        self.stride == 1 && plane.stride[0] == 1
    }

    /// Two consecutive output rows at stride 1 from the ring rows of their four input rows
    /// (`rows.row(0..4)`): each input vector is loaded once for both rows. Each row's sums
    /// are those of [Self::write_row], in the same order.
    #[inline(always)]
    fn write_pair<T: 'static>(
        &self,
        rows: &RingRows<'_, T>,
        first: &mut [MaybeUninit<T>],
        second: &mut [MaybeUninit<T>],
    ) {
        use macerator::Scalar;
        let input_rows: [&[f32]; 4] = core::array::from_fn(|row| {
            let Some(row) = as_f32(rows.row(row)) else {
                unreachable!("Simd3x3 is only made for f32 planes");
            };
            row
        });
        let width = first.len();
        let lanes = f32::lanes::<S>();
        // The furthest tap of output `width - 1` is padded column `width + 1`.
        assert!(
            width >= lanes
                && second.len() == width
                && input_rows.iter().all(|row| row.len() >= width + 2)
        );
        let out = [
            first.as_mut_ptr().cast::<f32>(),
            second.as_mut_ptr().cast::<f32>(),
        ];
        let wide = SIMD_VECTORS * lanes;
        let mut ow = 0;
        // SAFETY (all calls): `ow + vectors * lanes <= width` (see above).
        unsafe {
            while ow + wide <= width {
                self.write_pair_vectors::<SIMD_VECTORS>(&input_rows, out, ow);
                ow += wide;
            }
            while ow + lanes <= width {
                self.write_pair_vectors::<1>(&input_rows, out, ow);
                ow += lanes;
            }
            if ow < width {
                // The last vector overlaps the one before it (rewritten, equal).
                self.write_pair_vectors::<1>(&input_rows, out, width - lanes);
            }
        }
    }

    /// Outputs `[ow, ow + V * lanes)` of both rows of a pair.
    ///
    /// # Safety
    /// `ow + V * lanes <= width`, where both rows of `out` hold `width` values and the input
    /// rows reach as [Self::write_pair] asserts.
    #[inline(always)]
    unsafe fn write_pair_vectors<const V: usize>(
        &self,
        input_rows: &[&[f32]; 4],
        out: [*mut f32; 2],
        ow: usize,
    ) {
        use macerator::{Scalar, vload_unaligned, vstore_unaligned};
        let lanes = f32::lanes::<S>();
        let mut sums = [[self.start; V]; 2];
        // Input row `row` is kernel row `row` of the first output row and `row - 1` of the
        // second: each row's taps in kernel-row, then kernel-column order.
        for (row, input) in input_rows.iter().enumerate() {
            for kw in 0..3 {
                // SAFETY: within the row's reach (see above).
                let taps: [_; V] = core::array::from_fn(|vector| unsafe {
                    vload_unaligned::<S, f32>(input.as_ptr().add(kw + ow + vector * lanes))
                });
                for (output, sums) in sums.iter_mut().enumerate() {
                    let Some(kh) = row.checked_sub(output).filter(|&kh| kh < 3) else {
                        continue;
                    };
                    let weight = self.weights[kh * 3 + kw];
                    for (sum, taps) in sums.iter_mut().zip(taps) {
                        *sum = taps.mul_add(weight, *sum);
                    }
                }
            }
        }
        for (out, sums) in out.into_iter().zip(sums) {
            for (vector, sum) in sums.into_iter().enumerate() {
                // SAFETY: `ow + (vector + 1) * lanes <= width` (see above).
                unsafe { vstore_unaligned::<S, f32>(out.add(ow + vector * lanes), sum) };
            }
        }
    }

    /// One output row from the ring rows of its three kernel rows.
    #[inline(always)]
    fn write_row<T: 'static>(&self, rows: &RingRows<'_, T>, out: &mut [MaybeUninit<T>]) {
        let kernel_rows: [&[f32]; 3] = core::array::from_fn(|kh| {
            let Some(row) = as_f32(rows.row(kh)) else {
                unreachable!("Simd3x3 is only made for f32 planes");
            };
            row
        });
        match self.stride {
            1 => self.write_row_for::<1, T>(&kernel_rows, out),
            _ => self.write_row_for::<2, T>(&kernel_rows, out),
        }
    }

    /// [Self::write_row] at stride `STRIDE`.
    #[inline(always)]
    fn write_row_for<const STRIDE: usize, T>(
        &self,
        kernel_rows: &[&[f32]; 3],
        out: &mut [MaybeUninit<T>],
    ) {
        use macerator::Scalar;
        let width = out.len();
        let lanes = f32::lanes::<S>();
        // At stride 2, the odd columns of a ring row start at `half`.
        let half = kernel_rows[0].len().div_ceil(2);
        // The furthest tap of output `width - 1` (padded column `width - 1 + 2` at stride 1;
        // odd column `half + width - 1` or even column `width` at stride 2) is in bounds.
        let reach = if STRIDE == 1 { width + 2 } else { half + width };
        assert!(width >= lanes && kernel_rows.iter().all(|row| row.len() >= reach));
        let out = out.as_mut_ptr().cast::<f32>();
        let wide = SIMD_VECTORS * lanes;
        let mut ow = 0;
        while ow + wide <= width {
            // SAFETY: `ow + wide <= width` (see above).
            unsafe { self.write_vectors::<SIMD_VECTORS, STRIDE>(kernel_rows, half, out, ow) };
            ow += wide;
        }
        while ow + lanes <= width {
            // SAFETY: as above, one vector.
            unsafe { self.write_vectors::<1, STRIDE>(kernel_rows, half, out, ow) };
            ow += lanes;
        }
        if ow < width {
            // The last vector overlaps the one before it (its outputs are rewritten, equal).
            // SAFETY: `width >= lanes`.
            unsafe { self.write_vectors::<1, STRIDE>(kernel_rows, half, out, width - lanes) };
        }
    }

    /// Outputs `[ow, ow + V * lanes)`: `V` vectors of sums over the nine taps.
    ///
    /// # Safety
    /// `ow + V * lanes <= width`, where `out` holds `width` values and the kernel rows reach
    /// as [Self::write_row_for] asserts.
    #[inline(always)]
    unsafe fn write_vectors<const V: usize, const STRIDE: usize>(
        &self,
        kernel_rows: &[&[f32]; 3],
        half: usize,
        out: *mut f32,
        ow: usize,
    ) {
        use macerator::{Scalar, vload_unaligned, vstore_unaligned};
        let lanes = f32::lanes::<S>();
        // Where tap column `kw` of output `ow` is in a ring row, less `ow`: padded column
        // `ow + kw` at stride 1; at stride 2 (padded column `2 ow + kw`), even column `ow`,
        // odd column `ow`, even column `ow + 1`.
        let column = |kw: usize| match (STRIDE, kw) {
            (1, kw) => kw,
            (_, 1) => half,
            (_, kw) => kw / 2,
        };
        let mut sums = [self.start; V];
        for (kh, row) in kernel_rows.iter().enumerate() {
            for kw in 0..3 {
                let weight = self.weights[kh * 3 + kw];
                let first = column(kw) + ow;
                for (vector, sum) in sums.iter_mut().enumerate() {
                    // SAFETY: within the row's reach (see above).
                    let taps = unsafe {
                        vload_unaligned::<S, f32>(row.as_ptr().add(first + vector * lanes))
                    };
                    *sum = taps.mul_add(weight, *sum);
                }
            }
        }
        for (vector, sum) in sums.into_iter().enumerate() {
            // SAFETY: `ow + (vector + 1) * lanes <= width` (see above).
            unsafe { vstore_unaligned::<S, f32>(out.add(ow + vector * lanes), sum) };
        }
    }
}
