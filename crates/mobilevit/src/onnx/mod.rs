//! ONNX export: the inference graph of a [`MobileVit`], written with the ONNX protobuf
//! messages of the `onnx-protobuf` crate (Burn 0.22 imports ONNX but cannot export it).
//!
//! The graph takes `images: float32[batch, 3, H, W]` (batch symbolic, `H x W` fixed at export)
//! and returns `logits: float32[batch, num_classes]`. BatchNorm stays a node with the running
//! statistics (runtimes fold it into the convolution); LayerNorm is `LayerNormalization`, so
//! the opset is at least 17.

mod blocks;
mod graph;

use std::path::Path;

use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::tensor_shape_proto::{Dimension, dimension};
use onnx_protobuf::type_proto::{self, Value};
use onnx_protobuf::{
    GraphProto, Message, ModelProto, OperatorSetIdProto, StringStringEntryProto, TensorShapeProto,
    TypeProto, ValueInfoProto,
};

use crate::error::{ModelError, WeightsError};
use crate::model::{MobileVit, StageBlock};
use blocks::Map;
use graph::GraphBuilder;

/// Lowest opset the graph can be written in (`LayerNormalization`).
pub const MIN_OPSET: i64 = 17;
/// Highest opset offered (what onnxruntime 1.2x reads).
pub const MAX_OPSET: i64 = 21;
/// Default opset.
pub const DEFAULT_OPSET: i64 = 17;
/// Name of the graph's input.
pub const INPUT_NAME: &str = "images";
/// Name of the graph's output.
pub const OUTPUT_NAME: &str = "logits";

/// What to export.
#[derive(Debug, Clone)]
pub struct OnnxOptions {
    /// ONNX opset, [`MIN_OPSET`] to [`MAX_OPSET`].
    pub opset: i64,
    /// Input height and width (the batch is left symbolic).
    pub image_size: [usize; 2],
    /// `metadata_props` of the model: the preprocessing contract and anything else to carry.
    pub metadata: Vec<(String, String)>,
}

impl Default for OnnxOptions {
    fn default() -> Self {
        Self {
            opset: DEFAULT_OPSET,
            image_size: [256, 256],
            metadata: Vec::new(),
        }
    }
}

/// The serialized ONNX model of `model` (in inference mode).
pub fn export_onnx(model: &MobileVit, options: &OnnxOptions) -> Result<Vec<u8>, ModelError> {
    check(options)?;
    let mut g = GraphBuilder::default();
    let [height, width] = options.image_size;
    let input = Map {
        name: INPUT_NAME.to_string(),
        channels: crate::model::IN_CHANNELS,
        size: [height, width],
    };
    let mut x = blocks::conv_norm_act(&mut g, "stem", &model.stem, &input)?;
    for (stage_index, stage) in model.stages.iter().enumerate() {
        for (block_index, block) in stage.iter().enumerate() {
            let path = format!("stages.{stage_index}.{block_index}");
            x = match block {
                StageBlock::InvertedResidual(block) => {
                    blocks::inverted_residual(&mut g, &path, block, &x)?
                }
                StageBlock::MobileVit(block) => {
                    blocks::mobilevit_block(&mut g, &path, block, model.config.final_norm_eps, &x)?
                }
                StageBlock::MobileVitV2(block) => {
                    blocks::mobilevit_v2_block(&mut g, &path, block, &x)?
                }
                StageBlock::MobileVitV3(block) => {
                    blocks::mobilevit_v3_block(&mut g, &path, block, &x)?
                }
            };
        }
    }
    let x = match &model.final_conv {
        Some(final_conv) => blocks::conv_norm_act(&mut g, "final_conv", final_conv, &x)?,
        None => x,
    };
    blocks::head(&mut g, &model.head, &x)?;
    g.rename_last_output(OUTPUT_NAME);

    let graph = GraphProto {
        name: format!("{}", model.config.variant),
        node: g.nodes,
        initializer: g.initializers,
        input: vec![tensor_info(
            INPUT_NAME,
            &[None, Some(3), Some(height), Some(width)],
        )],
        output: vec![tensor_info(OUTPUT_NAME, &[None, Some(model.num_classes())])],
        ..Default::default()
    };
    let mut metadata = vec![
        (
            "mobilevit.variant".to_string(),
            model.config.variant.to_string(),
        ),
        (
            "mobilevit.num_classes".to_string(),
            model.num_classes().to_string(),
        ),
        (
            "mobilevit.fold_resize".to_string(),
            format!("{:?}", model.config.fold_resize).to_lowercase(),
        ),
    ];
    metadata.extend(options.metadata.iter().cloned());
    let proto = ModelProto {
        ir_version: ir_version(options.opset),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: options.opset,
            ..Default::default()
        }],
        producer_name: "mobilevit-rs".to_string(),
        producer_version: env!("CARGO_PKG_VERSION").to_string(),
        doc_string: format!(
            "{} image classifier, input {height}x{width}",
            model.config.variant
        ),
        graph: Some(graph).into(),
        metadata_props: metadata
            .into_iter()
            .map(|(key, value)| StringStringEntryProto {
                key,
                value,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    proto.write_to_bytes().map_err(|error| {
        ModelError::InvalidOption(format!("cannot encode the ONNX model: {error}"))
    })
}

/// Writes [`export_onnx`]'s model to `path` atomically.
pub fn save_onnx(
    model: &MobileVit,
    options: &OnnxOptions,
    path: &Path,
) -> Result<(), WeightsError> {
    let bytes = export_onnx(model, options)?;
    crate::weights::write_atomically(path, |temporary| {
        std::fs::write(temporary, &bytes).map_err(|error| error.to_string())
    })
}

fn check(options: &OnnxOptions) -> Result<(), ModelError> {
    if !(MIN_OPSET..=MAX_OPSET).contains(&options.opset) {
        return Err(ModelError::InvalidOption(format!(
            "opset {}: supported are {MIN_OPSET} to {MAX_OPSET} (LayerNormalization needs 17)",
            options.opset
        )));
    }
    let [height, width] = options.image_size;
    if height < 32 || width < 32 {
        return Err(ModelError::InvalidOption(format!(
            "image size {height}x{width}: at least 32x32"
        )));
    }
    Ok(())
}

/// The IR version of the ONNX release that introduced `opset`.
fn ir_version(opset: i64) -> i64 {
    match opset {
        ..=18 => 8,
        19..=20 => 9,
        _ => 10,
    }
}

/// A float32 tensor's name and shape; `None` is the symbolic batch.
fn tensor_info(name: &str, dims: &[Option<usize>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(size) => dimension::Value::DimValue(*size as i64),
                None => dimension::Value::DimParam("batch".to_string()),
            }),
            ..Default::default()
        })
        .collect();
    let tensor = type_proto::Tensor {
        elem_type: DataType::FLOAT as i32,
        shape: Some(TensorShapeProto {
            dim,
            ..Default::default()
        })
        .into(),
        ..Default::default()
    };
    ValueInfoProto {
        name: name.to_string(),
        type_: Some(TypeProto {
            value: Some(Value::TensorType(tensor)),
            ..Default::default()
        })
        .into(),
        ..Default::default()
    }
}
