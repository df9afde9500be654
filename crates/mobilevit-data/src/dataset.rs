//! Datasets: PaddleClas list files, ImageNet-style class folders, and class-id maps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::DataError;

/// One labelled image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Image file.
    pub path: PathBuf,
    /// Class index.
    pub label: usize,
}

/// Extensions of the image files a class folder may hold.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "bmp", "webp"];

fn io_error(path: &Path, error: std::io::Error) -> DataError {
    DataError::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Reads a PaddleClas list file: one `relative/path label` per line (fields separated by
/// `delimiter`, a space by default), paths relative to `image_root`. Blank lines are skipped.
/// Every listed file must exist and every label must be below `num_classes` when given.
pub fn read_list(
    list: &Path,
    image_root: &Path,
    delimiter: &str,
    num_classes: Option<usize>,
) -> Result<Vec<Sample>, DataError> {
    let text = std::fs::read_to_string(list).map_err(|error| io_error(list, error))?;
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_error = |message: String| DataError::Line {
            path: list.to_path_buf(),
            line: index + 1,
            message,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((relative, label)) = line.rsplit_once(delimiter) else {
            return Err(line_error(format!(
                "expected 'path{delimiter}label', got '{line}'"
            )));
        };
        let label: usize = label.trim().parse().map_err(|_| {
            line_error(format!("the label '{}' is not a class index", label.trim()))
        })?;
        if let Some(classes) = num_classes.filter(|&classes| label >= classes) {
            return Err(line_error(format!(
                "label {label} is out of range for {classes} classes"
            )));
        }
        let path = image_root.join(relative.trim());
        if !path.is_file() {
            return Err(line_error(format!("no such image: {}", path.display())));
        }
        samples.push(Sample { path, label });
    }
    if samples.is_empty() {
        return Err(DataError::Dataset {
            path: list.to_path_buf(),
            message: "the list holds no samples".into(),
        });
    }
    Ok(samples)
}

/// Reads an ImageNet-style folder: one sub-folder per class, classes indexed in sorted order
/// of their folder names, images in sorted order. Returns the samples and the class names.
pub fn scan_class_folders(root: &Path) -> Result<(Vec<Sample>, Vec<String>), DataError> {
    let mut classes: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|error| io_error(root, error))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    classes.sort();
    let mut samples = Vec::new();
    let mut names = Vec::with_capacity(classes.len());
    for (label, folder) in classes.iter().enumerate() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|error| io_error(folder, error))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| is_image(path))
            .collect();
        files.sort();
        samples.extend(files.into_iter().map(|path| Sample { path, label }));
        names.push(
            folder
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    if samples.is_empty() {
        return Err(DataError::Dataset {
            path: root.to_path_buf(),
            message: "no images in class sub-folders".into(),
        });
    }
    Ok((samples, names))
}

fn is_image(path: &Path) -> bool {
    path.is_file()
        && path.extension().is_some_and(|ext| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known))
        })
}

/// Reads a PaddleClas `class_id_map_file`: `id name...` per line, ids 0..N without gaps.
pub fn read_class_map(path: &Path) -> Result<Vec<String>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|error| io_error(path, error))?;
    let mut names = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line_error = |message: String| DataError::Line {
            path: path.to_path_buf(),
            line: index + 1,
            message,
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (id, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let id: usize = id
            .parse()
            .map_err(|_| line_error(format!("'{id}' is not a class id")))?;
        if names.insert(id, name.trim().to_string()).is_some() {
            return Err(line_error(format!("class id {id} appears twice")));
        }
    }
    if names.is_empty() {
        return Err(DataError::Dataset {
            path: path.to_path_buf(),
            message: "the class map is empty".into(),
        });
    }
    if let Some((position, (id, _))) = names.iter().enumerate().find(|(i, (id, _))| *i != **id) {
        return Err(DataError::Dataset {
            path: path.to_path_buf(),
            message: format!(
                "class ids must run from 0 without gaps; {position} is missing (next is {id})"
            ),
        });
    }
    Ok(names.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn list_files_read_and_report_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a")).unwrap();
        write(dir.path(), "a/1.png", "x");
        write(dir.path(), "a/2 b.png", "x");
        let good = write(dir.path(), "list.txt", "a/1.png 3\n\na/2 b.png 0\n");
        let samples = read_list(&good, dir.path(), " ", Some(4)).unwrap();
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[1].path, dir.path().join("a/2 b.png"));
        let cases = [
            ("a/1.png 3\na/missing.png 1\n", "list:2: no such image"),
            (
                "a/1.png three\n",
                "list:1: the label 'three' is not a class index",
            ),
            (
                "a/1.png 7\n",
                "list:1: label 7 is out of range for 4 classes",
            ),
            ("a/1.png\n", "list:1: expected 'path label'"),
            ("\n\n", "the list holds no samples"),
        ];
        for (text, expected) in cases {
            let list = write(dir.path(), "list", text);
            let error = read_list(&list, dir.path(), " ", Some(4)).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn class_folders_are_indexed_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        for class in ["zebra", "ant"] {
            std::fs::create_dir(dir.path().join(class)).unwrap();
            write(&dir.path().join(class), "1.JPG", "x");
            write(&dir.path().join(class), "notes.txt", "x");
        }
        let (samples, names) = scan_class_folders(dir.path()).unwrap();
        assert_eq!(names, ["ant", "zebra"]);
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[1].label, 1);
        assert!(samples[1].path.ends_with("zebra/1.JPG"));
        let empty = tempfile::tempdir().unwrap();
        assert!(scan_class_folders(empty.path()).is_err());
    }

    #[test]
    fn class_maps_need_every_id_once() {
        let dir = tempfile::tempdir().unwrap();
        let map = write(dir.path(), "map.txt", "0 tench, Tinca tinca\n1 goldfish\n");
        assert_eq!(
            read_class_map(&map).unwrap(),
            ["tench, Tinca tinca", "goldfish"]
        );
        let gap = write(dir.path(), "gap.txt", "0 a\n2 c\n");
        assert!(
            read_class_map(&gap)
                .unwrap_err()
                .to_string()
                .contains("1 is missing")
        );
        let twice = write(dir.path(), "twice.txt", "0 a\n0 b\n");
        assert!(
            read_class_map(&twice)
                .unwrap_err()
                .to_string()
                .contains("twice.txt:2")
        );
    }
}
