//! Reading a weights file of any supported format into a name -> float32 tensor map.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use pytorch_reader::PytorchReader;
use safetensors::SafeTensors;

pub use super::format::{FileFormat, sniff};
use super::format::{format_error, io_error};
use super::pickle::{self, Object, Pickle, Whitelist};
use crate::error::WeightsError;

/// One tensor of a source file, as float32 in its own layout.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTensor {
    /// Shape.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

/// The float tensors of a weights file by name, plus the entries that were skipped on
/// purpose (integer step counters, PaddleClas's name table).
#[derive(Debug, Clone, Default)]
pub struct StateDict {
    /// Float tensors.
    pub tensors: BTreeMap<String, SourceTensor>,
    /// Entries skipped on purpose.
    pub skipped: Vec<String>,
    /// The file's own metadata (safetensors' header `__metadata__`), empty for other formats.
    pub metadata: BTreeMap<String, String>,
}

/// Integer tensors that are expected in checkpoints and carry no weights.
const SKIPPED_INTEGER_SUFFIXES: &[&str] = &["num_batches_tracked"];
/// PaddleClas's table of structured to internal parameter names.
const PADDLE_NAME_TABLE: &str = "StructuredToParameterName@@";

/// Reads every tensor of a safetensors, PyTorch or PaddleClas file.
pub fn read_state_dict(path: &Path, format: FileFormat) -> Result<StateDict, WeightsError> {
    match format {
        FileFormat::Safetensors => read_safetensors(path),
        FileFormat::TorchZip | FileFormat::TorchLegacy => read_torch(path, format),
        FileFormat::Pickle => read_pdparams(path),
        FileFormat::Burnpack => Err(format_error(
            path,
            "a mobilevit-rs checkpoint is loaded as is, not converted",
        )),
    }
}

fn read_safetensors(path: &Path) -> Result<StateDict, WeightsError> {
    let bytes = std::fs::read(path).map_err(|error| io_error(path, error.to_string()))?;
    let file = SafeTensors::deserialize(&bytes)
        .map_err(|error| format_error(path, format!("not a readable safetensors file: {error}")))?;
    let mut state = StateDict::default();
    if let Ok((_, header)) = SafeTensors::read_metadata(&bytes)
        && let Some(metadata) = header.metadata()
    {
        state.metadata = metadata.clone().into_iter().collect();
    }
    for (name, view) in file.tensors() {
        let dtype = match view.dtype() {
            safetensors::Dtype::F32 => ElementType::F32,
            safetensors::Dtype::F64 => ElementType::F64,
            safetensors::Dtype::F16 => ElementType::F16,
            safetensors::Dtype::BF16 => ElementType::BF16,
            other => {
                state.skip_integer(path, &name, &format!("{other:?}"))?;
                continue;
            }
        };
        let values = dtype.decode(view.data(), false);
        state.insert(path, &name, view.shape().to_vec(), values)?;
    }
    Ok(state)
}

/// What PyTorch checkpoints may name: containers, tensor rebuilds and storages.
const TORCH_GLOBALS: Whitelist = &[
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch", "FloatStorage"),
    ("torch", "DoubleStorage"),
    ("torch", "HalfStorage"),
    ("torch", "BFloat16Storage"),
    ("torch", "LongStorage"),
    ("torch", "IntStorage"),
    ("torch", "ShortStorage"),
    ("torch", "CharStorage"),
    ("torch", "ByteStorage"),
    ("torch", "BoolStorage"),
];

/// What PaddleClas `.pdparams` may name: numpy arrays (numpy 1 and 2 module names).
const PADDLE_GLOBALS: Whitelist = &[
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
    ("collections", "OrderedDict"),
];

