//! The exponential moving average of a model's weights and BatchNorm statistics, as ml-cvnets
//! keeps it: `ema = decay * ema + (1 - decay) * model` after every optimizer step, over the
//! whole state (parameters and running statistics).

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::Tensor;
use mobilevit::MobileVit;

/// Every float tensor of a module by id, flattened.
struct Snapshot {
    tensors: HashMap<ParamId, Tensor<1>>,
}

impl ModuleVisitor for Snapshot {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val().detach();
        let count = tensor.shape().num_elements();
        self.tensors.insert(param.id, tensor.reshape([count]));
    }
}

struct Blend {
    source: HashMap<ParamId, Tensor<1>>,
    decay: f64,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(current) = self.source.remove(&param.id) else {
            return param;
        };
        let decay = self.decay;
        param.map(|average| {
            let dims = average.dims();
            let current = current.to_device(&average.device()).reshape(dims);
            average.mul_scalar(decay) + current.mul_scalar(1.0 - decay)
        })
    }
}

/// Blends `model` into `average` (both must come from the same model, so their parameter ids
/// match); returns the new average.
pub fn update(average: MobileVit, model: &MobileVit, decay: f64) -> MobileVit {
    let mut snapshot = Snapshot {
        tensors: HashMap::new(),
    };
    model.visit(&mut snapshot);
    average.map(&mut Blend {
        source: snapshot.tensors,
        decay,
    })
}

/// The decay at optimizer step `step` (0-based), with or without warmup.
pub fn decay_at(decay: f64, warmup: bool, step: usize) -> f64 {
    if warmup {
        decay.min((1.0 + step as f64) / (10.0 + step as f64))
    } else {
        decay
    }
}
