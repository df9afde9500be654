//! PaddleClas's config schema (`Global`, `Arch`, `Loss`, `Optimizer`, `DataLoader`, `Metric`,
//! `EMA`, `AMP`, `Infer`), read strictly: an unknown key, in the file or in an `-o` override, is
//! an error that names its path and suggests the nearest valid key.
//!
//! Keys PaddleClas has that mean nothing here (`use_visualdl`, `save_inference_dir`, ...) are
//! accepted, so PaddleClas's own files load; `docs/training.md` lists them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_norway::Value;

/// What can go wrong with a config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {message}")]
    Io {
        /// The config file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The YAML does not parse.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A value is unusable for what the config asks of it.
    #[error("{key}: {message}")]
    Invalid {
        /// Dotted path of the key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A dataset the config names could not be read.
    #[error(transparent)]
    Data(#[from] mobilevit_data::DataError),
    /// A key or value is wrong.
    #[error("{origin}: {key}: {message}")]
    Key {
        /// The file, or `-o` for an override.
        origin: String,
        /// Dotted path of the key.
        key: String,
        /// What is wrong, with a suggestion when there is one.
        message: String,
    },
}

/// `Global`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Global {
    /// A training checkpoint folder to resume from.
    #[serde(default)]
    pub checkpoints: Option<PathBuf>,
    /// Weights to start from (any convertible file).
    #[serde(default)]
    pub pretrained_model: Option<PathBuf>,
    /// Where checkpoints, metrics and the resolved config go.
    #[serde(default = "default_output_dir")]
    pub output_dir: PathBuf,
    /// `cpu`, `cuda` (or PaddleClas's `gpu`) or `wgpu`.
    #[serde(default = "default_device")]
    pub device: String,
    /// Device indices for data parallel training (`[0, 1, 2, 3]`); one device by default.
    #[serde(default)]
    pub devices: Option<Vec<usize>>,
    /// Recompute memory-bound activations in the backward pass instead of keeping them
    /// (Burn's balanced gradient checkpointing): less memory for some more time.
    #[serde(default)]
    pub gradient_checkpointing: bool,
    /// How the gradients of `devices` are summed every round: `gather` (copied to the first
    /// device; every backend) or `nccl` (NVIDIA's all-reduce between CUDA GPUs through Burn's
    /// collective; opt-in until it has run on real GPUs, see `docs/training.md`).
    #[serde(default)]
    pub gradient_reduction: GradientReduction,
    /// Epochs.
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    /// Save `latest` every this many epochs.
    #[serde(default = "one")]
    pub save_interval: usize,
    /// Also save every this many optimizer steps (0: only at epoch ends).
    #[serde(default)]
    pub save_step_interval: usize,
    /// Evaluate during training.
    #[serde(default = "yes")]
    pub eval_during_train: bool,
    /// Evaluate every this many epochs.
    #[serde(default = "one")]
    pub eval_interval: usize,
    /// Print a line every this many optimizer steps when not on a terminal.
    #[serde(default = "ten")]
    pub print_batch_step: usize,
    /// Seed of initialisation, shuffling, augmentation and dropout.
    #[serde(default)]
    pub seed: u64,
    /// The global batch the learning rates are given for (PaddleClas's MobileViT configs:
    /// "for 8 cards", 8 x 128).
    #[serde(default = "reference_batch")]
    pub lr_reference_batch_size: usize,
    /// The global batch the optimizer sees; defaults to `lr_reference_batch_size`. A different
    /// value scales every learning rate linearly.
    #[serde(default)]
    pub global_batch_size: Option<usize>,
    /// Accepted for PaddleClas compatibility; not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_visualdl: Option<Value>,
    /// Accepted for PaddleClas compatibility; the input size comes from the transforms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_shape: Option<Value>,
    /// Accepted for PaddleClas compatibility; not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_inference_dir: Option<Value>,
    /// Accepted for PaddleClas compatibility; not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_dali: Option<Value>,
    /// Accepted for PaddleClas compatibility; not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_static: Option<Value>,
}

/// `Global.gradient_reduction`: how data-parallel devices sum their gradients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GradientReduction {
    /// Each device's gradients are copied to the first device and summed there.
    #[default]
    Gather,
    /// NCCL's all-reduce sums them on every CUDA device at once.
    Nccl,
}

