//! The preprocessing contract: what a model's weights expect of their input.
//!
//! Weights are trained on images decoded in one channel order, resized, cropped and normalised
//! in one way. A checkpoint records that as a [`Preprocessing`]; every consumer (prediction,
//! evaluation, serving, export, the preprocessing command) builds its pipeline from the record,
//! and where a user asks for another pipeline, [`Preprocessing::obey`] keeps the weights'
//! decode order and says so. This crate holds only the description (plain data, serde); the
//! data crate runs it on images, the model crate stores it in checkpoints.

mod channel_order;
mod pipeline;
mod preprocessing;
mod preset;

pub use channel_order::ChannelOrder;
pub use pipeline::{
    CropRule, ErasingFill, Interpolation, Pipeline, RandomErasing, ShortSideRule, Transform,
};
pub use preprocessing::{Adapted, PipelineOrigin, Preprocessing};
pub use preset::{EVAL_CROP, Preset};
