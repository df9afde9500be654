//! `mobilevit_rs`: MobileViT image classification from Python, over
//! [`mobilevit_eval::Classifier`].
//!
//! ```python
//! import mobilevit_rs as mv
//! model = mv.load("mobilevit_xxs.bpk")
//! model.predict("cat.jpg", topk=5)   # [{"class_id": 285, "label": "Egyptian cat", "score": ...}]
//! ```
//!
//! Errors are Python exceptions (`FileNotFoundError`, `ValueError`) with the CLI's messages;
//! computation releases the GIL.

use std::borrow::Cow;
use std::path::PathBuf;

use burn::tensor::Device;
use mobilevit::Source;
use mobilevit::convert::{ConvertOptions, ConvertTarget, convert_file};
use mobilevit_data::Image;
use mobilevit_eval::{Classifier, ClassifierError, Scored, describe};
use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList};

fn to_py_error(error: ClassifierError) -> PyErr {
    match error {
        ClassifierError::NotFound(_) => PyFileNotFoundError::new_err(error.to_string()),
        _ => PyValueError::new_err(error.to_string()),
    }
}

/// A loaded MobileViT: weights, the preprocessing they record, class names.
#[pyclass(frozen, module = "mobilevit_rs")]
struct Model {
    classifier: Classifier,
}

#[pymethods]
impl Model {
    /// model, num_classes, channel_order, source, threads and the preprocessing record.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let classifier = &self.classifier;
        let info = classifier.info();
        let record = serde_json::json!({
            "model": classifier.model_name(),
            "num_classes": classifier.num_classes(),
            "channel_order": info.channel_order().to_string(),
            "source": info.source_name(),
            "threads": classifier.threads(),
            "preprocessing": describe(&info.preprocessing),
        });
        let json = py.import("json")?;
        json.call_method1("loads", (record.to_string(),))?
            .cast_into::<PyDict>()
            .map_err(PyErr::from)
    }

    /// The `topk` most probable classes of one image (a path, a `PIL.Image`, or an HxWx3
    /// uint8 RGB array), best first.
    #[pyo3(signature = (image, topk = 5))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        image: &Bound<'py, PyAny>,
        topk: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut results = self.classify(py, vec![to_image(image)?], topk)?;
        scored_list(py, &results.remove(0))
    }

    /// [`predict`](Self::predict) for several images: one list per image.
    #[pyo3(signature = (images, topk = 5))]
    fn predict_batch<'py>(
        &self,
        py: Python<'py>,
        images: &Bound<'py, PyAny>,
        topk: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let images = images
            .try_iter()?
            .map(|image| to_image(&image?))
            .collect::<PyResult<Vec<Image>>>()?;
        let results = self.classify(py, images, topk)?;
        let lists = results
            .iter()
            .map(|scored| scored_list(py, scored))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, lists)
    }

    /// Logits of a float32 NCHW array (already preprocessed): float32 `(N, classes)`.
    fn forward<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let buffer = PyBuffer::<f32>::get(x).map_err(|_| {
            PyValueError::new_err(format!(
                "expected a float32 array of shape (N, 3, H, W), got {}",
                describe_array(x)
            ))
        })?;
        let shape: [usize; 4] = buffer.shape().try_into().map_err(|_| {
            PyValueError::new_err(format!(
                "expected a float32 array of shape (N, 3, H, W), got shape {:?}",
                buffer.shape()
            ))
        })?;
        let values = buffer.to_vec(py)?;
        let classifier = &self.classifier;
        let logits = py
            .detach(|| classifier.forward(values, shape))
            .map_err(to_py_error)?;
        let bytes: Vec<u8> = logits.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let numpy = py.import("numpy")?;
        // A bytearray gives a writable array over its own memory: no second copy.
        numpy
            .call_method1("frombuffer", (PyByteArray::new(py, &bytes), "float32"))?
            .call_method1("reshape", (shape[0], classifier.num_classes()))
    }

    fn __repr__(&self) -> String {
        let info = self.classifier.info();
        format!(
            "<mobilevit_rs.Model {} ({} classes, {} input, from {})>",
            self.classifier.model_name(),
            self.classifier.num_classes(),
            info.channel_order(),
            info.source_name()
        )
    }
}

impl Model {
    fn classify(
        &self,
        py: Python<'_>,
        images: Vec<Image>,
        topk: usize,
    ) -> PyResult<Vec<Vec<Scored>>> {
        if topk == 0 {
            return Err(PyValueError::new_err("topk must be at least 1"));
        }
        let classifier = &self.classifier;
        py.detach(|| classifier.classify(images, topk))
            .map_err(to_py_error)
    }
}

