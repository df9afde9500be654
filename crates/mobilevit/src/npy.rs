//! Reading and writing float32 tensors as NumPy `.npy` files.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use npyz::WriterBuilder;

/// What can go wrong with a `.npy` file.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// Opening, reading or writing failed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The array is not what is expected.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads a C-ordered little-endian float32 array of rank `D`.
pub fn read_f32<const D: usize>(path: &Path, device: &Device) -> Result<Tensor<D>, NpyError> {
    let io = |message: String| NpyError::Io {
        path: path.to_path_buf(),
        message,
    };
    let format = |message: String| NpyError::Format {
        path: path.to_path_buf(),
        message,
    };
    let file = File::open(path).map_err(|error| io(error.to_string()))?;
    let npy = npyz::NpyFile::new(BufReader::new(file))
        .map_err(|error| format(format!("not a .npy file: {error}")))?;
    let descr = npy.dtype().descr();
    if descr != "'<f4'" {
        return Err(format(format!(
            "expected float32 ('<f4') data, got {descr}; convert with arr.astype(np.float32)"
        )));
    }
    if npy.order() != npyz::Order::C {
        return Err(format(
            "expected a C-ordered array, got Fortran order; save np.ascontiguousarray(arr)".into(),
        ));
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&side| side as usize).collect();
    if shape.len() != D {
        return Err(format(format!(
            "expected a rank-{D} array, got shape {shape:?}"
        )));
    }
    let values: Vec<f32> = npy
        .into_vec()
        .map_err(|error| format(format!("cannot read the data: {error}")))?;
    Ok(Tensor::from_data(TensorData::new(values, shape), device))
}

/// Writes a tensor as a float32 `.npy` file.
pub fn write_f32<const D: usize>(path: &Path, tensor: Tensor<D>) -> Result<(), NpyError> {
    let io = |message: String| NpyError::Io {
        path: path.to_path_buf(),
        message,
    };
    let shape: Vec<u64> = tensor.dims().iter().map(|&side| side as u64).collect();
    let values = tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|error| io(format!("cannot read the tensor: {error:?}")))?;
    let file = File::create(path).map_err(|error| io(error.to_string()))?;
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(BufWriter::new(file))
        .begin_nd()
        .map_err(|error| io(error.to_string()))?;
    writer
        .extend(values)
        .map_err(|error| io(error.to_string()))?;
    writer.finish().map_err(|error| io(error.to_string()))
}
