//! MobileViT v1 (Mehta & Rastegari, arXiv 2110.02178) for image classification on Burn.
//!
//! The model is the same function as the reference implementations (Apple ml-cvnets, timm,
//! HF transformers, PaddleClas): same parameters, same layout of every tensor, same logits on
//! the same weights. One code path serves every Burn backend.
//!
//! # Features
//!
//! - `flex` (default), `wgpu`, `cuda`: the backends compiled in.
//! - `convert` (default): reading timm, HF, ml-cvnets and PaddleClas files (pickle, zip,
//!   safetensors) and writing timm safetensors. Without it, only `.bpk` checkpoints load.
//! - `onnx` (default): ONNX export ([`onnx`]).
//! - `npy` (default): `.npy` tensor files ([`npy`]).
//!
//! With `default-features = false, features = ["flex"]` the crate depends on Burn and little
//! else: a program that runs a converted `.bpk` model needs nothing more.
//!
//! ```no_run
//! use burn::tensor::{Device, Distribution, Tensor};
//! use mobilevit::{MobileVitConfig, Variant};
//!
//! let device = Device::flex();
//! let model = MobileVitConfig::imagenet(Variant::Xxs).init(&device).unwrap();
//! let images = Tensor::<4>::random([2, 3, 256, 256], Distribution::Default, &device);
//! let logits = model.forward(images); // [2, 1000]
//! ```

pub mod blocks;
pub mod complexity;
pub mod compute_pool;
pub mod convert;
pub mod device;
pub mod error;
pub mod head;
pub mod model;
#[cfg(feature = "npy")]
pub mod npy;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod variant;
pub mod weights;

pub use complexity::{Cost, ModelCost, StageCost};
pub use compute_pool::{forward_sharded, on_compute_pool};
pub use convert::{
    ChannelOrder, LoadOptions, LoadedWeights, Source, WeightsInfo, load_weights, load_weights_bytes,
};
pub use device::check_device;
pub use error::{ModelError, WeightsError};
pub use model::{MobileVit, MobileVitConfig, ParameterCounts, StageBlock, StageBlockConfig};
pub use variant::Variant;
