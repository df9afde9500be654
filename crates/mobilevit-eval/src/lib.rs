//! Measuring and using a trained MobileViT: top-1/top-5 over a dataset, and top-k predictions
//! with class names.

pub mod classifier;
pub mod evaluate;
pub mod labels;
pub mod predict;

pub use classifier::{Classifier, ClassifierError, describe};
pub use evaluate::{EvalResult, EvalTally, evaluate, evaluate_tally, to_tensors, topk_hits};
pub use labels::{ClassNames, LabelError};
pub use predict::{Prediction, Scored, predict, top_k};