fn default_output_dir() -> PathBuf {
    PathBuf::from("./output/")
}
fn default_device() -> String {
    "cpu".into()
}
fn default_epochs() -> usize {
    300
}
fn one() -> usize {
    1
}
fn ten() -> usize {
    10
}
fn yes() -> bool {
    true
}
fn reference_batch() -> usize {
    1024
}

/// `Arch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arch {
    /// `MobileViT_XXS`, `MobileViT_XS` or `MobileViT_S` (timm names too).
    pub name: String,
    /// Classes.
    #[serde(default = "imagenet_classes")]
    pub class_num: usize,
    /// Weights to start from, for fine-tuning (any convertible file).
    #[serde(default)]
    pub pretrained: Option<PathBuf>,
    /// Transformer dropout; the variant's ml-cvnets value by default.
    #[serde(default)]
    pub dropout: Option<f64>,
    /// Classifier dropout; the variant's reference value by default (v1 0.1, v2 0).
    #[serde(default)]
    pub classifier_dropout: Option<f64>,
    /// BatchNorm running variances from the unbiased batch variance (`n / (n - 1)`), as PyTorch,
    /// and so timm's and ml-cvnets' recipes, compute them; by default the biased one, as Paddle
    /// and PaddleClas's recipe do.
    #[serde(default)]
    pub unbiased_running_var: bool,
    /// Train only the classifier for this many epochs (fine-tuning): the stem, stages and final
    /// 1x1 convolution run as in evaluation, so neither their weights nor their BatchNorm
    /// statistics change (and no dropout is applied in them).
    #[serde(default)]
    pub freeze_backbone_epochs: usize,
    /// The classifier's learning rate as a multiple of the schedule's (fine-tuning a new head
    /// faster than the pretrained backbone).
    #[serde(default = "unit_multiplier")]
    pub head_lr_mult: f64,
}

fn unit_multiplier() -> f64 {
    1.0
}

fn imagenet_classes() -> usize {
    1000
}

/// One loss term: `- CELoss: {weight: 1.0, epsilon: 0.1}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeLoss {
    /// Weight of the term.
    #[serde(default = "unit")]
    pub weight: f64,
    /// Label smoothing.
    #[serde(default)]
    pub epsilon: Option<f64>,
}

fn unit() -> f64 {
    1.0
}

/// A loss term by name, written as PaddleClas does: `- CELoss: {...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossTerm {
    /// Cross-entropy, optionally label-smoothed.
    #[serde(rename = "CELoss")]
    pub ce_loss: CeLoss,
}

/// `Loss`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Loss {
    /// Training loss terms.
    #[serde(rename = "Train")]
    pub train: Vec<LossTerm>,
    /// Evaluation loss terms.
    #[serde(rename = "Eval", default)]
    pub eval: Option<Vec<LossTerm>>,
}

/// `Optimizer.lr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LearningRateConfig {
    /// `Cosine` (cosine decay per iteration after a linear warmup).
    pub name: String,
    /// Peak learning rate at `Global.lr_reference_batch_size`.
    pub learning_rate: f64,
    /// Final learning rate.
    #[serde(default)]
    pub eta_min: f64,
    /// Warmup epochs.
    #[serde(default)]
    pub warmup_epoch: f64,
    /// Learning rate at the start of the warmup.
    #[serde(default)]
    pub warmup_start_lr: f64,
    /// Accepted for PaddleClas compatibility: the schedule is always per iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_epoch: Option<Value>,
}

