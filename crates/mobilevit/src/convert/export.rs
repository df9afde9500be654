//! Writing a model as timm-named safetensors.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use burn_store::{BurnToPyTorchAdapter, ModuleSnapshot};
use safetensors::{Dtype, View};

use crate::error::WeightsError;
use crate::model::MobileVit;
use crate::weights::{WEIGHTS_KEY, write_atomically};

use super::WeightsInfo;

struct OwnedView {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl View for &OwnedView {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }

    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// Writes `model` with timm's names and PyTorch layouts, loadable by
/// `timm.create_model('mobilevit_*', num_classes=N).load_state_dict(...)`. BatchNorm step
/// counters, which the model does not keep, are written as 0.
pub fn save_timm_safetensors(
    model: &MobileVit,
    info: Option<&WeightsInfo>,
    path: &Path,
) -> Result<(), WeightsError> {
    let tensors = model.collect(None, Some(Box::new(BurnToPyTorchAdapter)), true);
    let mut views = Vec::with_capacity(tensors.len() * 2);
    for tensor in tensors {
        let name = tensor.name.clone();
        let shape = tensor.shape.as_slice().to_vec();
        let data = tensor.to_bytes().map_err(|error| WeightsError::Io {
            path: path.to_path_buf(),
            message: format!("cannot read tensor '{name}': {error}"),
        })?;
        if let Some(prefix) = name.strip_suffix("running_mean") {
            views.push((
                format!("{prefix}num_batches_tracked"),
                OwnedView {
                    dtype: Dtype::I64,
                    shape: Vec::new(),
                    data: 0i64.to_le_bytes().to_vec(),
                },
            ));
        }
        views.push((
            name,
            OwnedView {
                dtype: Dtype::F32,
                shape,
                data: data.to_vec(),
            },
        ));
    }
    let mut metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    if let Some(info) = info {
        let json = serde_json::to_string(info).map_err(|error| WeightsError::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        metadata.insert(WEIGHTS_KEY.to_string(), json);
    }
    write_atomically(path, |temporary| {
        let views = views.iter().map(|(name, view)| (name.as_str(), view));
        safetensors::serialize_to_file(views, Some(metadata.clone()), temporary)
            .map_err(|error| error.to_string())
    })
}
