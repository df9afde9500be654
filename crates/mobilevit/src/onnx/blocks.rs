//! Each block of the model as ONNX nodes, mirroring its `forward` op for op.
//!
//! The batch dimension stays symbolic: reshapes copy it (`0`) or infer it (`-1`), and the
//! resize of a MobileViT block builds its target shape from the input's. Every other size is
//! known from the export's image size.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, LayerNorm, Linear, PaddingConfig2d};

use super::graph::{GraphBuilder, float_attr, int_attr, ints_attr, string_attr};
use crate::blocks::attention::Attention;
use crate::blocks::conv_norm_act::ConvNormAct;
use crate::blocks::inverted_residual::InvertedResidual;
use crate::blocks::mlp::Mlp;
use crate::blocks::mobilevit_block::MobileVitBlock;
use crate::blocks::patches::{FoldResize, PatchGrid};
use crate::blocks::transformer_layer::{LAYER_NORM_EPS, TransformerLayer};
use crate::error::ModelError;
use crate::head::ClassifierHead;

/// A feature map flowing through the graph: its value name and its static `[C, H, W]`.
#[derive(Debug, Clone)]
pub(crate) struct Map {
    pub name: String,
    pub channels: usize,
    pub size: [usize; 2],
}

type Result<T> = std::result::Result<T, ModelError>;

/// `Conv` (no bias), with the output size worked out from the stride and padding.
fn conv(g: &mut GraphBuilder, path: &str, conv: &Conv2d, x: &Map) -> Result<Map> {
    let weight = g.param(&format!("{path}.weight"), &conv.weight)?;
    let [out_channels, _, kh, kw] = conv.weight.dims();
    let (top, left, bottom, right) = match conv.padding {
        PaddingConfig2d::Explicit(top, left, bottom, right) => (top, left, bottom, right),
        PaddingConfig2d::Valid => (0, 0, 0, 0),
        PaddingConfig2d::Same => (kh / 2, kw / 2, (kh - 1) / 2, (kw - 1) / 2),
    };
    let mut inputs = vec![x.name.as_str(), weight.as_str()];
    let bias = match &conv.bias {
        Some(bias) => Some(g.param(&format!("{path}.bias"), bias)?),
        None => None,
    };
    if let Some(bias) = &bias {
        inputs.push(bias);
    }
    let [sh, sw] = conv.stride;
    let name = g.op(
        "Conv",
        &inputs,
        vec![
            ints_attr("kernel_shape", &[kh as i64, kw as i64]),
            ints_attr("strides", &[sh as i64, sw as i64]),
            ints_attr(
                "pads",
                &[top as i64, left as i64, bottom as i64, right as i64],
            ),
            ints_attr("dilations", &conv.dilation.map(|d| d as i64)),
            int_attr("group", conv.groups as i64),
        ],
    );
    let out =
        |size: usize, pad: usize, kernel: usize, stride: usize| (size + pad - kernel) / stride + 1;
    Ok(Map {
        name,
        channels: out_channels,
        size: [
            out(x.size[0], top + bottom, kh, sh),
            out(x.size[1], left + right, kw, sw),
        ],
    })
}

/// `BatchNormalization` with the running statistics (inference).
fn batch_norm(g: &mut GraphBuilder, path: &str, bn: &BatchNorm, x: &str) -> Result<String> {
    let scale = g.param(&format!("{path}.weight"), &bn.gamma)?;
    let bias = g.param(&format!("{path}.bias"), &bn.beta)?;
    let mean = g.tensor(&format!("{path}.running_mean"), bn.running_mean.value())?;
    let var = g.tensor(&format!("{path}.running_var"), bn.running_var.value())?;
    Ok(g.op(
        "BatchNormalization",
        &[x, &scale, &bias, &mean, &var],
        vec![float_attr("epsilon", bn.epsilon as f32)],
    ))
}

/// `x * sigmoid(x)`.
fn silu(g: &mut GraphBuilder, x: &str) -> String {
    let gate = g.op("Sigmoid", &[x], vec![]);
    g.op("Mul", &[x, &gate], vec![])
}

