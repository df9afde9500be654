//! Class names: ImageNet-1k's built in, or a PaddleClas class-id map.

use mobilevit::WeightsInfo;
use std::path::Path;

/// ImageNet-1k names in index order (`scripts/make_imagenet_labels.py`, from the timm wheel's
/// `imagenet_synsets.txt` and `imagenet_synset_to_lemma.txt`).
const IMAGENET: &str = include_str!("imagenet_classes.txt");

/// What can be wrong with class names.
#[derive(Debug, thiserror::Error)]
pub enum LabelError {
    /// The class map could not be read.
    #[error(transparent)]
    Data(#[from] mobilevit_data::DataError),
    /// The class map does not fit the model.
    #[error("{path}: {names} class names for a model with {classes} classes")]
    Size {
        /// The class map.
        path: String,
        /// Names in the map.
        names: usize,
        /// Classes of the model.
        classes: usize,
    },
}

/// Names of a model's classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassNames {
    names: Vec<String>,
}

impl ClassNames {
    /// ImageNet-1k's 1000 names.
    pub fn imagenet() -> Self {
        let names = IMAGENET
            .lines()
            .map(|line| {
                line.split_once(' ')
                    .map_or(line, |(_, name)| name)
                    .to_string()
            })
            .collect();
        Self { names }
    }

    /// A PaddleClas `class_id_map_file`, which must name exactly `classes` classes.
    pub fn from_map(path: &Path, classes: usize) -> Result<Self, LabelError> {
        let names = mobilevit_data::read_class_map(path)?;
        if names.len() != classes {
            return Err(LabelError::Size {
                path: path.display().to_string(),
                names: names.len(),
                classes,
            });
        }
        Ok(Self { names })
    }

    /// The names for a model with `classes` classes: the map when given, else the names its
    /// weights recorded (`info`, when they are as many), ImageNet's for 1000 classes, the
    /// class indices otherwise.
    pub fn for_model(
        map: Option<&Path>,
        info: Option<&WeightsInfo>,
        classes: usize,
    ) -> Result<Self, LabelError> {
        let recorded = info.and_then(|info| info.class_names.as_deref());
        match (map, recorded) {
            (Some(path), _) => Self::from_map(path, classes),
            (None, Some(names)) if names.len() == classes => Ok(Self {
                names: names.to_vec(),
            }),
            _ if classes == 1000 => Ok(Self::imagenet()),
            _ => Ok(Self {
                names: (0..classes).map(|i| i.to_string()).collect(),
            }),
        }
    }

    /// The name of class `index`.
    pub fn name(&self, index: usize) -> &str {
        self.names.get(index).map_or("?", String::as_str)
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagenet_names_are_in_index_order() {
        let names = ClassNames::imagenet();
        assert_eq!(names.len(), 1000);
        assert_eq!(names.name(0), "tench, Tinca tinca");
        assert_eq!(names.name(281), "tabby, tabby cat");
        assert_eq!(
            names.name(999),
            "toilet tissue, toilet paper, bathroom tissue"
        );
    }

    #[test]
    fn a_class_map_must_fit_the_model() {
        let dir = std::env::temp_dir().join(format!("mobilevit-labels-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let map = dir.join("labels.txt");
        std::fs::write(&map, "0 cat\n1 dog\n").unwrap();
        assert_eq!(ClassNames::from_map(&map, 2).unwrap().name(1), "dog");
        let error = ClassNames::from_map(&map, 10).unwrap_err().to_string();
        assert!(
            error.contains("2 class names for a model with 10 classes"),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
