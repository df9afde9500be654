//! Each block of the model as ONNX nodes, mirroring its `forward` op for op.
//!
//! The batch dimension stays symbolic: reshapes copy it (`0`) or infer it (`-1`), and the
//! resize of a MobileViT block builds its target shape from the input's. Every other size is
//! known from the export's image size.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, GroupNorm, LayerNorm, Linear, PaddingConfig2d};
use onnx_protobuf::AttributeProto;

use super::graph::{GraphBuilder, float_attr, int_attr, ints_attr, string_attr};
use crate::blocks::attention::Attention;
use crate::blocks::conv_norm_act::ConvNormAct;
use crate::blocks::inverted_residual::InvertedResidual;
use crate::blocks::linear_attention::LinearSelfAttention;
use crate::blocks::linear_transformer_layer::LinearTransformerLayer;
use crate::blocks::mlp::Mlp;
use crate::blocks::mobilevit_block::MobileVitBlock;
use crate::blocks::mobilevit_v2_block::MobileVitV2Block;
use crate::blocks::mobilevit_v3_block::MobileVitV3Block;
use crate::blocks::patches::{FoldResize, PatchGrid, UnfoldRemainder};
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

/// `Conv` (with its bias, if it has one), with the output size worked out from the stride and
/// padding.
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
    resize_with(g, path, x, size, attributes)
}

/// `Resize` to `size` with the given sampling attributes.
fn resize_with(
    g: &mut GraphBuilder,
    path: &str,
    x: &Map,
    size: [usize; 2],
    attributes: Vec<AttributeProto>,
) -> Map {
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
    let name = g.op("Resize", &[&x.name, "", "", &sizes], attributes);
    Map {
        name,
        channels: x.channels,
        size,
    }
}

/// `Reshape` to `split`, `Transpose` by `perm`, `Reshape` to `merged`: how every unfold and
/// fold is written.
fn rearrange(
    g: &mut GraphBuilder,
    path: &str,
    x: &str,
    split: &[i64],
    perm: &[i64],
    merged: &[i64],
) -> String {
    let split = g.ints(&format!("{path}_split"), split);
    let y = g.op("Reshape", &[x, &split], vec![]);
    let y = g.op("Transpose", &[&y], vec![ints_attr("perm", perm)]);
    let merged = g.ints(&format!("{path}_merge"), merged);
    g.op("Reshape", &[&y, &merged], vec![])
}

/// `[B, C, nh * ph, nw * pw]` -> `[B * P, N, C]`, as `patches::unfold`.
fn unfold(g: &mut GraphBuilder, path: &str, x: &Map, grid: PatchGrid) -> String {
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let c = x.channels as i64;
    // [B, C, nh, ph, nw, pw] -> [B, ph, pw, nh, nw, C] -> [B * P, N, C]
    rearrange(
        g,
        &format!("{path}.unfold"),
        &x.name,
        &[0, c, nh as i64, ph as i64, nw as i64, pw as i64],
        &[0, 3, 5, 2, 4, 1],
        &[-1, grid.num_patches() as i64, c],
    )
}

/// `[B * P, N, C]` -> `[B, C, nh * ph, nw * pw]`, as `patches::fold`.
fn fold(g: &mut GraphBuilder, path: &str, x: &str, channels: usize, grid: PatchGrid) -> Map {
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let c = channels as i64;
    let size = grid.size();
    // [B, ph, pw, nh, nw, C] -> [B, C, nh, ph, nw, pw] -> [B, C, H, W]
    let name = rearrange(
        g,
        &format!("{path}.fold"),
        x,
        &[-1, ph as i64, pw as i64, nh as i64, nw as i64, c],
        &[0, 5, 3, 1, 4, 2],
        &[0, c, size[0] as i64, size[1] as i64],
    );
    Map {
        name,
        channels,
        size,
    }
}

/// The transformer of a v1-style MobileViT block (v1's, v3's on v1).
struct Transformer<'a> {
    layers: &'a [TransformerLayer],
    norm: &'a LayerNorm,
    norm_eps: f64,
    patch_size: usize,
    fold_resize: FoldResize,
}

