//! PaddleClas's `RandomErasing` on a normalised channel-first tensor.
//!
//! With probability `EPSILON` it makes up to `attempt` draws of a target area (a fraction of the
//! image drawn from `[sl, sh]`) and an aspect ratio (height over width, from `[r1, 1 / r1]`,
//! uniformly or, with `use_log_aspect`, uniformly in log space); the sides are Python's
//! `round` of `sqrt(area * aspect)` and `sqrt(area / aspect)`, and the first rectangle strictly
//! smaller than the image on both sides is placed uniformly and filled.

use rand::Rng;
use rand_distr::StandardNormal;

use crate::transforms::{ChwTensor, ErasingFill, RandomErasing, round_half_even};

/// A rectangle of a tensor: rows `top..top + height`, columns `left..left + width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rectangle {
    /// First row.
    pub top: usize,
    /// First column.
    pub left: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
}

/// Erases a rectangle of `tensor` as `erasing` draws it from `rng`; returns it, or `None` when
/// nothing was erased.
pub fn erase(
    erasing: &RandomErasing,
    tensor: &mut ChwTensor,
    rng: &mut impl Rng,
) -> Option<Rectangle> {
    let rectangle = draw_rectangle(erasing, tensor.height, tensor.width, rng)?;
    fill(tensor, rectangle, erasing.fill, rng);
    Some(rectangle)
}

/// The rectangle PaddleClas would erase in a `height x width` image, if any.
fn draw_rectangle(
    erasing: &RandomErasing,
    height: usize,
    width: usize,
    rng: &mut impl Rng,
) -> Option<Rectangle> {
    if rng.random::<f64>() > erasing.probability {
        return None;
    }
    let area = (height * width) as f64;
    let [low, high] = [erasing.min_aspect, 1.0 / erasing.min_aspect];
    for _ in 0..erasing.attempts {
        let target = uniform(rng, erasing.area[0], erasing.area[1]) * area;
        let aspect = if erasing.log_aspect {
            uniform(rng, low.ln(), high.ln()).exp()
        } else {
            uniform(rng, low, high)
        };
        let rows = round_half_even((target * aspect).sqrt()) as usize;
        let columns = round_half_even((target / aspect).sqrt()) as usize;
        if columns < width && rows < height {
            return Some(Rectangle {
                top: rng.random_range(0..=height - rows),
                left: rng.random_range(0..=width - columns),
                height: rows,
                width: columns,
            });
        }
    }
    None
}

/// Python's `random.uniform(a, b)`: `a + (b - a) * u`, whichever of `a`, `b` is larger.
fn uniform(rng: &mut impl Rng, a: f64, b: f64) -> f64 {
    a + (b - a) * rng.random::<f64>()
}

fn fill(tensor: &mut ChwTensor, rectangle: Rectangle, fill: ErasingFill, rng: &mut impl Rng) {
    let per_channel: [f32; 3] = match fill {
        ErasingFill::Const(values) => values,
        ErasingFill::Rand => std::array::from_fn(|_| rng.sample(StandardNormal)),
        ErasingFill::Pixel => [0.0; 3],
    };
    let plane = tensor.height * tensor.width;
    for (channel, value) in per_channel.into_iter().enumerate() {
        for row in rectangle.top..rectangle.top + rectangle.height {
            let start = channel * plane + row * tensor.width + rectangle.left;
            for element in &mut tensor.values[start..start + rectangle.width] {
                *element = match fill {
                    ErasingFill::Pixel => rng.sample(StandardNormal),
                    _ => value,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn recipe(probability: f64) -> RandomErasing {
        RandomErasing {
            probability,
            area: [0.02, 1.0 / 3.0],
            min_aspect: 0.3,
            attempts: 10,
            log_aspect: true,
            fill: ErasingFill::Const([-1.0, -2.0, -3.0]),
        }
    }

    fn ones(height: usize, width: usize) -> ChwTensor {
        ChwTensor {
            height,
            width,
            values: vec![1.0; 3 * height * width],
        }
    }

    #[test]
    fn the_rectangle_is_filled_exactly_and_stays_inside() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let (mut erased, mut areas) = (0, Vec::new());
        for _ in 0..400 {
            let mut tensor = ones(24, 40);
            let Some(rect) = erase(&recipe(0.25), &mut tensor, &mut rng) else {
                assert!(tensor.values.iter().all(|&v| v == 1.0));
                continue;
            };
            erased += 1;
            assert!(rect.top + rect.height <= 24 && rect.left + rect.width <= 40);
            assert!(rect.height < 24 && rect.width < 40);
            for channel in 0..3 {
                let plane = &tensor.values[channel * 960..(channel + 1) * 960];
                let filled = plane.iter().filter(|&&v| v != 1.0).count();
                assert_eq!(filled, rect.height * rect.width);
                let expected = -(channel as f32) - 1.0;
                let inside = plane[(rect.top * 40 + rect.left)..][..rect.width].iter();
                assert!(inside.into_iter().all(|&v| v == expected));
            }
            areas.push((rect.height * rect.width) as f64 / 960.0);
        }
        // EPSILON 0.25: about a hundred of four hundred images are erased.
        assert!((70..130).contains(&erased), "{erased}");
        let largest = areas.iter().cloned().fold(0.0, f64::max);
        assert!(largest > 0.2 && largest < 0.5, "{largest}");
    }

    #[test]
    fn a_rectangle_that_never_fits_erases_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut tensor = ones(2, 2);
        let always = RandomErasing {
            area: [0.9, 1.0],
            ..recipe(1.0)
        };
        assert_eq!(erase(&always, &mut tensor, &mut rng), None);
        assert!(tensor.values.iter().all(|&v| v == 1.0));
    }
}
