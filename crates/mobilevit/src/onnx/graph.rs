//! A small builder over the ONNX protobuf messages: named initializers, nodes with generated
//! output names, and attribute constructors.

use burn::module::Param;
use burn::tensor::Tensor;
use onnx_protobuf::attribute_proto::AttributeType;
use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::{AttributeProto, NodeProto, TensorProto};

use crate::error::ModelError;

/// Nodes and initializers of one graph, in topological order.
#[derive(Default)]
pub(crate) struct GraphBuilder {
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
    outputs: usize,
}

impl GraphBuilder {
    /// A float initializer holding a parameter, named `name` (the module path).
    pub fn param<const D: usize>(
        &mut self,
        name: &str,
        param: &Param<Tensor<D>>,
    ) -> Result<String, ModelError> {
        self.tensor(name, param.val())
    }

    /// A float initializer holding a tensor (a BatchNorm running statistic).
    pub fn tensor<const D: usize>(
        &mut self,
        name: &str,
        tensor: Tensor<D>,
    ) -> Result<String, ModelError> {
        let dims = tensor.dims().map(|d| d as i64).to_vec();
        let values = tensor
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .map_err(|error| {
                ModelError::InvalidOption(format!("{name}: cannot read the tensor: {error:?}"))
            })?;
        Ok(self.floats(name, &values, &dims))
    }

    /// A float initializer.
    pub fn floats(&mut self, name: &str, values: &[f32], dims: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(name, DataType::FLOAT, raw, dims)
    }

    /// A 1-D int64 initializer (shapes, permutations, slice bounds).
    pub fn ints(&mut self, name: &str, values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(name, DataType::INT64, raw, &[values.len() as i64])
    }

    /// A scalar int64 initializer (a `Gather` index).
    pub fn int_scalar(&mut self, name: &str, value: i64) -> String {
        self.initializer(name, DataType::INT64, value.to_le_bytes().to_vec(), &[])
    }

    fn initializer(
        &mut self,
        name: &str,
        data_type: DataType,
        raw: Vec<u8>,
        dims: &[i64],
    ) -> String {
        self.initializers.push(TensorProto {
            name: name.to_string(),
            data_type: data_type as i32,
            dims: dims.to_vec(),
            raw_data: raw,
            ..Default::default()
        });
        name.to_string()
    }

    /// Appends a node with one output and returns the output's name.
    pub fn op(
        &mut self,
        op_type: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
    ) -> String {
        self.outputs += 1;
        let output = format!("{}_{}", op_type.to_lowercase(), self.outputs);
        self.nodes.push(NodeProto {
            name: output.clone(),
            op_type: op_type.to_string(),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.clone()],
            attribute: attributes,
            ..Default::default()
        });
        output
    }

    /// Renames the output of the last node (the graph's output).
    pub fn rename_last_output(&mut self, name: &str) {
        if let Some(node) = self.nodes.last_mut() {
            node.output = vec![name.to_string()];
        }
    }
}

/// An integer attribute.
pub(crate) fn int_attr(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.to_string(),
        type_: AttributeType::INT.into(),
        i: value,
        ..Default::default()
    }
}

/// A list-of-integers attribute.
pub(crate) fn ints_attr(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.to_string(),
        type_: AttributeType::INTS.into(),
        ints: values.to_vec(),
        ..Default::default()
    }
}

/// A float attribute.
pub(crate) fn float_attr(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        name: name.to_string(),
        type_: AttributeType::FLOAT.into(),
        f: value,
        ..Default::default()
    }
}

/// A string attribute.
pub(crate) fn string_attr(name: &str, value: &str) -> AttributeProto {
    AttributeProto {
        name: name.to_string(),
        type_: AttributeType::STRING.into(),
        s: value.as_bytes().to_vec(),
        ..Default::default()
    }
}