/// `[B, d, H, W]` tokens resized up to whole patches, unfolded, through the transformer
/// layers and the final LayerNorm, folded and resized back to `H x W`.
fn global_representation(
    g: &mut GraphBuilder,
    path: &str,
    tokens: &Map,
    transformer: Transformer<'_>,
) -> Result<Map> {
    let dim = tokens.channels;
    let patch = [transformer.patch_size; 2];
    let grid = PatchGrid::covering(tokens.size[0], tokens.size[1], patch);
    let resized = resize(
        g,
        &format!("{path}.resize_in"),
        tokens,
        grid.size(),
        FoldResize::Bilinear,
    );
    let mut sequences = unfold(g, path, &resized, grid);
    for (index, layer) in transformer.layers.iter().enumerate() {
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
        transformer.norm,
        transformer.norm_eps,
        &sequences,
    )?;
    let global = fold(g, path, &sequences, dim, grid);
    Ok(resize(
        g,
        &format!("{path}.resize_out"),
        &global,
        tokens.size,
        transformer.fold_resize,
    ))
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
    let global = global_representation(
        g,
        path,
        &tokens,
        Transformer {
            layers: &block.transformer,
            norm: &block.norm,
            norm_eps: final_norm_eps,
            patch_size: block.patch_size,
            fold_resize: block.fold_resize,
        },
    )?;
    let projection = conv_norm_act(g, &format!("{path}.conv_proj"), &block.conv_proj, &global)?;
    let fused_input = concat_channels(g, x, &projection);
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

/// `[B, C, nh * ph, nw * pw]` -> `[B, C, P, N]`, as `patches::unfold_channels_first`.
fn unfold_channels_first(g: &mut GraphBuilder, path: &str, x: &Map, grid: PatchGrid) -> Map {
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let c = x.channels as i64;
    let [pixels, patches] = [grid.pixels_per_patch(), grid.num_patches()];
    let name = rearrange(
        g,
        &format!("{path}.unfold"),
        &x.name,
        &[0, c, nh as i64, ph as i64, nw as i64, pw as i64],
        &[0, 1, 3, 5, 2, 4],
        &[0, c, pixels as i64, patches as i64],
    );
    Map {
        name,
        channels: x.channels,
        size: [pixels, patches],
    }
}

/// `[B, C, P, N]` -> `[B, C, nh * ph, nw * pw]`, as `patches::fold_channels_first`.
fn fold_channels_first(g: &mut GraphBuilder, path: &str, x: &Map, grid: PatchGrid) -> Map {
    let ([ph, pw], [nh, nw]) = (grid.patch, grid.patches);
    let c = x.channels as i64;
    let size = grid.size();
    let name = rearrange(
        g,
        &format!("{path}.fold"),
        &x.name,
        &[0, c, ph as i64, pw as i64, nh as i64, nw as i64],
        &[0, 1, 4, 2, 5, 3],
        &[0, c, size[0] as i64, size[1] as i64],
    );
    Map {
        name,
        channels: x.channels,
        size,
    }
}

/// `GroupNorm(1)` on `[B, C, P, N]`: the mean and (biased) variance of all a sample's values,
/// as two `GlobalAveragePool`s of a `[B, 1, C * P, N]` view, then a scale and shift per
/// channel.
fn group_norm_1(g: &mut GraphBuilder, path: &str, norm: &GroupNorm, x: &Map) -> Result<Map> {
    let c = x.channels as i64;
    let [p, n] = x.size.map(|side| side as i64);
    let flat = g.ints(&format!("{path}.flat"), &[0, 1, c * p, n]);
    let whole = g.op("Reshape", &[&x.name, &flat], vec![]);
    let mean = g.op("GlobalAveragePool", &[&whole], vec![]);
    let centred = g.op("Sub", &[&whole, &mean], vec![]);
    let squares = g.op("Mul", &[&centred, &centred], vec![]);
    let variance = g.op("GlobalAveragePool", &[&squares], vec![]);
    let epsilon = g.floats(&format!("{path}.epsilon"), &[norm.epsilon as f32], &[]);
    let variance = g.op("Add", &[&variance, &epsilon], vec![]);
    let deviation = g.op("Sqrt", &[&variance], vec![]);
    let normed = g.op("Div", &[&centred, &deviation], vec![]);
    let back = g.ints(&format!("{path}.back"), &[0, c, p, n]);
    let normed = g.op("Reshape", &[&normed, &back], vec![]);
    let per_channel = |tensor: &Option<burn::module::Param<burn::tensor::Tensor<1>>>| {
        tensor
            .as_ref()
            .map(|param| param.val().reshape([x.channels, 1, 1]))
    };
    let (Some(gamma), Some(beta)) = (per_channel(&norm.gamma), per_channel(&norm.beta)) else {
        return Err(ModelError::InvalidOption(format!(
            "{path}: a GroupNorm without scale and shift"
        )));
    };
    let gamma = g.tensor(&format!("{path}.weight"), gamma)?;
    let beta = g.tensor(&format!("{path}.bias"), beta)?;
    let scaled = g.op("Mul", &[&normed, &gamma], vec![]);
    Ok(Map {
        name: g.op("Add", &[&scaled, &beta], vec![]),
        ..x.clone()
    })
}

/// Channels `[start, end)` of `x`.
fn channels(g: &mut GraphBuilder, path: &str, x: &str, start: usize, end: usize) -> String {
    let starts = g.ints(&format!("{path}.start"), &[start as i64]);
    let ends = g.ints(&format!("{path}.end"), &[end as i64]);
    let axes = g.ints(&format!("{path}.axes"), &[1]);
    g.op("Slice", &[x, &starts, &ends, &axes], vec![])
}

/// Separable self-attention on `[B, d, P, N]`.
fn linear_self_attention(
    g: &mut GraphBuilder,
    path: &str,
    attn: &LinearSelfAttention,
    x: &Map,
) -> Result<Map> {
    let dim = x.channels;
    let qkv = conv(g, &format!("{path}.qkv_proj"), &attn.qkv_proj, x)?;
    let query = channels(g, &format!("{path}.query"), &qkv.name, 0, 1);
    let keys = channels(g, &format!("{path}.keys"), &qkv.name, 1, 1 + dim);
    let values = channels(
        g,
        &format!("{path}.values"),
        &qkv.name,
        1 + dim,
        1 + 2 * dim,
    );
    let scores = g.op("Softmax", &[&query], vec![int_attr("axis", 3)]);
    let weighted = g.op("Mul", &[&keys, &scores], vec![]);
    let axes = g.ints(&format!("{path}.token_axis"), &[3]);
    let context = g.op(
        "ReduceSum",
        &[&weighted, &axes],
        vec![int_attr("keepdims", 1)],
    );
    let gates = g.op("Relu", &[&values], vec![]);
    let gated = Map {
        name: g.op("Mul", &[&gates, &context], vec![]),
        ..x.clone()
    };
    conv(g, &format!("{path}.out_proj"), &attn.out_proj, &gated)
}

/// `x + attn(norm1(x))`, then `x + mlp(norm2(x))`.
fn linear_transformer_layer(
    g: &mut GraphBuilder,
    path: &str,
    layer: &LinearTransformerLayer,
    x: &Map,
) -> Result<Map> {
    let normed = group_norm_1(g, &format!("{path}.norm1"), &layer.norm1, x)?;
    let attended = linear_self_attention(g, &format!("{path}.attn"), &layer.attn, &normed)?;
    let x = Map {
        name: g.op("Add", &[&x.name, &attended.name], vec![]),
        ..x.clone()
    };
    let normed = group_norm_1(g, &format!("{path}.norm2"), &layer.norm2, &x)?;
    let mut hidden = conv(g, &format!("{path}.mlp.fc1"), &layer.mlp.fc1, &normed)?;
    hidden.name = silu(g, &hidden.name);
    let transformed = conv(g, &format!("{path}.mlp.fc2"), &layer.mlp.fc2, &hidden)?;
    Ok(Map {
        name: g.op("Add", &[&x.name, &transformed.name], vec![]),
        ..x
    })
}

/// Depthwise local convolution, separable attention over unfolded patches, fold and
/// projection, with the block's rule for a map of odd size.
pub(crate) fn mobilevit_v2_block(
    g: &mut GraphBuilder,
    path: &str,
    block: &MobileVitV2Block,
    x: &Map,
) -> Result<Map> {
    let patch = [block.patch_size, block.patch_size];
    let x = match block.remainder {
        // F.interpolate(mode="bilinear", align_corners=True) up to whole patches.
        UnfoldRemainder::Interpolate => {
            let size = PatchGrid::covering(x.size[0], x.size[1], patch).size();
            let attributes = vec![
                string_attr("mode", "linear"),
                string_attr("coordinate_transformation_mode", "align_corners"),
            ];
            resize_with(g, &format!("{path}.resize_in"), x, size, attributes)
        }
        UnfoldRemainder::ZeroFill => x.clone(),
    };
    let local = conv_norm_act(g, &format!("{path}.conv_kxk"), &block.conv_kxk, &x)?;
    let mut tokens = conv(g, &format!("{path}.conv_1x1"), &block.conv_1x1, &local)?;
    let tokens_before_cover = tokens.clone();
    let grid = PatchGrid::within(x.size[0], x.size[1], patch);
    let covered = grid.size();
    if covered != x.size {
        let starts = g.ints(&format!("{path}.cover_start"), &[0, 0]);
        let ends = g.ints(
            &format!("{path}.cover_end"),
            &[covered[0] as i64, covered[1] as i64],
        );
        let axes = g.ints(&format!("{path}.cover_axes"), &[2, 3]);
        tokens = Map {
            name: g.op("Slice", &[&tokens.name, &starts, &ends, &axes], vec![]),
            size: covered,
            ..tokens
        };
    }
    let mut sequences = unfold_channels_first(g, path, &tokens, grid);
    for (index, layer) in block.transformer.iter().enumerate() {
        sequences =
            linear_transformer_layer(g, &format!("{path}.transformer.{index}"), layer, &sequences)?;
    }
    let sequences = group_norm_1(g, &format!("{path}.norm"), &block.norm, &sequences)?;
    let mut global = fold_channels_first(g, path, &sequences, grid);
    if covered != x.size {
        // Zeros where the remainder was left out: pads [top, left, bottom, right] of H, W.
        let pads = g.ints(
            &format!("{path}.remainder_pads"),
            &[
                0,
                0,
                0,
                0,
                0,
                0,
                (x.size[0] - covered[0]) as i64,
                (x.size[1] - covered[1]) as i64,
            ],
        );
        global = Map {
            name: g.op("Pad", &[&global.name, &pads], vec![]),
            size: x.size,
            ..global
        };
    }
    if !block.fuse_local {
        return conv_norm_act(g, &format!("{path}.conv_proj"), &block.conv_proj, &global);
    }
    // MobileViTv3: the projection of [global, local], plus the input.
    let fused = concat_channels(g, &global, &tokens_before_cover);
    let projected = conv_norm_act(g, &format!("{path}.conv_proj"), &block.conv_proj, &fused)?;
    Ok(add(g, &projected, &x))
}

/// `[a, b]` along the channels.
fn concat_channels(g: &mut GraphBuilder, a: &Map, b: &Map) -> Map {
    Map {
        name: g.op("Concat", &[&a.name, &b.name], vec![int_attr("axis", 1)]),
        channels: a.channels + b.channels,
        size: a.size,
    }
}

/// `a + b`, elementwise.
fn add(g: &mut GraphBuilder, a: &Map, b: &Map) -> Map {
    Map {
        name: g.op("Add", &[&a.name, &b.name], vec![]),
        ..a.clone()
    }
}

/// PaddleClas's MobileViTv3 block on v1's transformer: depthwise local convolution,
/// transformer over unfolded patches, fold, projection, the 1x1 fusion of `[local, global]`
/// and the input added.
pub(crate) fn mobilevit_v3_block(
    g: &mut GraphBuilder,
    path: &str,
    block: &MobileVitV3Block,
    x: &Map,
) -> Result<Map> {
    let local = conv_norm_act(g, &format!("{path}.conv_kxk"), &block.conv_kxk, x)?;
    let local = conv(g, &format!("{path}.conv_1x1"), &block.conv_1x1, &local)?;
    let global = global_representation(
        g,
        path,
        &local,
        Transformer {
            layers: &block.transformer,
            norm: &block.norm,
            norm_eps: LAYER_NORM_EPS,
            patch_size: block.patch_size,
            fold_resize: FoldResize::Bilinear,
        },
    )?;
    let global = conv_norm_act(g, &format!("{path}.conv_proj"), &block.conv_proj, &global)?;
    let fused = concat_channels(g, &local, &global);
    let fused = conv_norm_act(
        g,
        &format!("{path}.conv_fusion"),
        &block.conv_fusion,
        &fused,
    )?;
    Ok(add(g, &fused, x))
}
