//! Resizing against OpenCV's `cv2.resize(..., interpolation=cv2.INTER_LINEAR)`, byte for
//! byte: every case of `tests/fixtures/cv2/cases.json` (chelsea.png, optionally cropped,
//! resized by opencv-python-headless 4.14.0.94; `scripts/make_cv2_resize_fixtures.py`).

use std::path::{Path, PathBuf};

use mobilevit_data::resize_cv2::resize_linear;
use mobilevit_data::{ChannelOrder, Image};
use serde_norway::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn read_u8(path: &Path) -> (Vec<usize>, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().iter().map(|&s| s as usize).collect();
    (shape, npy.into_vec().unwrap())
}

fn size(case: &Value, key: &str) -> usize {
    case.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("case without {key}: {case:?}")) as usize
}

/// The first differing byte as "x, y, channel: ours vs OpenCV's", and how many differ.
fn first_difference(ours: &[u8], expected: &[u8], width: usize) -> Option<String> {
    let differing = ours.iter().zip(expected).filter(|(a, b)| a != b).count();
    let index = ours.iter().zip(expected).position(|(a, b)| a != b)?;
    let (pixel, channel) = (index / 3, index % 3);
    Some(format!(
        "{differing} bytes differ; first at x={} y={} channel {channel}: {} vs OpenCV's {}",
        pixel % width,
        pixel / width,
        ours[index],
        expected[index]
    ))
}

#[test]
fn every_case_matches_opencv_byte_for_byte() {
    let folder = fixtures().join("cv2");
    let text = std::fs::read_to_string(folder.join("cases.json")).unwrap();
    let meta: Value = serde_norway::from_str(&text).unwrap();
    let cases = meta.get("cases").and_then(Value::as_sequence).unwrap();
    assert!(cases.len() >= 5, "only {} cases", cases.len());
    let cat = Image::open(&fixtures().join("images/chelsea.png"), ChannelOrder::Rgb).unwrap();
    assert_eq!((cat.width, cat.height), (451, 300));

    let mut failures = Vec::new();
    for case in cases {
        let name = case.get("name").and_then(Value::as_str).unwrap();
        let file = case.get("file").and_then(Value::as_str).unwrap();
        let (width, height) = (size(case, "width"), size(case, "height"));
        let source = match case.get("crop").and_then(Value::as_sequence) {
            Some(crop) => {
                let crop: Vec<usize> = crop.iter().map(|v| v.as_u64().unwrap() as usize).collect();
                cat.crop(crop[0], crop[1], crop[2], crop[3])
            }
            None => cat.clone(),
        };
        let (shape, expected) = read_u8(&folder.join(file));
        assert_eq!(shape, [height, width, 3], "{name}: fixture shape");

        let resized = resize_linear(&source, width, height);
        assert_eq!((resized.width, resized.height), (width, height), "{name}");
        assert_eq!(resized.order, ChannelOrder::Rgb, "{name}");
        assert_eq!(resized.pixels.len(), expected.len(), "{name}");
        if let Some(difference) = first_difference(&resized.pixels, &expected, width) {
            failures.push(format!(
                "{name} ({}x{} -> {width}x{height}): {difference}",
                source.width, source.height
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "differences from OpenCV:\n{}",
        failures.join("\n")
    );
}

#[test]
fn channel_order_is_kept_and_does_not_change_the_values() {
    let cat = Image::open(&fixtures().join("images/chelsea.png"), ChannelOrder::Rgb).unwrap();
    let window = cat.crop(100, 100, 100, 80);
    let rgb = resize_linear(&window, 130, 57);
    let bgr = resize_linear(&window.clone().with_order(ChannelOrder::Bgr), 130, 57);
    assert_eq!(bgr.order, ChannelOrder::Bgr);
    assert_eq!(bgr.with_order(ChannelOrder::Rgb), rgb);
}
