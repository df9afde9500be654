//! Which format a weights file is in, from its first bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::WeightsError;

/// How a file is laid out, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// safetensors.
    Safetensors,
    /// `torch.save` since PyTorch 1.6: a zip archive holding `data.pkl`.
    TorchZip,
    /// `torch.save` before 1.6: pickles back to back, then storages.
    TorchLegacy,
    /// A plain pickle: PaddleClas `.pdparams`.
    Pickle,
    /// A mobilevit-rs burnpack checkpoint.
    Burnpack,
}

/// Bytes opening a legacy `torch.save` file (protocol 2: PROTO 2, LONG1 of 10 bytes).
pub(super) const TORCH_LEGACY_PREFIX: [u8; 4] = [0x80, 0x02, 0x8a, 0x0a];

/// The burnpack magic number ("BURN", little-endian).
const BURNPACK_MAGIC: u32 = burn_store::burn_pack::MAGIC_NUMBER;

pub(super) fn io_error(path: &Path, message: impl Into<String>) -> WeightsError {
    WeightsError::Io {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

pub(super) fn format_error(path: &Path, message: impl Into<String>) -> WeightsError {
    WeightsError::Format {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Tells the format from the first bytes of the file.
pub fn sniff(path: &Path) -> Result<FileFormat, WeightsError> {
    let mut head = [0u8; 16];
    let mut file = File::open(path).map_err(|error| io_error(path, error.to_string()))?;
    let read = file
        .read(&mut head)
        .map_err(|error| io_error(path, error.to_string()))?;
    let head = &head[..read];
    if head.starts_with(b"PK\x03\x04") {
        return Ok(FileFormat::TorchZip);
    }
    if head.starts_with(&TORCH_LEGACY_PREFIX) {
        return Ok(FileFormat::TorchLegacy);
    }
    if head.len() >= 4 && u32::from_le_bytes([head[0], head[1], head[2], head[3]]) == BURNPACK_MAGIC
    {
        return Ok(FileFormat::Burnpack);
    }
    // Safetensors before pickle: its 8-byte header length may well begin with 0x80 (a header
    // of 0x7980 bytes does), the byte a pickle starts with.
    if head.len() >= 9 && head[8] == b'{' {
        return Ok(FileFormat::Safetensors);
    }
    // PROTO opcode and a protocol version.
    if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        return Ok(FileFormat::Pickle);
    }
    Err(format_error(
        path,
        "not a weights file: expected safetensors, a PyTorch checkpoint (.pt/.pth/.bin), a \
         PaddleClas .pdparams or a mobilevit-rs .bpk",
    ))
}
