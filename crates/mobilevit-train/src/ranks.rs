//! Training in several processes, one per MPI rank: what the ranks exchange, on any
//! collective transport.
//!
//! [`Collective`] is the four operations the trainer needs from the transport; `crate::mpi`
//! implements it on MPI (the `mpi` feature), the engine clusters already run (mpirun, Slurm's
//! `srun`, the Kubernetes MPI Operator). [`RankGroup`] builds the exchange on it:
//!
//! - at the start every rank's resolved config (and device count) is gathered and compared on
//!   every rank, so a mismatch stops all of them with the same message naming the setting;
//! - rank 0 decides whether the run resumes and sends its checkpoint's files to the others,
//!   so every rank loads the same checkpoint; a fresh run takes rank 0's initial weights and
//!   BatchNorm statistics;
//! - after the micro-batches of each optimizer step one sum of the gradients (staged through
//!   host memory, in module order) and one of the step's tally (losses, images, whether some
//!   rank was asked to stop); every rank then takes the same optimizer step.
//!
//! Only rank 0 evaluates and writes files (metrics, weights, checkpoints).

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit::model::is_running_statistic;
use mobilevit_config::Config;

use crate::error::TrainError;

/// The collective operations of a group of processes, in rank order. Every rank calls each
/// operation in the same order with buffers of the same length (where a length is given).
pub trait Collective {
    /// This process's rank, `0..size`.
    fn rank(&self) -> usize;
    /// Processes in the group.
    fn size(&self) -> usize;
    /// This process's position among the ranks on its own machine.
    fn local_rank(&self) -> usize;
    /// Ends every process of the group at once, with `code`: a rank that fails must not
    /// leave the others waiting in a collective.
    fn abort(&self, code: i32) -> !;
    /// Sums `values` element-wise over the ranks; every rank gets the sum.
    fn sum_f32(&self, values: &mut [f32]) -> Result<(), TrainError>;
    /// Sums `values` element-wise over the ranks; every rank gets the sum.
    fn sum_f64(&self, values: &mut [f64]) -> Result<(), TrainError>;
    /// Rank 0's `bytes`, on every rank (any length).
    fn broadcast(&self, bytes: &mut Vec<u8>) -> Result<(), TrainError>;
    /// Every rank's `bytes` (any length), in rank order, on every rank.
    fn gather(&self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, TrainError>;
}

/// What a rank reports after the micro-batches of an optimizer step; summed over the ranks.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepTally {
    /// Sum of the micro-batch losses.
    pub loss_sum: f64,
    /// Micro-batches with a loss.
    pub losses: usize,
    /// Images trained on.
    pub images: usize,
    /// Whether some rank was asked to stop.
    pub stop: bool,
}

impl StepTally {
    fn to_scalars(self) -> [f64; 4] {
        [
            self.loss_sum,
            self.losses as f64,
            self.images as f64,
            f64::from(u8::from(self.stop)),
        ]
    }

    fn from_scalars(values: &[f64; 4]) -> Self {
        Self {
            loss_sum: values[0],
            losses: values[1] as usize,
            images: values[2] as usize,
            stop: values[3] != 0.0,
        }
    }
}

/// Two tallies together: sums, and a stop if either asks for one.
impl std::ops::Add for StepTally {
    type Output = Self;

    fn add(self, other: Self) -> Self {
        Self {
            loss_sum: self.loss_sum + other.loss_sum,
            losses: self.losses + other.losses,
            images: self.images + other.images,
            stop: self.stop || other.stop,
        }
    }
}

/// The ranks of a run, on a [`Collective`] transport.
pub struct RankGroup<'a> {
    transport: &'a dyn Collective,
}

/// The checkpoint files rank 0 sends to the others when the run resumes.
const CHECKPOINT_FILES: [&str; 4] = ["state.json", "model.bpk", "ema.bpk", "optimizer.bpk"];

impl<'a> RankGroup<'a> {
    /// The group over `transport`.
    pub fn new(transport: &'a dyn Collective) -> Self {
        Self { transport }
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.transport.rank()
    }

    /// Ranks in the run.
    pub fn size(&self) -> usize {
        self.transport.size()
    }

