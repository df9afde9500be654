//! Running the `mobilevit` binary in tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn::tensor::{Device, Tensor};
use mobilevit::npy;

pub fn mobilevit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mobilevit"))
        .args(args)
        .output()
        .expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs the binary, expects it to fail, and returns what it printed on stderr after checking
/// that it contains `needle`.
pub fn fails_with(args: &[&str], needle: &str) -> String {
    let output = mobilevit(args);
    let message = stderr(&output);
    assert!(!output.status.success(), "{args:?} succeeded");
    assert!(
        message.contains(needle),
        "{args:?}: '{needle}' not in: {message}"
    );
    message
}

/// A path inside the repository.
pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// Image `index` of class `label`: its size and pixels vary with both (so that resizing and
/// the classes matter), the same for the same arguments.
pub fn varied_image(label: usize, index: usize) -> image::RgbImage {
    let (width, height) = (40 + (index * 7) % 23, 36 + (index * 5) % 19);
    image::RgbImage::from_fn(width as u32, height as u32, |x, y| {
        let v = (x as usize * (label + 2) + y as usize * 3 + index * 11) % 256;
        image::Rgb([v as u8, (v * (label + 1) % 256) as u8, (255 - v) as u8])
    })
}

/// Writes `count` PNGs `{name}_NNN.png` of `classes` classes into `dir` (image `i` drawn as
/// [`varied_image`] `i + offset`), and the PaddleClas list file `{name}_list.txt`.
pub fn write_split(dir: &Path, name: &str, count: usize, classes: usize, offset: usize) -> PathBuf {
    let mut list = String::new();
    for i in 0..count {
        let label = i % classes;
        let file = format!("{name}_{i:03}.png");
        varied_image(label, i + offset)
            .save(dir.join(&file))
            .unwrap();
        list.push_str(&format!("{file} {label}\n"));
    }
    let path = dir.join(format!("{name}_list.txt"));
    std::fs::write(&path, list).unwrap();
    path
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The values of a rank-`D` float32 `.npy` file.
pub fn read_values<const D: usize>(path: &Path) -> Vec<f32> {
    let tensor: Tensor<D> = npy::read_f32(path, &Device::flex()).unwrap();
    tensor.into_data().try_to_vec().unwrap()
}

pub fn read_logits(path: &Path) -> Vec<f32> {
    read_values::<2>(path)
}

/// Runs the binary, expects success, and returns what it printed on stdout.
pub fn succeeds(args: &[&str]) -> String {
    let output = mobilevit(args);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output)
}
