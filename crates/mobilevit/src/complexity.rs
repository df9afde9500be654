//! Parameter, MAC and FLOP counts, computed from the architecture table.
//!
//! Conventions (see `docs/architecture.md`):
//! - `params`: trainable parameters (timm and `torch` count these).
//! - `buffers`: BatchNorm running means and variances (PaddleClas's "Params" adds them).
//! - `macs`: multiply-accumulates of every convolution, linear layer and attention matmul
//!   (`q k^T` and `attn v`), for one image; what `torch.utils.flop_counter` reports (v2's
//!   separable attention has no matmul: its products are elementwise and not counted).
//! - `paddle_flops`: PaddleClas's "FLOPs": convolution and linear MACs, plus 2 per BatchNorm
//!   output element, plus the input elements of the average pool; no attention matmuls.

use serde::Serialize;

use crate::blocks::{
    ConvNormActConfig, InvertedResidualConfig, MobileVitBlockConfig, MobileVitV2BlockConfig,
    MobileVitV3BlockConfig, PatchGrid, UnfoldRemainder,
};
use crate::model::{MobileVitConfig, StageBlockConfig};

/// Counts for a part of the network, at batch 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    /// Trainable parameters.
    pub params: u64,
    /// BatchNorm running statistics.
    pub buffers: u64,
    /// Multiply-accumulates, attention matmuls included.
    pub macs: u64,
    /// PaddleClas's FLOP convention.
    pub paddle_flops: u64,
}

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, other: Cost) -> Cost {
        Cost {
            params: self.params + other.params,
            buffers: self.buffers + other.buffers,
            macs: self.macs + other.macs,
            paddle_flops: self.paddle_flops + other.paddle_flops,
        }
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(iter: I) -> Cost {
        iter.fold(Cost::default(), |a, b| a + b)
    }
}

/// The counts of one stage, with its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageCost {
    /// `stem`, `stage1` to `stage5`, or `head` (1x1 expansion, pooling and classifier).
    pub name: String,
    /// Output channels.
    pub channels: usize,
    /// Output height and width.
    pub output_size: [usize; 2],
    /// Counts.
    #[serde(flatten)]
    pub cost: Cost,
}

/// The counts of a whole model at one input size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelCost {
    /// Input height and width.
    pub image_size: [usize; 2],
    /// Sum over the stages.
    pub total: Cost,
    /// Per stage, in order.
    pub stages: Vec<StageCost>,
}

type Size = [usize; 2];

fn conv_norm_act(config: &ConvNormActConfig, input: Size) -> (Cost, Size) {
    let output = input.map(|side| side.div_ceil(config.stride));
    let per_output = (config.in_channels / config.groups * config.kernel_size.pow(2)) as u64;
    let outputs = (config.out_channels * output[0] * output[1]) as u64;
    let macs = outputs * per_output;
    let channels = config.out_channels as u64;
    let cost = Cost {
        params: channels * per_output + 2 * channels,
        buffers: 2 * channels,
        macs,
        paddle_flops: macs + 2 * outputs,
    };
    (cost, output)
}

fn linear(d_input: usize, d_output: usize, tokens: usize) -> Cost {
    let macs = (tokens * d_input * d_output) as u64;
    Cost {
        params: (d_input * d_output + d_output) as u64,
        buffers: 0,
        macs,
        paddle_flops: macs,
    }
}

/// A 1x1 convolution without bias, norm or activation, over a map of `size`.
fn bare_pointwise(in_channels: usize, out_channels: usize, size: Size) -> Cost {
    let macs = (in_channels * out_channels * size[0] * size[1]) as u64;
    Cost {
        params: (in_channels * out_channels) as u64,
        buffers: 0,
        macs,
        paddle_flops: macs,
    }
}

fn layer_norm(dim: usize) -> Cost {
    Cost {
        params: 2 * dim as u64,
        ..Cost::default()
    }
}

fn inverted_residual(config: &InvertedResidualConfig, input: Size) -> (Cost, Size) {
    let hidden = config.hidden_channels();
    let (expand, size) = conv_norm_act(
        &ConvNormActConfig::pointwise(config.in_channels, hidden),
        input,
    );
    let (depthwise, size) = conv_norm_act(
        &ConvNormActConfig::new(hidden, hidden, 3)
            .with_stride(config.stride)
            .with_groups(hidden),
        size,
    );
    let (reduce, size) = conv_norm_act(
        &ConvNormActConfig::pointwise(hidden, config.out_channels),
        size,
    );
    (expand + depthwise + reduce, size)
}

/// L pre-norm transformer layers of multi-head attention (v1's) over the patches of `input`,
/// and the final LayerNorm.
fn attention_transformer(dim: usize, mlp_hidden: usize, depth: usize, grid: PatchGrid) -> Cost {
    let tokens = grid.pixels_per_patch() * grid.num_patches();
    let attention_matmuls = 2 * (tokens * grid.num_patches() * dim) as u64;
    let layer = layer_norm(dim)
        + linear(dim, 3 * dim, tokens)
        + Cost {
            macs: attention_matmuls,
            ..Cost::default()
        }
        + linear(dim, dim, tokens)
        + layer_norm(dim)
        + linear(dim, mlp_hidden, tokens)
        + linear(mlp_hidden, dim, tokens);
    std::iter::repeat_n(layer, depth).sum::<Cost>() + layer_norm(dim)
}

