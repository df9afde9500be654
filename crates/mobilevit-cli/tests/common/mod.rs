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