    /// Checks that every rank runs the same resolved config with the same number of devices;
    /// every rank sees every other's, so all of them stop with the same message.
    pub fn check_same_settings(&self, config: &Config, devices: usize) -> Result<(), TrainError> {
        let own = settings_json(config, devices)?;
        let all = self.transport.gather(own.to_string().as_bytes())?;
        let parsed: Vec<serde_json::Value> = all
            .iter()
            .map(|bytes| serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null))
            .collect();
        for (rank, theirs) in parsed.iter().enumerate().skip(1) {
            if let Some((key, mine, other)) = first_difference(&parsed[0], theirs, "") {
                return Err(TrainError::Ranks(format!(
                    "rank {rank} has {key} = {other} where rank 0 has {mine}: every rank must \
                     run the same config"
                )));
            }
        }
        Ok(())
    }

    /// Gives every rank rank 0's weights and BatchNorm statistics.
    pub fn share_weights(&self, model: MobileVit) -> Result<MobileVit, TrainError> {
        let values = model_values(&model, true);
        let mut bytes: Vec<u8> = bytemuck::cast_slice(&values).to_vec();
        self.transport.broadcast(&mut bytes)?;
        if self.rank() == 0 {
            return Ok(model);
        }
        load_weights(model, &bytemuck::pod_collect_to_vec::<u8, f32>(&bytes))
    }

    /// Rank 0's resume decision, with its checkpoint's files: rank 0 answers its own
    /// `checkpoint`; the others get the same files, written into `scratch`.
    pub fn share_checkpoint(
        &self,
        checkpoint: Option<std::path::PathBuf>,
        scratch: &std::path::Path,
    ) -> Result<Option<std::path::PathBuf>, TrainError> {
        let mut manifest = Vec::new();
        if self.rank() == 0
            && let Some(dir) = &checkpoint
        {
            let present: Vec<&str> = CHECKPOINT_FILES
                .into_iter()
                .filter(|name| dir.join(name).exists())
                .collect();
            manifest = present.join("\n").into_bytes();
            if manifest.is_empty() {
                manifest = b"\n".to_vec();
            }
        }
        self.transport.broadcast(&mut manifest)?;
        if manifest.is_empty() {
            return Ok(None);
        }
        let names: Vec<String> = String::from_utf8_lossy(&manifest)
            .lines()
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .collect();
        for name in &names {
            let mut bytes = match (self.rank(), &checkpoint) {
                (0, Some(dir)) => {
                    let path = dir.join(name);
                    std::fs::read(&path).map_err(|error| TrainError::io(&path, error))?
                }
                _ => Vec::new(),
            };
            self.transport.broadcast(&mut bytes)?;
            if self.rank() != 0 {
                let path = scratch.join(name);
                std::fs::write(&path, bytes).map_err(|error| TrainError::io(&path, error))?;
            }
        }
        Ok(Some(match self.rank() {
            0 => checkpoint.unwrap_or_default(),
            _ => scratch.to_path_buf(),
        }))
    }

    /// `model` with every BatchNorm running statistic averaged over the ranks: each rank
    /// updated them with its own micro-batches (`crate::batch_norm`), and the mean is the
    /// update one process accumulating all of the step's micro-batches makes.
    pub fn average_statistics(&self, model: MobileVit) -> Result<MobileVit, TrainError> {
        let statistics = model.running_statistics();
        let mut values: Vec<f32> = statistics
            .iter()
            .flat_map(|(_, tensor)| tensor_values(tensor.clone()))
            .collect();
        self.transport.sum_f32(&mut values)?;
        let size = self.size() as f32;
        let mut offset = 0;
        let averaged: crate::batch_norm::Statistics = statistics
            .into_iter()
            .map(|(id, tensor)| {
                let count = tensor.dims()[0];
                let mean: Vec<f32> = values[offset..offset + count]
                    .iter()
                    .map(|sum| sum / size)
                    .collect();
                offset += count;
                let device = tensor.device();
                (
                    id,
                    Tensor::from_data(TensorData::new(mean, [count]), &device),
                )
            })
            .collect();
        Ok(crate::batch_norm::write(model, &averaged))
    }

    /// Sums `grads` (keyed by `model`'s parameters; only those of `only` when the step
    /// updates only some) and `tally` over the ranks; every rank gets the same total.
    pub fn all_reduce(
        &self,
        model: &MobileVit,
        grads: GradientsParams,
        only: Option<&[ParamId]>,
        tally: StepTally,
    ) -> Result<(GradientsParams, StepTally), TrainError> {
        let mut values = flatten_gradients(model, &grads, only);
        self.transport.sum_f32(&mut values)?;
        let mut scalars = tally.to_scalars();
        self.transport.sum_f64(&mut scalars)?;
        Ok((
            unflatten_gradients(model, &values, only),
            StepTally::from_scalars(&scalars),
        ))
    }
}

/// What every rank must agree on: the resolved config and the devices per rank.
fn settings_json(config: &Config, devices: usize) -> Result<serde_json::Value, TrainError> {
    let mut value = serde_json::to_value(config)
        .map_err(|error| TrainError::Config(format!("the resolved config: {error}")))?;
    if let Some(object) = value.as_object_mut() {
        object.insert("devices per rank".into(), devices.into());
    }
    Ok(value)
}

