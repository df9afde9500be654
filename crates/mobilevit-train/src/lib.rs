//! Training MobileViT with PaddleClas's recipe from PaddleClas-style YAML configs.

pub mod batch_norm;
pub mod batcher;
pub mod checkpoint;
pub mod ema;
pub mod error;
pub mod metrics;
#[cfg(feature = "mpi")]
pub mod mpi;
pub mod parallel;
pub mod plan;
pub mod ranks;
pub mod recipe;
pub mod trainer;

pub use batcher::{MobileVitBatch, MobileVitBatcher};
pub use error::TrainError;
pub use mobilevit_config::{Config, ConfigError, SplitImages};
pub use mobilevit_eval::EvalResult;
pub use plan::{LrSchedule, PlanError, PlanInputs, TrainingPlan};
pub use trainer::{
    Datasets, Outcome, PlainReporter, Reporter, StepProgress, train, train_with_datasets,
};
