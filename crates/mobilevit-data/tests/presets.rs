//! Each eval preset against the reference's own preprocessing of the same file (fixtures from
//! `scripts/make_fixtures.py --preprocess` and `scripts/make_paddle_fixtures.py --preprocess`).

use std::path::{Path, PathBuf};

use mobilevit_data::{Image, Preset, RunPipeline};
use rand::SeedableRng;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn read_npy(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), [1, 3, 256, 256]);
    npy.into_vec().unwrap()
}

/// (max, mean) absolute difference between our tensor and the reference's.
fn compare(preset: Preset, image: &str) -> (f32, f32) {
    let path = fixtures().join("images").join(image);
    let pipeline = preset.pipeline();
    let decoded = Image::open(&path, pipeline.order).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let ours = pipeline.run(decoded, &mut rng).unwrap();
    assert_eq!([ours.height, ours.width], [256, 256]);
    let stem = image.split('.').next().unwrap();
    let reference = read_npy(&fixtures().join(format!("preprocess_{preset}_{stem}.npy")));
    let diffs: Vec<f32> = ours
        .values
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let max = diffs.iter().copied().fold(0.0, f32::max);
    let mean = diffs.iter().sum::<f32>() / diffs.len() as f32;
    println!("{preset} {image}: max |diff| {max:.2e}, mean {mean:.2e}");
    (max, mean)
}

/// PNGs decode to the same bytes as Pillow's, and resampling is Pillow's: the tensors are equal
/// up to float32 rounding of the /255 (PaddleClas multiplies by float32(1/255)).
#[test]
fn lossless_images_match_every_reference_exactly() {
    for preset in [Preset::Timm, Preset::Hf, Preset::Paddle] {
        for image in ["chelsea.png", "camera.png", "horse.png"] {
            let (max, _) = compare(preset, image);
            assert!(max <= 1e-7, "{preset} {image}: max |diff| {max:e}");
        }
    }
}

/// JPEG decoders may differ by a level on a few pixels (the image crate vs libjpeg-turbo).
#[test]
fn jpeg_images_match_within_the_decoder_difference() {
    for preset in [Preset::Timm, Preset::Hf, Preset::Paddle] {
        let (max, mean) = compare(preset, "rocket.jpg");
        assert!(mean <= 1e-3, "{preset}: mean |diff| {mean:e}");
        assert!(max <= 3.0 / 255.0, "{preset}: max |diff| {max:e}");
    }
}
