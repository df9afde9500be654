//! Helpers shared by this crate's tests.

/// Asserts that each named vector of `ours` is within `tolerance` of the same vector of
/// `reference`, each difference relative to `1 + |reference|`.
pub fn assert_close(names: &[&str], ours: &[Vec<f32>], reference: &[Vec<f32>], tolerance: f32) {
    for (name, (a, b)) in names.iter().zip(ours.iter().zip(reference)) {
        assert_eq!(a.len(), b.len(), "{name}: lengths differ");
        let worst = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs() / (1.0 + y.abs()))
            .fold(0.0f32, f32::max);
        assert!(
            worst < tolerance,
            "{name} differs from the reference by {worst:e}"
        );
    }
}
