//! A branch-free `exp` for f32 that LLVM vectorizes (mobilevit-rs patch, see
//! patches/README.md in that repository).
//!
//! `f32::exp` is a call into libm per element, which keeps every loop that uses it (sigmoid,
//! softmax, attention) scalar. This is the classic Cody-Waite range reduction with a degree-6
//! minimax polynomial (the Cephes `expf` coefficients), accurate to about 1 ulp over the whole
//! float range, written without branches or calls so that a loop over a slice compiles to SIMD
//! on the baseline target (SSE2) and wider where available.
//!
//! Special values follow `f32::exp`: NaN stays NaN, `+inf` and results above `f32::MAX` give
//! `+inf`, `-inf` and results below the smallest subnormal give `0`; subnormal results are
//! produced (the power of two is applied in two halves).

const LOG2_E: f32 = core::f32::consts::LOG2_E;
/// `ln 2` split so that `n * LN2_HI` is exact for the `n` that occur.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
const ROUND: f32 = 12_582_912.0;
/// Above this, `exp` overflows.
const MAX_INPUT: f32 = 88.722_84;
/// Below this, `exp` is under half the smallest subnormal.
const MIN_INPUT: f32 = -103.972_08;

/// `e^x`, within 2 ulps of the exact value.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // NaN is carried around the arithmetic (and restored at the end), so that every step
    // works on finite values and the float-to-int conversion needs no NaN handling.
    let nan = x.is_nan();
    let clamped = if nan {
        0.0
    } else {
        x.clamp(MIN_INPUT, MAX_INPUT)
    };
    let n = (clamped * LOG2_E + ROUND) - ROUND;
    let y = exp_of_remainder::<false>(clamped, n);
    // SAFETY: `n` is an integer-valued float in [-150, 128] (the input is finite and clamped
    // above), so the conversion is exact and in range.
    let n = unsafe { n.to_int_unchecked::<i32>() };
    // 2^n in two halves, so that n = 128 does not overflow and n < -126 gives subnormals.
    let half = n >> 1;
    let scale_a = f32::from_bits(((half + 127) as u32) << 23);
    let scale_b = f32::from_bits(((n - half + 127) as u32) << 23);
    let y = y * scale_a * scale_b;
    let y = if x > MAX_INPUT { f32::INFINITY } else { y };
    let y = if x < MIN_INPUT { 0.0 } else { y };
    if nan { x } else { y }
}

/// `e^x` through [`exp_f32`] for f32, through the type's own `exp` otherwise.
/// [exp_in_logistic_f32] clamps its argument to this from above: the power of two is then
/// 2^128, whose bits are those of `+inf`.
const LOGISTIC_MAX_INPUT: f32 = 89.0;
/// And to this from below: `e^-88` is far below an ulp of 1.
const LOGISTIC_MIN_INPUT: f32 = -88.0;

/// `e^x` for use in `1 + e^x` only (the logistic function and SiLU), cheaper than [exp_f32]:
/// no NaN or subnormal handling, and the power of two applied in one step. Within 2 ulps of
/// `e^x` for `x` in [-87, 88]. From about 88.4 on it is `+inf` (so `x / (1 + e^-x)` gives
/// `-0` for large negative `x`), and below -87 at most `2^-126`, which leaves `1 + e^x`
/// exactly 1. NaN gives `+inf`: the caller carries NaN through another operand, as
/// `x / (1 + e^-x)` does.
///
/// `FUSED`: see [mul_add].
#[inline(always)]
pub(crate) fn exp_in_logistic_f32<const FUSED: bool>(x: f32) -> f32 {
    // Comparisons rather than `min`/`max`, which order NaN and so cost extra instructions.
    let x = if x < LOGISTIC_MAX_INPUT {
        x
    } else {
        LOGISTIC_MAX_INPUT
    };
    let x = if x > LOGISTIC_MIN_INPUT {
        x
    } else {
        LOGISTIC_MIN_INPUT
    };
    exp_of_reduced_range::<FUSED>(x)
}

/// `e^x` for the non-positive arguments of a softmax (scores minus their maximum), cheaper
/// than [exp_f32]: below -87 it returns `e^-87` (about 1.6e-38, nothing next to the row's
/// sum of at least 1) instead of the exact tiny value, and NaN stays NaN.
///
/// `FUSED`: see [mul_add].
#[inline(always)]
pub(crate) fn exp_in_softmax_f32<const FUSED: bool>(x: f32) -> f32 {
    // A comparison that is false for NaN, which then flows through the arithmetic.
    let x = if x < SOFTMAX_MIN_INPUT {
        SOFTMAX_MIN_INPUT
    } else {
        x
    };
    exp_of_reduced_range::<FUSED>(x)
}

/// [exp_in_softmax_f32] clamps its argument to this from below: 2^-126 is still normal.
const SOFTMAX_MIN_INPUT: f32 = -87.0;

/// `e^x` for `x` in [-88, 89] (or NaN, which gives NaN), the power of two applied in one
/// step: within 2 ulps on [-87, 88]; `+inf` from about 88.4 on (2^128) and 0 below about
/// -87.7 (2^-127).
#[inline(always)]
fn exp_of_reduced_range<const FUSED: bool>(x: f32) -> f32 {
    // The rounded sum holds n = round(x log2 e) in its low mantissa bits (two's complement).
    let shifted = x * LOG2_E + ROUND;
    let y = exp_of_remainder::<FUSED>(x, shifted - ROUND);
    // 2^n for n in [-127, 128]: shifting the sum's bits by 23 keeps only n, in the exponent
    // field (n = -127 gives the bits of 0 and n = 128 those of +inf).
    let two_to_n = f32::from_bits((shifted.to_bits() << 23).wrapping_add(127 << 23));
    y * two_to_n
}

