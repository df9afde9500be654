//! Backend operations implementations.

use alloc::borrow::Cow;
use burn_backend::DType;
use burn_std::{bf16, f16};

use crate::FlexTensor;

/// The `DType` that matches `isize` on the current platform.
#[cfg(target_pointer_width = "64")]
pub(crate) const INDEX_DTYPE: DType = DType::I64;
/// The `DType` that matches `isize` on the current platform.
#[cfg(target_pointer_width = "32")]
pub(crate) const INDEX_DTYPE: DType = DType::I32;

/// Minimum total element count for rayon fan-out on per-row or per-chunk loops.
/// Below this, task-dispatch overhead dominates the per-unit work.
#[cfg(feature = "rayon")]
pub(crate) const PARALLEL_THRESHOLD: usize = 256 * 1024;

/// mobilevit-rs patch: the threads flex's parallel loops spread over (1 without `rayon`).
pub(crate) fn threads() -> usize {
    #[cfg(feature = "rayon")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "rayon"))]
    {
        1
    }
}

/// mobilevit-rs patch: how many bands to cut each of `tasks` independent pieces of work
/// (samples) into, along an extent of `extent` units, so that every thread gets a band where
/// there are fewer tasks than threads; bands keep at least `min_band` units (one band if the
/// extent is shorter).
pub(crate) fn bands_for_threads(tasks: usize, extent: usize, min_band: usize) -> usize {
    let threads = threads();
    if tasks >= threads {
        return 1;
    }
    threads
        .div_ceil(tasks.max(1))
        .min(extent / min_band.max(1))
        .max(1)
}

/// Wrapper for raw mutable pointers that can be sent across rayon threads.
///
/// # Safety
///
/// The caller must ensure:
/// - The pointer remains valid for the lifetime of all uses
/// - No two threads write to the same offset
/// - No references to the underlying data exist during writes
// mobilevit-rs patch: also without the `rayon` feature, for band loops that run either way.
pub(crate) struct SendMutPtr<T>(*mut T);

unsafe impl<T> Send for SendMutPtr<T> {}
unsafe impl<T> Sync for SendMutPtr<T> {}

impl<T> SendMutPtr<T> {
    pub(crate) fn new(ptr: *mut T) -> Self {
        Self(ptr)
    }

    /// Write `val` at the given element offset.
    ///
    /// # Safety
    /// Offset must be in bounds and no other thread may write to the same offset.
    #[cfg(feature = "rayon")]
    pub(crate) unsafe fn write(&self, offset: usize, val: T) {
        unsafe { self.0.add(offset).write(val) }
    }

    /// Returns the raw pointer offset by `offset` elements.
    ///
    /// # Safety
    /// Offset must be in bounds.
    pub(crate) unsafe fn ptr_add(&self, offset: usize) -> *mut T {
        unsafe { self.0.add(offset) }
    }
}

/// mobilevit-rs patch: the start of a band of an uninitialized output that gemm adds onto:
/// each of `values.len()` rows, `stride` elements apart from `first`, gets `columns` copies
/// of its value (an output channel's bias).
///
/// # Safety
/// Every row segment lies within one allocation, and no other thread reads or writes it
/// meanwhile.
pub(crate) unsafe fn fill_rows<T: Copy>(
    first: *mut T,
    values: &[T],
    columns: usize,
    stride: usize,
) {
    for (row, &value) in values.iter().enumerate() {
        // SAFETY: one row segment (see above), seen as possibly uninitialized values.
        let segment = unsafe {
            core::slice::from_raw_parts_mut(
                first.add(row * stride).cast::<core::mem::MaybeUninit<T>>(),
                columns,
            )
        };
        segment.fill(core::mem::MaybeUninit::new(value));
    }
}

/// mobilevit-rs patch: an output buffer of `len` uninitialized values, for kernels that write
/// every element (on whichever thread owns it) and then hand it over with [assume_init_vec].
pub(crate) fn uninit_vec<T>(len: usize) -> Vec<core::mem::MaybeUninit<T>> {
    alloc::boxed::Box::<[T]>::new_uninit_slice(len).into_vec()
}

/// mobilevit-rs patch: a buffer whose every element has been written, as `Vec<T>` (without
/// a copy).
///
/// # Safety
/// Every element of `buffer` must be initialized.
pub(crate) unsafe fn assume_init_vec<T>(buffer: Vec<core::mem::MaybeUninit<T>>) -> Vec<T> {
    let mut buffer = core::mem::ManuallyDrop::new(buffer);
    // SAFETY: `MaybeUninit<T>` has `T`'s layout, and the caller vouches for the contents.
    unsafe {
        Vec::from_raw_parts(
            buffer.as_mut_ptr().cast::<T>(),
            buffer.len(),
            buffer.capacity(),
        )
    }
}

/// Read a float tensor's storage as f32 values, regardless of source dtype.
/// Returns a borrowed slice for F32 (zero-copy) and an owned Vec for other
/// float dtypes (F64, F16, BF16).
///
/// Returns elements in underlying buffer order. Callers needing logical
/// iteration order must call `to_contiguous()` first.
///
/// # Panics
/// Panics if the tensor's dtype is not one of F32, F64, F16, or BF16.
pub(crate) fn float_storage_as_f32(tensor: &FlexTensor) -> Cow<'_, [f32]> {
    match tensor.dtype() {
        DType::F32 => Cow::Borrowed(tensor.storage::<f32>()),
        DType::F64 => Cow::Owned(tensor.storage::<f64>().iter().map(|&x| x as f32).collect()),
        DType::F16 => Cow::Owned(
            tensor
                .storage::<f16>()
                .iter()
                .map(|x| f32::from(*x))
                .collect(),
        ),
        DType::BF16 => Cow::Owned(
            tensor
                .storage::<bf16>()
                .iter()
                .map(|x| f32::from(*x))
                .collect(),
        ),
        other => panic!("float_storage_as_f32: unsupported dtype {:?}", other),
    }
}

pub mod activation;
pub mod attention;
pub mod binary;
// mobilevit-rs patch: batch normalization in training mode.
pub mod batch_norm;
mod bool;
pub mod cat;
pub mod comparison;
#[macro_use]
mod conv_common;
pub mod conv;
pub mod conv_transpose;
// mobilevit-rs patch: direct backward passes of conv2d.
pub mod conv_backward;
// mobilevit-rs patch: the general 2D convolution as im2col bands and gemm.
mod conv_forward;
// mobilevit-rs patch: 3x3 convolutions over few input channels (stems) in SIMD registers.
#[cfg(feature = "simd")]
mod conv_stem;
// mobilevit-rs patch: depthwise convolution planes summed in registers.
mod conv_depthwise;
pub mod cumulative;
pub mod deform_conv;
pub mod expand;
pub(crate) mod fast_exp;
#[cfg(feature = "fft")]
pub mod fft;
pub mod flip;
mod float;
pub mod gather_scatter;
pub mod grid_sample;
mod int;
pub mod interpolate;
// mobilevit-rs patch: the linear layer as banded gemm over its bias.
pub mod linear;
pub mod mask;
pub mod matmul;
mod module;
pub mod pool;
mod qtensor;
pub mod reduce;
pub mod repeat_dim;
pub mod slice;
pub mod sort;
mod transaction;
pub mod unary;
pub mod unfold;