/// `Optimizer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    /// `AdamW`.
    pub name: String,
    /// First moment decay.
    #[serde(default = "beta1")]
    pub beta1: f64,
    /// Second moment decay.
    #[serde(default = "beta2")]
    pub beta2: f64,
    /// Denominator epsilon (PyTorch's and PaddleClas's 1e-8, not Burn's 1e-5).
    #[serde(default = "adam_epsilon")]
    pub epsilon: f64,
    /// Decoupled weight decay.
    #[serde(default)]
    pub weight_decay: f64,
    /// Space-separated substrings of parameter paths that get no weight decay.
    #[serde(default)]
    pub no_weight_decay_name: Option<String>,
    /// No weight decay on one-dimensional parameters (biases, norms).
    #[serde(default)]
    pub one_dim_param_no_weight_decay: bool,
    /// Clip each parameter's gradient to this L2 norm before the step (PaddleClas's
    /// `ClipGradByNorm`: per tensor, not over all of them; MobileViTV2's recipe uses 10).
    #[serde(default)]
    pub clip_norm: Option<f64>,
    /// The schedule.
    pub lr: LearningRateConfig,
}

fn beta1() -> f64 {
    0.9
}
fn beta2() -> f64 {
    0.999
}
fn adam_epsilon() -> f64 {
    1e-8
}

/// `DataLoader.<split>.dataset`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// `ImageNetDataset` (a PaddleClas list file, or class folders).
    pub name: String,
    /// Folder the list's paths are relative to; without a list, the folder holding one
    /// sub-folder of images per class (`root/<class>/*.jpg`, as torchvision's `ImageFolder`),
    /// classes numbered in sorted order of their folder names.
    pub image_root: PathBuf,
    /// The list file (`path label` per line); absent for class folders.
    #[serde(default)]
    pub cls_label_path: Option<PathBuf>,
    /// Separator of path and label in the list.
    #[serde(default = "space")]
    pub delimiter: String,
    /// Transforms.
    pub transform_ops: Value,
    /// Batch transforms (PaddleClas's `OpSampler` of `MixupOperator` and `CutmixOperator`, or
    /// one of them alone), applied to each device's batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_transform_ops: Option<Value>,
    /// What to do with unreadable images: `skip` (count and report) or `fail`.
    #[serde(default)]
    pub corrupt_images: mobilevit_data::CorruptImages,
}

fn space() -> String {
    " ".into()
}

/// `DataLoader.<split>.sampler`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamplerConfig {
    /// `DistributedBatchSampler`, `MultiScaleSampler` (PaddleClas's rule) or
    /// `VariableBatchSampler` (ml-cvnets' rule).
    pub name: String,
    /// Per-device batch size (for the multi-scale samplers: at the base size).
    #[serde(default)]
    pub batch_size: Option<usize>,
    /// Drop the last incomplete step.
    #[serde(default)]
    pub drop_last: bool,
    /// Shuffle every epoch.
    #[serde(default)]
    pub shuffle: bool,
    /// `MultiScaleSampler`: sizes, the first being the base.
    #[serde(default)]
    pub scales: Option<Vec<usize>>,
    /// `MultiScaleSampler`: batch size at the first size.
    #[serde(default)]
    pub first_bs: Option<usize>,
    /// Sizes are made divisible by this.
    #[serde(default)]
    pub divided_factor: Option<usize>,
    /// `VariableBatchSampler`: `[min, max]` size.
    #[serde(default)]
    pub size_range: Option<[usize; 2]>,
    /// `VariableBatchSampler`: number of sizes.
    #[serde(default)]
    pub n_scales: Option<usize>,
    /// `VariableBatchSampler`: `v0.1` (never below the base batch) or `head`.
    #[serde(default)]
    pub rule: Option<mobilevit_data::CvnetsRule>,
    /// Accepted for PaddleClas compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_training: Option<Value>,
}

/// `DataLoader.<split>.loader`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoaderSettings {
    /// Decode and augment threads.
    #[serde(default = "workers")]
    pub num_workers: usize,
    /// Finished batches kept ready.
    #[serde(default = "prefetch")]
    pub prefetch: usize,
    /// Accepted for PaddleClas compatibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_shared_memory: Option<Value>,
}

fn workers() -> usize {
    2
}
fn prefetch() -> usize {
    2
}