/// Checks every pickle of a PyTorch file against the whitelist, then reads its tensors with
/// burn-store's PyTorch reader (which would keep unknown globals as opaque values instead of
/// refusing them).
fn read_torch(path: &Path, format: FileFormat) -> Result<StateDict, WeightsError> {
    match format {
        FileFormat::TorchZip => check_torch_zip(path)?,
        _ => check_torch_legacy(path)?,
    }
    let reader = PytorchReader::new(path).map_err(|error| {
        format_error(path, format!("not a readable PyTorch checkpoint: {error}"))
    })?;
    let mut state = StateDict::default();
    for (name, tensor) in reader.into_tensors() {
        let dtype = match tensor.dtype() {
            pytorch_reader::DType::F32 => ElementType::F32,
            pytorch_reader::DType::F64 => ElementType::F64,
            pytorch_reader::DType::F16 => ElementType::F16,
            pytorch_reader::DType::BF16 => ElementType::BF16,
            other => {
                state.skip_integer(path, &name, &format!("{other:?}"))?;
                continue;
            }
        };
        let bytes = tensor
            .read()
            .map_err(|error| io_error(path, format!("cannot read tensor '{name}': {error}")))?;
        let shape = tensor.shape().to_vec();
        state.insert(path, &name, shape, dtype.decode(&bytes, false))?;
    }
    Ok(state)
}

fn check_torch_zip(path: &Path) -> Result<(), WeightsError> {
    let file = File::open(path).map_err(|error| io_error(path, error.to_string()))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|error| format_error(path, format!("not a readable zip archive: {error}")))?;
    let name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|name| name == "data.pkl" || name.ends_with("/data.pkl"))
        .map(|name| name.into_owned())
        .ok_or_else(|| format_error(path, "a zip archive without data.pkl: not a PyTorch file"))?;
    let mut entry = archive
        .by_name(&name)
        .map_err(|error| format_error(path, format!("{name}: {error}")))?;
    if entry.size() > pytorch_reader::MAX_PICKLE_SIZE {
        return Err(format_error(path, format!("{name} is too large")));
    }
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|error| io_error(path, format!("{name}: {error}")))?;
    pickle::read(&bytes, TORCH_GLOBALS).map_err(|error| format_error(path, error.to_string()))?;
    Ok(())
}

/// The legacy format opens with five pickles: magic number, protocol version, system
/// information, the saved object and the storage keys.
fn check_torch_legacy(path: &Path) -> Result<(), WeightsError> {
    const PICKLES: usize = 5;
    let bytes = std::fs::read(path).map_err(|error| io_error(path, error.to_string()))?;
    let mut offset = 0;
    for _ in 0..PICKLES {
        let (_, consumed) = pickle::read(&bytes[offset..], TORCH_GLOBALS)
            .map_err(|error| format_error(path, error.to_string()))?;
        offset += consumed;
    }
    Ok(())
}

fn read_pdparams(path: &Path) -> Result<StateDict, WeightsError> {
    let bytes = std::fs::read(path).map_err(|error| io_error(path, error.to_string()))?;
    let (pickle, _) = pickle::read(&bytes, PADDLE_GLOBALS)
        .map_err(|error| format_error(path, error.to_string()))?;
    let Object::Dict(entries) = pickle.get(pickle.root) else {
        return Err(format_error(
            path,
            "the pickle does not hold a dict of arrays",
        ));
    };
    let mut state = StateDict::default();
    for &(key, value) in entries {
        let name = pickle
            .str(key)
            .ok_or_else(|| format_error(path, "a dict key is not a string"))?;
        if name == PADDLE_NAME_TABLE {
            state.skipped.push(name.to_string());
            continue;
        }
        state.insert_array(path, name, &pickle, value)?;
    }
    Ok(state)
}

/// Element types that convert to float32.
#[derive(Debug, Clone, Copy)]
enum ElementType {
    F32,
    F64,
    F16,
    BF16,
}

impl ElementType {
    fn from_numpy(code: &str) -> Option<Self> {
        match code {
            "f4" => Some(Self::F32),
            "f8" => Some(Self::F64),
            "f2" => Some(Self::F16),
            _ => None,
        }
    }

    fn size(self) -> usize {
        match self {
            Self::F32 => 4,
            Self::F64 => 8,
            Self::F16 | Self::BF16 => 2,
        }
    }

