//! Resampling against Pillow's `Image.resize`, byte for byte, for every filter (fixtures
//! `pillow_{filter}_{down,up}_chelsea.npy` from `scripts/make_fixtures.py --preprocess`).

use std::path::{Path, PathBuf};

use mobilevit_data::{ChannelOrder, Image, Interpolation, resize};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn read_u8(path: &Path) -> (Vec<usize>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().iter().map(|&s| s as usize).collect();
    (shape, npy.into_vec().unwrap())
}

#[test]
fn every_filter_matches_pillow_byte_for_byte() {
    let cat = Image::open(&fixtures().join("images/chelsea.png"), ChannelOrder::Rgb).unwrap();
    let window = cat.crop(100, 100, 100, 80);
    let filters = [
        ("nearest", Interpolation::Nearest),
        ("box", Interpolation::Box),
        ("bilinear", Interpolation::Bilinear),
        ("hamming", Interpolation::Hamming),
        ("bicubic", Interpolation::Bicubic),
        ("lanczos", Interpolation::Lanczos),
    ];
    for (name, filter) in filters {
        for (direction, source) in [("down", &cat), ("up", &window)] {
            let (shape, expected) =
                read_u8(&fixtures().join(format!("pillow_{name}_{direction}_chelsea.npy")));
            let resized = resize(source, shape[1], shape[0], filter);
            let differing = resized
                .pixels
                .iter()
                .zip(&expected)
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(
                differing, 0,
                "{name} {direction}: {differing} bytes differ from Pillow"
            );
            assert_eq!(resized.pixels.len(), expected.len());
        }
    }
}
