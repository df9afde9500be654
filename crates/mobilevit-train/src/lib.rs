//! Training MobileViT with PaddleClas's recipe from PaddleClas-style YAML configs.

pub mod config;
pub mod plan;

pub use config::{Config, ConfigError};
pub use plan::{LrSchedule, PlanError, PlanInputs, TrainingPlan};