impl Default for LoaderSettings {
    fn default() -> Self {
        Self {
            num_workers: workers(),
            prefetch: prefetch(),
            use_shared_memory: None,
        }
    }
}

/// `DataLoader.Train` or `DataLoader.Eval`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitConfig {
    /// The dataset.
    pub dataset: DatasetConfig,
    /// Batching.
    pub sampler: SamplerConfig,
    /// Workers.
    #[serde(default)]
    pub loader: LoaderSettings,
}

/// `DataLoader`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataLoaderConfig {
    /// Training data.
    #[serde(rename = "Train")]
    pub train: SplitConfig,
    /// Evaluation data.
    #[serde(rename = "Eval", default)]
    pub eval: Option<SplitConfig>,
}

/// `EMA`: an exponential moving average of the weights (and BatchNorm statistics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmaConfig {
    /// `ema = decay * ema + (1 - decay) * model` after every optimizer step (ml-cvnets:
    /// momentum 0.0005, so 0.9995).
    #[serde(default = "ema_decay")]
    pub decay: f64,
    /// Use `min(decay, (1 + t) / (10 + t))` at step `t` (timm's `ModelEmaV3` warmup), so that
    /// short runs are not dominated by the initial weights. ml-cvnets does not.
    #[serde(default)]
    pub warmup: bool,
}

fn ema_decay() -> f64 {
    0.9995
}

/// `AMP`: accepted for PaddleClas compatibility; training runs in float32 (with a notice when
/// `use_amp` asks for mixed precision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmpConfig {
    /// Mixed precision: not implemented, so `true` trains in float32 after a notice.
    #[serde(default)]
    pub use_amp: bool,
    /// Accepted, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_fp16_test: Option<Value>,
    /// Accepted, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_loss: Option<Value>,
    /// Accepted, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_dynamic_loss_scaling: Option<Value>,
    /// Accepted, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_promote: Option<Value>,
    /// Accepted, not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Value>,
}

/// The whole config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `Global`.
    #[serde(rename = "Global")]
    pub global: Global,
    /// `AMP`.
    #[serde(rename = "AMP", default)]
    pub amp: Option<AmpConfig>,
    /// `Arch`.
    #[serde(rename = "Arch")]
    pub arch: Arch,
    /// `Loss`.
    #[serde(rename = "Loss")]
    pub loss: Loss,
    /// `Optimizer`.
    #[serde(rename = "Optimizer")]
    pub optimizer: OptimizerConfig,
    /// `DataLoader`.
    #[serde(rename = "DataLoader")]
    pub data_loader: DataLoaderConfig,
    /// `Metric` (top-1 and top-5 are always reported).
    #[serde(rename = "Metric", default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Value>,
    /// `EMA`.
    #[serde(rename = "EMA", default)]
    pub ema: Option<EmaConfig>,
    /// `Infer`: what `predict -c` classifies and how (PaddleClas's `tools/infer.py`).
    #[serde(rename = "Infer", default, skip_serializing_if = "Option::is_none")]
    pub infer: Option<InferConfig>,
}

/// `Infer`, as PaddleClas's `tools/infer.py` reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferConfig {
    /// An image file or a folder of images.
    #[serde(default)]
    pub infer_imgs: Option<PathBuf>,
    /// Images per forward pass.
    #[serde(default = "one")]
    pub batch_size: usize,
    /// The preprocessing, as `transform_ops`.
    pub transforms: Value,
    /// What to print.
    #[serde(rename = "PostProcess", default)]
    pub post_process: Option<PostProcess>,
}

/// `Infer.PostProcess`: PaddleClas's `Topk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostProcess {
    /// `Topk`.
    pub name: String,
    /// Classes shown per image.
    #[serde(default = "five")]
    pub topk: usize,
    /// Class names (`id name` per line).
    #[serde(default)]
    pub class_id_map_file: Option<PathBuf>,
    /// Separator of id and name in the class map; accepted for PaddleClas compatibility (the
    /// first space separates them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<Value>,
}

fn five() -> usize {
    5
}