    /// Decodes little-endian (or, with `big_endian`, big-endian) elements to float32.
    fn decode(self, bytes: &[u8], big_endian: bool) -> Vec<f32> {
        bytes
            .chunks_exact(self.size())
            .map(|chunk| self.decode_one(chunk, big_endian))
            .collect()
    }

    fn decode_one(self, chunk: &[u8], big_endian: bool) -> f32 {
        let mut bytes = [0u8; 8];
        bytes[..chunk.len()].copy_from_slice(chunk);
        if big_endian {
            bytes[..chunk.len()].reverse();
        }
        let bits16 = u16::from_le_bytes([bytes[0], bytes[1]]);
        match self {
            Self::F32 => f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            Self::F64 => f64::from_le_bytes(bytes) as f32,
            Self::F16 => half::f16::from_bits(bits16).to_f32(),
            Self::BF16 => half::bf16::from_bits(bits16).to_f32(),
        }
    }
}

impl StateDict {
    fn insert(
        &mut self,
        path: &Path,
        name: &str,
        shape: Vec<usize>,
        values: Vec<f32>,
    ) -> Result<(), WeightsError> {
        if shape.iter().product::<usize>() != values.len() {
            return Err(format_error(
                path,
                format!(
                    "tensor '{name}' has shape {shape:?} but {} values",
                    values.len()
                ),
            ));
        }
        if self
            .tensors
            .insert(name.to_string(), SourceTensor { shape, values })
            .is_some()
        {
            return Err(format_error(path, format!("tensor '{name}' appears twice")));
        }
        Ok(())
    }

    fn skip_integer(&mut self, path: &Path, name: &str, dtype: &str) -> Result<(), WeightsError> {
        if SKIPPED_INTEGER_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix))
        {
            self.skipped.push(name.to_string());
            Ok(())
        } else {
            Err(format_error(
                path,
                format!("tensor '{name}' has element type {dtype}; weights must be floating point"),
            ))
        }
    }

    fn insert_array(
        &mut self,
        path: &Path,
        name: &str,
        pickle: &Pickle,
        value: usize,
    ) -> Result<(), WeightsError> {
        let Object::Array(array) = pickle.get(value) else {
            return Err(format_error(
                path,
                format!("entry '{name}' is not a numpy array"),
            ));
        };
        let Some(dtype) = ElementType::from_numpy(&array.dtype) else {
            return self.skip_integer(path, name, &array.dtype);
        };
        if array.fortran_order && array.shape.len() > 1 {
            return Err(format_error(
                path,
                format!("array '{name}' is in Fortran order, which is not supported"),
            ));
        }
        let expected = array.shape.iter().product::<usize>() * dtype.size();
        if array.data.len() != expected {
            return Err(format_error(
                path,
                format!(
                    "array '{name}' of shape {:?} holds {} bytes, expected {expected}",
                    array.shape,
                    array.data.len()
                ),
            ));
        }
        let values = dtype.decode(&array.data, array.byte_order == '>');
        self.insert(path, name, array.shape.clone(), values)
    }
}

#[cfg(test)]
mod tests {
    use super::ElementType;

    #[test]
    fn elements_decode_to_float32_in_either_byte_order() {
        let little: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let big: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        assert_eq!(ElementType::F32.decode(&little, false), [1.5, -2.0]);
        assert_eq!(ElementType::F32.decode(&big, true), [1.5, -2.0]);
        let double: Vec<u8> = 0.25f64.to_le_bytes().to_vec();
        assert_eq!(ElementType::F64.decode(&double, false), [0.25]);
        let f16 = half::f16::from_f32(0.5).to_bits().to_le_bytes();
        assert_eq!(ElementType::F16.decode(&f16, false), [0.5]);
        let bf16 = half::bf16::from_f32(-3.0).to_bits().to_be_bytes();
        assert_eq!(ElementType::BF16.decode(&bf16, true), [-3.0]);
    }
}