/// `[{"class_id": ..., "label": ..., "score": ...}, ...]`.
fn scored_list<'py>(py: Python<'py>, scored: &[Scored]) -> PyResult<Bound<'py, PyList>> {
    let dicts = scored
        .iter()
        .map(|scored| {
            let dict = PyDict::new(py);
            dict.set_item("class_id", scored.class_id)?;
            dict.set_item("label", &scored.label)?;
            dict.set_item("score", scored.score)?;
            Ok(dict)
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, dicts)
}

/// dtype and shape of an array-like, for error messages.
fn describe_array(x: &Bound<'_, PyAny>) -> String {
    let attribute = |name: &str| {
        x.getattr(name)
            .and_then(|value| value.str().map(|text| text.to_string()))
            .ok()
    };
    match (attribute("dtype"), attribute("shape")) {
        (Some(dtype), Some(shape)) => format!("dtype {dtype}, shape {shape}"),
        _ => format!(
            "a {}",
            x.get_type().name().map_or("?".into(), |n| n.to_string())
        ),
    }
}

/// An image from a path, a `PIL.Image` or an HxWx3 uint8 RGB array.
fn to_image(object: &Bound<'_, PyAny>) -> PyResult<Image> {
    if let Ok(path) = object.extract::<PathBuf>() {
        return Classifier::open_image(&path).map_err(to_py_error);
    }
    if object.hasattr("convert")? && object.hasattr("tobytes")? && object.hasattr("size")? {
        let rgb = object.call_method1("convert", ("RGB",))?;
        let (width, height): (usize, usize) = rgb.getattr("size")?.extract()?;
        let bytes = rgb.call_method0("tobytes")?;
        let pixels: Cow<[u8]> = bytes.extract()?;
        return Classifier::rgb_image(pixels.into_owned(), width, height).map_err(to_py_error);
    }
    let bad = || {
        PyValueError::new_err(format!(
            "expected an image path, a PIL.Image or an HxWx3 uint8 RGB array, got {}",
            describe_array(object)
        ))
    };
    let buffer = PyBuffer::<u8>::get(object).map_err(|_| bad())?;
    let &[height, width, 3] = buffer.shape() else {
        return Err(bad());
    };
    let pixels = buffer.to_vec(object.py())?;
    Classifier::rgb_image(pixels, width, height).map_err(to_py_error)
}

/// Loads a .bpk checkpoint or any weights file `mobilevit convert` reads, with `threads`
/// compute threads (all cores by default).
#[pyfunction]
#[pyo3(signature = (path, threads = None))]
fn load(py: Python<'_>, path: PathBuf, threads: Option<usize>) -> PyResult<Model> {
    let classifier = py
        .detach(|| Classifier::load(&path, threads))
        .map_err(to_py_error)?;
    Ok(Model { classifier })
}

/// Converts weights as `mobilevit convert` does: `source` is auto, timm, hf, cvnets or
/// paddle; `to` is bpk or timm. Returns what was written.
#[pyfunction]
#[pyo3(signature = (src, dst, source = "auto", to_rgb = false, to = "bpk"))]
fn convert<'py>(
    py: Python<'py>,
    src: PathBuf,
    dst: PathBuf,
    source: &str,
    to_rgb: bool,
    to: &str,
) -> PyResult<Bound<'py, PyDict>> {
    if !src.is_file() {
        return Err(PyFileNotFoundError::new_err(format!(
            "{}: no such file",
            src.display()
        )));
    }
    let from = if source.eq_ignore_ascii_case("auto") {
        None
    } else {
        Some(source.parse::<Source>().map_err(PyValueError::new_err)?)
    };
    let options = ConvertOptions {
        from,
        expected: None,
        to_rgb,
        target: to.parse::<ConvertTarget>().map_err(PyValueError::new_err)?,
    };
    let converted = py
        .detach(|| convert_file(&src, &dst, options, &Device::flex()))
        .map_err(|error| PyValueError::new_err(error.to_string()))?;
    let result = PyDict::new(py);
    result.set_item("model", converted.config.variant.to_string())?;
    result.set_item("num_classes", converted.config.num_classes)?;
    result.set_item("summary", converted.summary())?;
    result.set_item("notices", converted.notices)?;
    Ok(result)
}

/// MobileViT image classification in Rust on Burn.
#[pymodule]
fn mobilevit_rs(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(load, module)?)?;
    module.add_function(wrap_pyfunction!(convert, module)?)?;
    module.add_class::<Model>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