impl Config {
    /// Reads a config file and applies `Key.path=value` overrides.
    pub fn load(path: &Path, overrides: &[String]) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        let mut value: Value = serde_norway::from_str(&text).map_err(|error| {
            let location = error.location();
            ConfigError::Syntax {
                path: path.to_path_buf(),
                line: location.as_ref().map_or(0, |l| l.line()),
                column: location.as_ref().map_or(0, |l| l.column()),
                message: error.to_string(),
            }
        })?;
        for item in overrides {
            apply_override(&mut value, item)?;
        }
        let origin = path.display().to_string();
        from_value(value, &origin, overrides)
    }

    /// The config as YAML, as it was resolved (defaults filled, overrides applied).
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(self).unwrap_or_default()
    }
}

fn from_value(value: Value, origin: &str, overrides: &[String]) -> Result<Config, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let key = error.path().to_string();
        let message = error.inner().to_string();
        let message = with_suggestion(&message);
        // An override that introduced the bad key is the more useful place to point at.
        let origin = overrides
            .iter()
            .find(|item| {
                item.split('=')
                    .next()
                    .is_some_and(|k| key.starts_with(k.trim()) || k.trim().starts_with(&key))
            })
            .map_or_else(|| origin.to_string(), |item| format!("-o {item}"));
        ConfigError::Key {
            origin,
            key,
            message,
        }
    })
}

/// `Global` keys of the TCP exchange that MPI replaced.
const REMOVED_NODE_KEYS: [&str; 4] = ["nodes", "node_rank", "master_addr", "node_timeout"];

/// serde's "unknown field `x`, expected one of `a`, `b`" with "did you mean `a`?" added, or
/// what replaced a removed key.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    if REMOVED_NODE_KEYS.contains(&unknown) {
        return format!(
            "'{unknown}' was removed: training across machines runs on MPI, one process per \
             rank, e.g. `mpirun -np 2 mobilevit train -c CONFIG` with a build that has \
             `--features mpi` (docs/training.md, \"Several machines\")"
        );
    }
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match nearest(unknown, &candidates) {
        Some(best) => format!("unknown key '{unknown}'; did you mean '{best}'? ({message})"),
        None => format!("unknown key '{unknown}' ({message})"),
    }
}

/// The candidate closest to `word`, if any is reasonably close.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| {
            let score = strsim::normalized_damerau_levenshtein(
                &word.to_ascii_lowercase(),
                &candidate.to_ascii_lowercase(),
            );
            (score, *candidate)
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// Applies `A.b.c=value` (the value parsed as YAML) to the config tree. Intermediate keys must
/// exist; the last may be new (the schema check then judges it).
fn apply_override(root: &mut Value, item: &str) -> Result<(), ConfigError> {
    let key_error = |key: &str, message: String| ConfigError::Key {
        origin: format!("-o {item}"),
        key: key.to_string(),
        message,
    };
    let Some((key, raw)) = item.split_once('=') else {
        return Err(key_error(item, "expected Key.path=value".into()));
    };
    let key = key.trim();
    let value: Value =
        serde_norway::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    let parts: Vec<&str> = key.split('.').collect();
    let mut node = root;
    for (depth, part) in parts.iter().enumerate() {
        let path = parts[..=depth].join(".");
        let last = depth + 1 == parts.len();
        let map = match node {
            Value::Mapping(map) => map,
            _ => return Err(key_error(&path, "is not a mapping".into())),
        };
        let exists = map.contains_key(*part);
        if last {
            map.insert(Value::String((*part).to_string()), value);
            return Ok(());
        }
        if !exists {
            let keys: Vec<&str> = map.keys().filter_map(Value::as_str).collect();
            let hint = nearest(part, &keys)
                .map(|best| {
                    format!(
                        "; did you mean '{}'?",
                        parts[..depth]
                            .iter()
                            .chain([&best])
                            .copied()
                            .collect::<Vec<_>>()
                            .join(".")
                    )
                })
                .unwrap_or_default();
            return Err(key_error(&path, format!("no such key in the config{hint}")));
        }
        node = map.get_mut(*part).expect("checked above");
    }
    Ok(())
}
