//! PaddleClas's config schema (`Global`, `Arch`, `Loss`, `Optimizer`, `DataLoader`, `Metric`,
//! `EMA`, `AMP`, `Infer`), read strictly, and what a config describes beyond training: the
//! datasets, batch plans and pipelines of its splits, and its inference settings. Every
//! command reads configs through this crate (training, evaluation, prediction, export,
//! serving, preprocessing), so that a config means the same to each.

pub mod schema;
pub mod split;

pub use schema::{
    Arch, Config, ConfigError, DataLoaderConfig, DatasetConfig, EmaConfig, Global,
    GradientReduction, InferConfig, LossTerm, PostProcess, SamplerConfig, SplitConfig, nearest,
};
pub use split::{
    SplitData, SplitImages, build_split, build_split_from, decode_order, eval_preprocessing,
    infer_preprocessing, read_split_images, trained_preprocessing,
};