/// Convolution, batch norm and (optionally) SiLU.
pub(crate) fn conv_norm_act(
    g: &mut GraphBuilder,
    path: &str,
    block: &ConvNormAct,
    x: &Map,
) -> Result<Map> {
    let mut y = conv(g, &format!("{path}.conv"), &block.conv, x)?;
    y.name = batch_norm(g, &format!("{path}.bn"), &block.bn, &y.name)?;
    if block.activation {
        y.name = silu(g, &y.name);
    }
    Ok(y)
}

/// Expansion, depthwise convolution, projection, and the residual when shapes allow.
pub(crate) fn inverted_residual(
    g: &mut GraphBuilder,
    path: &str,
    block: &InvertedResidual,
    x: &Map,
) -> Result<Map> {
    let y = conv_norm_act(g, &format!("{path}.conv1_1x1"), &block.conv1_1x1, x)?;
    let y = conv_norm_act(g, &format!("{path}.conv2_kxk"), &block.conv2_kxk, &y)?;
    let mut y = conv_norm_act(g, &format!("{path}.conv3_1x1"), &block.conv3_1x1, &y)?;
    if block.residual {
        y.name = g.op("Add", &[&y.name, &x.name], vec![]);
    }
    Ok(y)
}

/// `x @ W + b` over the last axis (`W` is stored `[in, out]`, as ONNX's `MatMul` wants).
fn linear(g: &mut GraphBuilder, path: &str, layer: &Linear, x: &str) -> Result<String> {
    let weight = g.param(&format!("{path}.weight"), &layer.weight)?;
    let mut y = g.op("MatMul", &[x, &weight], vec![]);
    if let Some(bias) = &layer.bias {
        let bias = g.param(&format!("{path}.bias"), bias)?;
        y = g.op("Add", &[&y, &bias], vec![]);
    }
    Ok(y)
}