fn mobilevit_block(config: &MobileVitBlockConfig, input: Size) -> (Cost, Size) {
    let (channels, dim) = (config.channels, config.layer.dim);
    let (local, _) = conv_norm_act(&ConvNormActConfig::new(channels, channels, 3), input);
    let to_tokens = bare_pointwise(channels, dim, input);
    let grid = PatchGrid::covering(input[0], input[1], [config.patch_size; 2]);
    let transformer = attention_transformer(dim, config.layer.mlp_hidden, config.depth, grid);
    let (projection, _) = conv_norm_act(&ConvNormActConfig::pointwise(dim, channels), input);
    let (fusion, _) = conv_norm_act(&ConvNormActConfig::new(2 * channels, channels, 3), input);
    let cost = local + to_tokens + transformer + projection + fusion;
    (cost, input)
}

fn mobilevit_v3_block(config: &MobileVitV3BlockConfig, input: Size) -> (Cost, Size) {
    let (channels, dim) = (config.channels, config.layer.dim);
    let (local, _) = conv_norm_act(
        &ConvNormActConfig::new(channels, channels, 3).with_groups(channels),
        input,
    );
    let to_tokens = bare_pointwise(channels, dim, input);
    let grid = PatchGrid::covering(input[0], input[1], [config.patch_size; 2]);
    let transformer = attention_transformer(dim, config.layer.mlp_hidden, config.depth, grid);
    let (projection, _) = conv_norm_act(&ConvNormActConfig::pointwise(dim, channels), input);
    let (fusion, _) = conv_norm_act(
        &ConvNormActConfig::pointwise(dim + channels, channels),
        input,
    );
    let cost = local + to_tokens + transformer + projection + fusion;
    (cost, input)
}

fn mobilevit_v2_block(config: &MobileVitV2BlockConfig, input: Size) -> (Cost, Size) {
    let (channels, dim, mlp_hidden) = (config.channels, config.layer.dim, config.layer.mlp_hidden);
    let patch = [config.patch_size; 2];
    let (size, grid) = match config.remainder {
        UnfoldRemainder::Interpolate => {
            let grid = PatchGrid::covering(input[0], input[1], patch);
            (grid.size(), grid)
        }
        UnfoldRemainder::ZeroFill => (input, PatchGrid::within(input[0], input[1], patch)),
    };
    let (local, _) = conv_norm_act(
        &ConvNormActConfig::new(channels, channels, 3).with_groups(channels),
        size,
    );
    let to_tokens = bare_pointwise(channels, dim, size);
    let tokens = grid.pixels_per_patch() * grid.num_patches();
    let layer = layer_norm(dim)
        + linear(dim, 1 + 2 * dim, tokens)
        + linear(dim, dim, tokens)
        + layer_norm(dim)
        + linear(dim, mlp_hidden, tokens)
        + linear(mlp_hidden, dim, tokens);
    let transformer: Cost = std::iter::repeat_n(layer, config.depth).sum();
    let fused = if config.fuse_local { 2 * dim } else { dim };
    let (projection, _) = conv_norm_act(&ConvNormActConfig::pointwise(fused, channels), size);
    let cost = local + to_tokens + transformer + layer_norm(dim) + projection;
    (cost, size)
}

fn stage_block(config: &StageBlockConfig, input: Size) -> (Cost, Size) {
    match config {
        StageBlockConfig::InvertedResidual(block) => inverted_residual(block, input),
        StageBlockConfig::MobileVit(block) => mobilevit_block(block, input),
        StageBlockConfig::MobileVitV2(block) => mobilevit_v2_block(block, input),
        StageBlockConfig::MobileVitV3(block) => mobilevit_v3_block(block, input),
    }
}

impl MobileVitConfig {
    /// Counts for one image of `image_size` (`[height, width]`).
    pub fn cost(&self, image_size: [usize; 2]) -> ModelCost {
        let mut stages = Vec::new();
        let stem = self.stem();
        let (cost, mut size) = conv_norm_act(&stem, image_size);
        stages.push(StageCost {
            name: "stem".into(),
            channels: stem.out_channels,
            output_size: size,
            cost,
        });
        let spec = self.variant.spec();
        for (index, blocks) in self.stages().iter().enumerate() {
            let mut cost = Cost::default();
            for block in blocks {
                let (block_cost, output) = stage_block(block, size);
                cost = cost + block_cost;
                size = output;
            }
            stages.push(StageCost {
                name: format!("stage{}", index + 1),
                channels: spec.stages[index].channels,
                output_size: size,
                cost,
            });
        }
        let (expansion, size) = match self.final_conv() {
            Some(final_conv) => conv_norm_act(&final_conv, size),
            None => (Cost::default(), size),
        };
        let features = spec.features();
        let pooled = (features * size[0] * size[1]) as u64;
        let pool = Cost {
            paddle_flops: pooled,
            ..Cost::default()
        };
        let classifier = linear(features, self.num_classes, 1);
        stages.push(StageCost {
            name: "head".into(),
            channels: self.num_classes,
            output_size: [1, 1],
            cost: expansion + pool + classifier,
        });
        ModelCost {
            image_size,
            total: stages.iter().map(|stage| stage.cost).sum(),
            stages,
        }
    }
}