/// The first dotted key where `a` and `b` differ, with both values.
fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    path: &str,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    let join = |key: &str| match path {
        "" => key.to_string(),
        _ => format!("{path}.{key}"),
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let (left, right) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                first_difference(left, right, &join(key))
            })
        }
        _ if a == b => None,
        _ => Some((path.to_string(), a.to_string(), b.to_string())),
    }
}

fn tensor_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_into_vec()
        .unwrap_or_default()
}

/// The model's values in module order: its parameters and, with `statistics`, its BatchNorm
/// running statistics.
pub fn model_values(model: &MobileVit, statistics: bool) -> Vec<f32> {
    struct Flatten {
        statistics: bool,
        field: Vec<String>,
        values: Vec<f32>,
    }
    impl ModuleVisitor for Flatten {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.field.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.field.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let statistic = self
                .field
                .last()
                .is_some_and(|field| is_running_statistic(field));
            if self.statistics || !statistic {
                self.values.extend(tensor_values(param.val()));
            }
        }
    }
    let mut flatten = Flatten {
        statistics,
        field: Vec::new(),
        values: Vec::new(),
    };
    model.visit(&mut flatten);
    flatten.values
}

/// `model` with the values [`model_values`] gave (statistics included), in the same order.
fn load_weights(model: MobileVit, values: &[f32]) -> Result<MobileVit, TrainError> {
    struct Load<'a> {
        values: &'a [f32],
        offset: usize,
        short: bool,
    }
    impl ModuleMapper for Load<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            param.map(|tensor| {
                let shape = tensor.shape();
                let count = shape.num_elements();
                let Some(slice) = self.values.get(self.offset..self.offset + count) else {
                    self.short = true;
                    return tensor;
                };
                self.offset += count;
                let loaded =
                    Tensor::from_data(TensorData::new(slice.to_vec(), shape), &tensor.device());
                if tensor.is_require_grad() {
                    loaded.require_grad()
                } else {
                    loaded
                }
            })
        }
    }
    let mut load = Load {
        values,
        offset: 0,
        short: false,
    };
    let model = model.map(&mut load);
    if load.short || load.offset != values.len() {
        return Err(TrainError::Ranks(format!(
            "rank 0 sent {} weight values, this rank's model has a different size",
            values.len()
        )));
    }
    Ok(model)
}

/// Whether `param` takes part in the step: a trainable parameter (not a BatchNorm
/// statistic), and one of `only` when the step updates only some.
fn in_step<const D: usize>(param: &Param<Tensor<D>>, only: Option<&[ParamId]>) -> bool {
    param.is_require_grad() && only.is_none_or(|ids| ids.contains(&param.id))
}

/// The gradient of every parameter in the step, in module order; zeros where this rank has
/// none (all of its micro-batches were unreadable), so that every rank sends the same layout.
fn flatten_gradients(
    model: &MobileVit,
    grads: &GradientsParams,
    only: Option<&[ParamId]>,
) -> Vec<f32> {
    struct Flatten<'a> {
        grads: &'a GradientsParams,
        only: Option<&'a [ParamId]>,
        values: Vec<f32>,
    }
    impl ModuleVisitor for Flatten<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !in_step(param, self.only) {
                return;
            }
            match self.grads.get::<D>(param.id) {
                Some(grad) => self.values.extend(tensor_values(grad)),
                None => {
                    let count = param.shape().num_elements();
                    self.values.extend(std::iter::repeat_n(0.0, count));
                }
            }
        }
    }
    let mut flatten = Flatten {
        grads,
        only,
        values: Vec::new(),
    };
    model.visit(&mut flatten);
    flatten.values
}

/// The gradients [`flatten_gradients`] laid out, on `model`'s devices.
fn unflatten_gradients(
    model: &MobileVit,
    values: &[f32],
    only: Option<&[ParamId]>,
) -> GradientsParams {
    struct Unflatten<'a> {
        grads: GradientsParams,
        only: Option<&'a [ParamId]>,
        values: &'a [f32],
        offset: usize,
    }
    impl ModuleVisitor for Unflatten<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if !in_step(param, self.only) {
                return;
            }
            let shape = param.shape();
            let count = shape.num_elements();
            let slice = &self.values[self.offset..self.offset + count];
            self.offset += count;
            let device = param.val().device();
            let summed = Tensor::from_data(TensorData::new(slice.to_vec(), shape), &device);
            self.grads.register::<D>(param.id, summed);
        }
    }
    let mut unflatten = Unflatten {
        grads: GradientsParams::new(),
        only,
        values,
        offset: 0,
    };
    model.visit(&mut unflatten);
    unflatten.grads
}