/// `LayerNormalization` over the last axis.
fn layer_norm(
    g: &mut GraphBuilder,
    path: &str,
    norm: &LayerNorm,
    epsilon: f64,
    x: &str,
) -> Result<String> {
    let scale = g.param(&format!("{path}.weight"), &norm.gamma)?;
    let mut inputs = vec![x.to_string(), scale];
    if let Some(beta) = &norm.beta {
        inputs.push(g.param(&format!("{path}.bias"), beta)?);
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    Ok(g.op(
        "LayerNormalization",
        &inputs,
        vec![int_attr("axis", -1), float_attr("epsilon", epsilon as f32)],
    ))
}

/// Multi-head self-attention over `[S, N, d]` sequences.
fn attention(
    g: &mut GraphBuilder,
    path: &str,
    attn: &Attention,
    x: &str,
    dim: usize,
) -> Result<String> {
    let heads = attn.num_heads;
    let head_dim = dim / heads;
    let qkv = linear(g, &format!("{path}.qkv"), &attn.qkv, x)?;
    // [S, N, 3d] -> [S, N, 3, h, hd] -> [3, S, h, N, hd]
    let shape = g.ints(
        &format!("{path}.qkv_shape"),
        &[0, 0, 3, heads as i64, head_dim as i64],
    );
    let qkv = g.op("Reshape", &[&qkv, &shape], vec![]);
    let qkv = g.op(
        "Transpose",
        &[&qkv],
        vec![ints_attr("perm", &[2, 0, 3, 1, 4])],
    );
    let part = |index: i64, g: &mut GraphBuilder| {
        let index = g.int_scalar(&format!("{path}.part{index}"), index);
        g.op("Gather", &[&qkv, &index], vec![int_attr("axis", 0)])
    };
    let (query, key, value) = (part(0, g), part(1, g), part(2, g));
    let scale = g.floats(
        &format!("{path}.scale"),
        &[(head_dim as f32).powf(-0.5)],
        &[],
    );
    let query = g.op("Mul", &[&query, &scale], vec![]);
    let key_t = g.op("Transpose", &[&key], vec![ints_attr("perm", &[0, 1, 3, 2])]);
    let scores = g.op("MatMul", &[&query, &key_t], vec![]);
    let weights = g.op("Softmax", &[&scores], vec![int_attr("axis", -1)]);
    // [S, h, N, hd] -> [S, N, h, hd] -> [S, N, d]
    let context = g.op("MatMul", &[&weights, &value], vec![]);
    let context = g.op(
        "Transpose",
        &[&context],
        vec![ints_attr("perm", &[0, 2, 1, 3])],
    );
    let shape = g.ints(&format!("{path}.context_shape"), &[0, 0, dim as i64]);
    let context = g.op("Reshape", &[&context, &shape], vec![]);
    linear(g, &format!("{path}.proj"), &attn.proj, &context)
}

fn mlp(g: &mut GraphBuilder, path: &str, mlp: &Mlp, x: &str) -> Result<String> {
    let hidden = linear(g, &format!("{path}.fc1"), &mlp.fc1, x)?;
    let hidden = silu(g, &hidden);
    linear(g, &format!("{path}.fc2"), &mlp.fc2, &hidden)
}

/// Pre-norm attention and MLP, each with its residual.
fn transformer_layer(
    g: &mut GraphBuilder,
    path: &str,
    layer: &TransformerLayer,
    x: &str,
    dim: usize,
) -> Result<String> {
    let normed = layer_norm(g, &format!("{path}.norm1"), &layer.norm1, LAYER_NORM_EPS, x)?;
    let attended = attention(g, &format!("{path}.attn"), &layer.attn, &normed, dim)?;
    let x = g.op("Add", &[x, &attended], vec![]);
    let normed = layer_norm(
        g,
        &format!("{path}.norm2"),
        &layer.norm2,
        LAYER_NORM_EPS,
        &x,
    )?;
    let transformed = mlp(g, &format!("{path}.mlp"), &layer.mlp, &normed)?;
    Ok(g.op("Add", &[&x, &transformed], vec![]))
}

/// `Resize` of the spatial dimensions to `size` (nothing when it already has that size).
fn resize(g: &mut GraphBuilder, path: &str, x: &Map, size: [usize; 2], mode: FoldResize) -> Map {
    if x.size == size {
        return x.clone();
    }
    // sizes = concat(shape(x)[0:2], [H, W]): the batch stays symbolic.
    let shape = g.op("Shape", &[&x.name], vec![]);
    let (start, end) = (
        g.ints(&format!("{path}.lead_start"), &[0]),
        g.ints(&format!("{path}.lead_end"), &[2]),
    );
    let lead = g.op("Slice", &[&shape, &start, &end], vec![]);
    let spatial = g.ints(&format!("{path}.size"), &[size[0] as i64, size[1] as i64]);
    let sizes = g.op("Concat", &[&lead, &spatial], vec![int_attr("axis", 0)]);
    let attributes = match mode {
        // F.interpolate(mode="bilinear", align_corners=False), no antialiasing.
        FoldResize::Bilinear => vec![
            string_attr("mode", "linear"),
            string_attr("coordinate_transformation_mode", "pytorch_half_pixel"),
        ],
        // floor(dst * in / out), as F.interpolate's "nearest" (PaddleClas).
        FoldResize::Nearest => vec![
            string_attr("mode", "nearest"),
            string_attr("coordinate_transformation_mode", "asymmetric"),
            string_attr("nearest_mode", "floor"),
        ],
    };
    let name = g.op("Resize", &[&x.name, "", "", &sizes], attributes);
    Map {
        name,
        channels: x.channels,
        size,
    }
}

/// `[B, C, nh * ph, nw * pw]` -> `[B * P, N, C]`, as `patches::unfold`.
fn unfold(g: &mut GraphBuilder, path: &str, x: &Map, grid: PatchGrid) -> String {
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let c = x.channels as i64;
    // [B, C, nh, ph, nw, pw] -> [B, ph, pw, nh, nw, C] -> [B * P, N, C]
    let split = g.ints(
        &format!("{path}.unfold_split"),
        &[0, c, nh as i64, ph as i64, nw as i64, pw as i64],
    );
    let y = g.op("Reshape", &[&x.name, &split], vec![]);
    let y = g.op(
        "Transpose",
        &[&y],
        vec![ints_attr("perm", &[0, 3, 5, 2, 4, 1])],
    );
    let merged = g.ints(
        &format!("{path}.unfold_merge"),
        &[-1, grid.num_patches() as i64, c],
    );
    g.op("Reshape", &[&y, &merged], vec![])
}

/// `[B * P, N, C]` -> `[B, C, nh * ph, nw * pw]`, as `patches::fold`.
fn fold(g: &mut GraphBuilder, path: &str, x: &str, channels: usize, grid: PatchGrid) -> Map {
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let c = channels as i64;
    // [B, ph, pw, nh, nw, C] -> [B, C, nh, ph, nw, pw] -> [B, C, H, W]
    let split = g.ints(
        &format!("{path}.fold_split"),
        &[-1, ph as i64, pw as i64, nh as i64, nw as i64, c],
    );
    let y = g.op("Reshape", &[x, &split], vec![]);
    let y = g.op(
        "Transpose",
        &[&y],
        vec![ints_attr("perm", &[0, 5, 3, 1, 4, 2])],
    );
    let size = grid.size();
    let merged = g.ints(
        &format!("{path}.fold_merge"),
        &[0, c, size[0] as i64, size[1] as i64],
    );
    Map {
        name: g.op("Reshape", &[&y, &merged], vec![]),
        channels,
        size,
    }
}

/// Local convolutions, transformer over unfolded patches, fold, projection and fusion.
pub(crate) fn mobilevit_block(
    g: &mut GraphBuilder,
    path: &str,
    block: &MobileVitBlock,
    final_norm_eps: f64,
    x: &Map,
) -> Result<Map> {
    let local = conv_norm_act(g, &format!("{path}.conv_kxk"), &block.conv_kxk, x)?;
    let tokens = conv(g, &format!("{path}.conv_1x1"), &block.conv_1x1, &local)?;
    let dim = tokens.channels;
    let grid = PatchGrid::covering(x.size[0], x.size[1], [block.patch_size, block.patch_size]);
    let tokens = resize(
        g,
        &format!("{path}.resize_in"),
        &tokens,
        grid.size(),
        FoldResize::Bilinear,
    );
    let mut sequences = unfold(g, path, &tokens, grid);
    for (index, layer) in block.transformer.iter().enumerate() {
        sequences = transformer_layer(
            g,
            &format!("{path}.transformer.{index}"),
            layer,
            &sequences,
            dim,
        )?;
    }
    let sequences = layer_norm(
        g,
        &format!("{path}.norm"),
        &block.norm,
        final_norm_eps,
        &sequences,
    )?;
    let global = fold(g, path, &sequences, dim, grid);
    let global = resize(
        g,
        &format!("{path}.resize_out"),
        &global,
        x.size,
        block.fold_resize,
    );
    let projection = conv_norm_act(g, &format!("{path}.conv_proj"), &block.conv_proj, &global)?;
    let fused_input = g.op(
        "Concat",
        &[&x.name, &projection.name],
        vec![int_attr("axis", 1)],
    );
    let fused_input = Map {
        name: fused_input,
        channels: x.channels + projection.channels,
        size: x.size,
    };
    conv_norm_act(
        g,
        &format!("{path}.conv_fusion"),
        &block.conv_fusion,
        &fused_input,
    )
}

/// Global average pooling and the classifier: `[B, C, h, w]` -> `[B, classes]`.
pub(crate) fn head(g: &mut GraphBuilder, head: &ClassifierHead, x: &Map) -> Result<String> {
    let pooled = g.op("GlobalAveragePool", &[&x.name], vec![]);
    let flat = g.op("Flatten", &[&pooled], vec![int_attr("axis", 1)]);
    linear(g, "head.fc", &head.fc, &flat)
}