/// `e^r` for `x = n ln2 + r` (`n` the integer nearest `x log2 e`, so `|r| <= ln2 / 2`), as
/// `1 + r + r^2 p(r)`, its steps fused multiply-adds when `FUSED` (see [mul_add]).
#[inline(always)]
fn exp_of_remainder<const FUSED: bool>(x: f32, n: f32) -> f32 {
    let r = mul_add::<FUSED>(-n, LN2_LO, mul_add::<FUSED>(-n, LN2_HI, x));
    let mut p = 1.987_569_2e-4_f32;
    p = mul_add::<FUSED>(p, r, 1.398_199_9e-3);
    p = mul_add::<FUSED>(p, r, 8.333_452e-3);
    p = mul_add::<FUSED>(p, r, 4.166_579_6e-2);
    p = mul_add::<FUSED>(p, r, 1.666_666_5e-1);
    p = mul_add::<FUSED>(p, r, 5e-1);
    mul_add::<FUSED>(p * r, r, r) + 1.0
}

/// `a * b + c`: with `FUSED`, one fused multiply-add (one rounding); otherwise a product and
/// a sum, as written. Only code compiled for a CPU with the instruction may pass `true`
/// (a SIMD kernel that checked [fma_is_native]): elsewhere `f32::mul_add`
/// is a call into libm per element.
#[inline(always)]
pub(crate) fn mul_add<const FUSED: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FUSED { a.mul_add(b, c) } else { a * b + c }
}

/// Whether code compiled for SIMD level `S` runs on a CPU with fused multiply-add, so that it
/// may pass `FUSED = true` to [mul_add] (and use `mul_add` of its own).
#[cfg(feature = "simd")]
#[inline(always)]
pub(crate) fn fma_is_native<S: macerator::Simd>() -> bool {
    <f32 as macerator::VFma>::is_accelerated::<S>()
}

pub(crate) trait FastExp: Copy {
    /// `e^self`.
    fn fast_exp(self) -> Self;

    /// Softmax of `scale * row` for every `row_len`-long row of `rows`, in place, through a
    /// SIMD kernel. `false` (nothing done) for types without one: the caller runs its loop.
    fn scaled_softmax_rows(_rows: &mut [Self], _row_len: usize, _scale: Self) -> bool {
        false
    }
}

impl FastExp for f32 {
    #[inline(always)]
    fn fast_exp(self) -> Self {
        exp_f32(self)
    }

    fn scaled_softmax_rows(rows: &mut [Self], row_len: usize, scale: Self) -> bool {
        crate::ops::activation::scaled_softmax_rows_f32(rows, row_len, scale);
        true
    }
}

impl FastExp for f64 {
    #[inline(always)]
    fn fast_exp(self) -> Self {
        self.exp()
    }
}

impl FastExp for half::f16 {
    #[inline(always)]
    fn fast_exp(self) -> Self {
        half::f16::from_f32(exp_f32(self.to_f32()))
    }
}

impl FastExp for half::bf16 {
    #[inline(always)]
    fn fast_exp(self) -> Self {
        half::bf16::from_f32(exp_f32(self.to_f32()))
    }
}

#[cfg(test)]
mod tests {
    use super::exp_f32;

    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    #[test]
    fn within_two_ulps_of_the_exact_value_over_the_float_range() {
        let mut worst = 0;
        let mut x = -103.9_f32;
        while x < 88.7 {
            let exact = (x as f64).exp() as f32;
            worst = worst.max(ulps(exp_f32(x), exact));
            x += 0.000_731;
        }
        assert!(worst <= 2, "worst error {worst} ulps");
    }

    #[test]
    fn the_logistic_exp_is_within_two_ulps_where_it_matters() {
        let mut worst = 0;
        let mut x = -87.0_f32;
        while x < 88.0 {
            let exact = (x as f64).exp() as f32;
            worst = worst.max(ulps(super::exp_in_logistic_f32::<false>(x), exact));
            x += 0.000_731;
        }
        assert!(worst <= 2, "worst error {worst} ulps");
        assert!(super::exp_in_logistic_f32::<false>(-1000.0) < 1e-37);
        assert_eq!(super::exp_in_logistic_f32::<false>(1000.0), f32::INFINITY);
        assert_eq!(super::exp_in_logistic_f32::<false>(f32::NAN), f32::INFINITY);
    }

    #[test]
    fn the_softmax_exp_is_within_two_ulps_down_to_minus_87() {
        let mut worst = 0;
        let mut x = -87.0_f32;
        while x <= 0.0 {
            let exact = (x as f64).exp() as f32;
            worst = worst.max(ulps(super::exp_in_softmax_f32::<false>(x), exact));
            x += 0.000_371;
        }
        assert!(worst <= 2, "worst error {worst} ulps");
        assert!(super::exp_in_softmax_f32::<false>(f32::NAN).is_nan());
        assert!(super::exp_in_softmax_f32::<false>(f32::NEG_INFINITY) < 2e-38);
    }

    #[test]
    fn special_values_match_libm() {
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(89.0), f32::INFINITY);
        assert_eq!(exp_f32(-104.0), 0.0);
        assert_eq!(exp_f32(0.0), 1.0);
        assert!(exp_f32(88.7).is_finite());
        assert!(exp_f32(-100.0) > 0.0, "subnormal results are kept");
    }
}
