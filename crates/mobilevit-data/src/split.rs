//! Splitting class folders into PaddleClas list files: `mobilevit data split`.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::dataset::{Sample, scan_class_folders};
use crate::error::DataError;
use crate::loader::derive_seed;

/// The training and validation samples of class folders, and the class names.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderSplit {
    /// Training samples.
    pub train: Vec<Sample>,
    /// Validation samples.
    pub val: Vec<Sample>,
    /// Class names, in label order (sorted folder names).
    pub classes: Vec<String>,
}

/// Splits the class folders under `root`: in every class, `val_fraction` of its images
/// (rounded, at least one when the class has two or more) go to validation, drawn by a
/// generator seeded from `seed` and the class, so that the split is stratified and the same
/// for the same folders and seed. Both lists keep the folders' sorted order.
pub fn split_class_folders(
    root: &Path,
    val_fraction: f64,
    seed: u64,
) -> Result<FolderSplit, DataError> {
    if !(0.0..1.0).contains(&val_fraction) {
        return Err(DataError::Dataset {
            path: root.to_path_buf(),
            message: format!("the validation fraction {val_fraction} is not in [0, 1)"),
        });
    }
    let (samples, classes) = scan_class_folders(root)?;
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for label in 0..classes.len() {
        let members: Vec<&Sample> = samples.iter().filter(|s| s.label == label).collect();
        let mut wanted = (members.len() as f64 * val_fraction).round() as usize;
        if val_fraction > 0.0 && members.len() >= 2 {
            wanted = wanted.clamp(1, members.len() - 1);
        }
        let mut order: Vec<usize> = (0..members.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(derive_seed(
            seed,
            0,
            label as u64,
        )));
        let mut to_val = vec![false; members.len()];
        for &index in &order[..wanted] {
            to_val[index] = true;
        }
        for (sample, goes_to_val) in members.into_iter().zip(to_val) {
            match goes_to_val {
                true => val.push(sample.clone()),
                false => train.push(sample.clone()),
            }
        }
    }
    Ok(FolderSplit {
        train,
        val,
        classes,
    })
}

/// Writes `train_list.txt`, `val_list.txt` (`path label`, paths relative to `root`) and
/// `label_list.txt` (`id name`) into `output`; answers their paths.
pub fn write_split_lists(
    split: &FolderSplit,
    root: &Path,
    output: &Path,
) -> Result<[PathBuf; 3], DataError> {
    std::fs::create_dir_all(output).map_err(|error| io(output, error))?;
    let list = |samples: &[Sample]| -> String {
        samples
            .iter()
            .map(|sample| {
                let relative = sample.path.strip_prefix(root).unwrap_or(&sample.path);
                format!("{} {}\n", relative.display(), sample.label)
            })
            .collect()
    };
    let labels: String = split
        .classes
        .iter()
        .enumerate()
        .map(|(id, name)| format!("{id} {name}\n"))
        .collect();
    let files = [
        (output.join("train_list.txt"), list(&split.train)),
        (output.join("val_list.txt"), list(&split.val)),
        (output.join("label_list.txt"), labels),
    ];
    for (path, text) in &files {
        std::fs::write(path, text).map_err(|error| io(path, error))?;
    }
    let [(a, _), (b, _), (c, _)] = files;
    Ok([a, b, c])
}

fn io(path: &Path, error: std::io::Error) -> DataError {
    DataError::Dataset {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
