//! The MobileViT classifier, v1 and v2: one network whose stages end with the family's block.

use burn::config::Config;
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor};

use crate::blocks::{
    ConvNormAct, ConvNormActConfig, FoldResize, InvertedResidual, InvertedResidualConfig,
    LinearTransformerLayerConfig, MobileVitBlock, MobileVitBlockConfig, MobileVitV2Block,
    MobileVitV2BlockConfig, MobileVitV3Block, MobileVitV3BlockConfig, TransformerLayerConfig,
    UnfoldRemainder,
};
use crate::error::ModelError;
use crate::head::{ClassifierHead, ClassifierHeadConfig};
use crate::variant::{Family, MLP_RATIO, NUM_HEADS, PATCH_SIZE, TransformerSpec, Variant};

/// Input channels (an RGB or BGR image).
pub const IN_CHANNELS: usize = 3;
/// Total downsampling of the network; smaller inputs are rejected.
pub const MIN_INPUT_SIZE: usize = 32;

/// Configuration of a [`MobileVit`]: the variant plus the options in which the reference
/// implementations differ.
#[derive(Config, Debug, PartialEq)]
pub struct MobileVitConfig {
    /// Which size.
    pub variant: Variant,
    /// Classifier outputs.
    #[config(default = 1000)]
    pub num_classes: usize,
    /// How folded maps are resized back (v1; PaddleClas: nearest).
    #[config(default = "FoldResize::Bilinear")]
    pub fold_resize: FoldResize,
    /// What a v2 block does with a map whose size is not a multiple of the patch (HF: zero
    /// fill).
    #[config(default = "UnfoldRemainder::Interpolate")]
    pub unfold_remainder: UnfoldRemainder,
    /// Epsilon of the LayerNorm closing each transformer (PaddleClas: 1e-6).
    #[config(default = 1e-5)]
    pub final_norm_eps: f64,
    /// Transformer residual dropout; `None` takes the variant's ml-cvnets value
    /// (0.05 for XXS, 0.1 otherwise).
    #[config(default = "None")]
    pub transformer_dropout: Option<f64>,
    /// Dropout on the attention probabilities.
    #[config(default = 0.0)]
    pub attn_dropout: f64,
    /// Dropout between the MLP's linears (PaddleClas: 0.1).
    #[config(default = 0.0)]
    pub ffn_dropout: f64,
    /// Dropout before the classifier; `None` takes the variant's reference value (v1 0.1,
    /// v2 0).
    #[config(default = "None")]
    pub classifier_dropout: Option<f64>,
    /// Update BatchNorm running variances with the unbiased batch variance (PyTorch's choice,
    /// so timm's and ml-cvnets' recipes) rather than the biased one (Paddle's, PaddleClas's).
    #[config(default = false)]
    pub unbiased_running_var: bool,
}

/// The configuration of one block of a stage.
#[derive(Debug, Clone)]
pub enum StageBlockConfig {
    /// A MobileNetV2 inverted residual.
    InvertedResidual(InvertedResidualConfig),
    /// A MobileViT block.
    MobileVit(MobileVitBlockConfig),
    /// A MobileViTv2 block (also MobileViTv3's on v2).
    MobileVitV2(MobileVitV2BlockConfig),
    /// A MobileViTv3 block on v1's transformer.
    MobileVitV3(MobileVitV3BlockConfig),
}

/// One block of a stage. The enum variant does not appear in reference key names
/// (`stages.2.1.conv_kxk...`).
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum StageBlock {
    /// A MobileNetV2 inverted residual.
    InvertedResidual(InvertedResidual),
    /// A MobileViT block.
    MobileVit(MobileVitBlock),
    /// A MobileViTv2 block (also MobileViTv3's on v2).
    MobileVitV2(MobileVitV2Block),
    /// A MobileViTv3 block on v1's transformer.
    MobileVitV3(MobileVitV3Block),
}

/// MobileViT: stem, five stages, a 1x1 expansion (v1) and a classifier head. Field names are
/// timm's, so that timm state dicts map onto it one to one.
#[derive(Module, Debug)]
pub struct MobileVit {
    /// 3x3 stride-2 convolution, 3 -> 16.
    pub stem: ConvNormAct,
    /// Five stages of blocks.
    pub stages: Vec<Vec<StageBlock>>,
    /// 1x1 expansion to `min(4 * C5, 960)` channels (v1; v2 has none).
    pub final_conv: Option<ConvNormAct>,
    /// Pooling, dropout and classifier.
    pub head: ClassifierHead,
    /// The configuration the model was built from.
    #[module(skip)]
    pub config: MobileVitConfig,
}

impl MobileVitConfig {
    /// A model of `variant` for ImageNet-1k with the ml-cvnets/timm options.
    pub fn imagenet(variant: Variant) -> Self {
        Self::new(variant)
    }

    /// The options PaddleClas's implementation needs for identical outputs: nearest fold-back,
    /// final LayerNorm epsilon 1e-6, dropout 0.1 inside the MLP.
    ///
    /// PaddleClas's v2 is timm's network (its blocks refuse maps of odd size, where this
    /// model interpolates as ml-cvnets and timm do).
    pub fn paddle(variant: Variant) -> Self {
        match variant.family() {
            Family::V1 => Self::new(variant)
                .with_fold_resize(FoldResize::Nearest)
                .with_final_norm_eps(1e-6)
                .with_transformer_dropout(Some(0.1))
                .with_ffn_dropout(0.1),
            Family::V2 | Family::V3OnV1 | Family::V3OnV2 => Self::new(variant),
        }
    }

    /// The options HF transformers' implementation needs for identical outputs: v2 blocks
    /// leave the odd row or column of a map out of their tokens and fill it with zeros.
    pub fn hf(variant: Variant) -> Self {
        Self::new(variant).with_unfold_remainder(UnfoldRemainder::ZeroFill)
    }

    /// Transformer residual dropout in effect.
    pub fn effective_transformer_dropout(&self) -> f64 {
        self.transformer_dropout
            .unwrap_or(self.variant.spec().transformer_dropout)
    }

    /// Classifier dropout in effect.
    pub fn effective_classifier_dropout(&self) -> f64 {
        self.classifier_dropout
            .unwrap_or(self.variant.spec().classifier_dropout)
    }

    /// Checks the options a user can set.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.num_classes == 0 {
            return Err(ModelError::NoClasses);
        }
        let rates = [
            ("transformer_dropout", self.effective_transformer_dropout()),
            ("attn_dropout", self.attn_dropout),
            ("ffn_dropout", self.ffn_dropout),
            ("classifier_dropout", self.effective_classifier_dropout()),
        ];
        for (name, rate) in rates {
            if !(0.0..1.0).contains(&rate) {
                return Err(ModelError::InvalidOption(format!(
                    "{name} must be in [0, 1), got {rate}"
                )));
            }
        }
        if !(self.final_norm_eps > 0.0 && self.final_norm_eps.is_finite()) {
            return Err(ModelError::InvalidOption(format!(
                "final_norm_eps must be positive, got {}",
                self.final_norm_eps
            )));
        }
        Ok(())
    }

    /// The stem.
    pub fn stem(&self) -> ConvNormActConfig {
        let spec = self.variant.spec();
        ConvNormActConfig::new(IN_CHANNELS, spec.stem_channels, 3).with_stride(2)
    }

    /// The blocks of each stage, in order: the architecture table expanded.
    pub fn stages(&self) -> Vec<Vec<StageBlockConfig>> {
        let spec = self.variant.spec();
        let mut in_channels = spec.stem_channels;
        let mut stages = Vec::with_capacity(spec.stages.len());
        for stage in &spec.stages {
            let mut blocks = Vec::new();
            for index in 0..stage.inverted_residuals {
                let stride = if index == 0 { stage.stride } else { 1 };
                blocks.push(StageBlockConfig::InvertedResidual(
                    InvertedResidualConfig::new(
                        in_channels,
                        stage.channels,
                        stride,
                        spec.expansion,
                    ),
                ));
                in_channels = stage.channels;
            }
            if let Some(transformer) = stage.transformer {
                blocks.push(self.transformer_block(stage.channels, transformer));
            }
            stages.push(blocks);
        }
        stages
    }

    /// The MobileViT block of the variant's family closing a stage of `channels`.
    fn transformer_block(&self, channels: usize, transformer: TransformerSpec) -> StageBlockConfig {
        let TransformerSpec { dim, depth } = transformer;
        let (dropout, attn_dropout, ffn_dropout) = (
            self.effective_transformer_dropout(),
            self.attn_dropout,
            self.ffn_dropout,
        );
        let attention = TransformerLayerConfig::new(dim, NUM_HEADS, MLP_RATIO * dim)
            .with_dropout(dropout)
            .with_attn_dropout(attn_dropout)
            .with_ffn_dropout(ffn_dropout);
        match self.variant.family() {
            Family::V1 => StageBlockConfig::MobileVit(
                MobileVitBlockConfig::new(channels, attention, depth, PATCH_SIZE)
                    .with_final_norm_eps(self.final_norm_eps)
                    .with_fold_resize(self.fold_resize),
            ),
            Family::V2 | Family::V3OnV2 => {
                let linear_attention = LinearTransformerLayerConfig::new(dim, MLP_RATIO * dim)
                    .with_dropout(dropout)
                    .with_attn_dropout(attn_dropout)
                    .with_ffn_dropout(ffn_dropout);
                StageBlockConfig::MobileVitV2(
                    MobileVitV2BlockConfig::new(channels, linear_attention, depth, PATCH_SIZE)
                        .with_remainder(self.unfold_remainder)
                        .with_fuse_local(self.variant.family() == Family::V3OnV2),
                )
            }
            Family::V3OnV1 => StageBlockConfig::MobileVitV3(MobileVitV3BlockConfig::new(
                channels, attention, depth, PATCH_SIZE,
            )),
        }
    }

    /// The 1x1 expansion after the last stage (v1 only).
    pub fn final_conv(&self) -> Option<ConvNormActConfig> {
        let spec = self.variant.spec();
        spec.final_channels
            .map(|channels| ConvNormActConfig::pointwise(spec.stages[4].channels, channels))
    }

    /// The classifier head.
    pub fn head(&self) -> ClassifierHeadConfig {
        ClassifierHeadConfig::new(self.variant.spec().features(), self.num_classes)
            .with_dropout(self.effective_classifier_dropout())
    }

    /// Builds the model with the reference initialisation, drawing from the device's RNG
    /// (seed it with `device.seed(..)` for a reproducible model).
    ///
    /// Burn initialises parameters lazily, on first use; they are materialised here, so that
    /// the draws happen now, in a fixed order, and not later, interleaved with whatever else
    /// draws from the device's generator (dropout, for one).
    pub fn init(&self, device: &Device) -> Result<MobileVit, ModelError> {
        self.validate()?;
        let stages = self
            .stages()
            .iter()
            .map(|blocks| blocks.iter().map(|block| block.init(device)).collect())
            .collect();
        let model = MobileVit {
            stem: self.stem().init(device),
            stages,
            final_conv: self.final_conv().map(|config| config.init(device)),
            head: self.head().init(device),
            config: self.clone(),
        };
        model.visit(&mut Materializer);
        Ok(model.with_unbiased_running_var(self.unbiased_running_var))
    }
}

impl Default for MobileVitConfig {
    fn default() -> Self {
        Self::imagenet(Variant::Xxs)
    }
}

impl StageBlockConfig {
    /// Builds the block.
    pub fn init(&self, device: &Device) -> StageBlock {
        match self {
            Self::InvertedResidual(config) => StageBlock::InvertedResidual(config.init(device)),
            Self::MobileVit(config) => StageBlock::MobileVit(config.init(device)),
            Self::MobileVitV2(config) => StageBlock::MobileVitV2(config.init(device)),
            Self::MobileVitV3(config) => StageBlock::MobileVitV3(config.init(device)),
        }
    }
}

impl StageBlock {
    /// The block with `f` applied to each of its conv-norm-activation units.
    pub fn map_units(self, f: &mut impl FnMut(ConvNormAct) -> ConvNormAct) -> Self {
        match self {
            Self::InvertedResidual(block) => Self::InvertedResidual(block.map_units(f)),
            Self::MobileVit(block) => Self::MobileVit(block.map_units(f)),
            Self::MobileVitV2(block) => Self::MobileVitV2(block.map_units(f)),
            Self::MobileVitV3(block) => Self::MobileVitV3(block.map_units(f)),
        }
    }

    /// # Shapes
    /// - `input`: `[B, C_in, H, W]`
    /// - output: `[B, C_out, H', W']`
    pub fn forward(&self, input: Tensor<4>) -> Tensor<4> {
        match self {
            Self::InvertedResidual(block) => block.forward(input),
            Self::MobileVit(block) => block.forward(input),
            Self::MobileVitV2(block) => block.forward(input),
            Self::MobileVitV3(block) => block.forward(input),
        }
    }
}

impl MobileVit {
    /// Logits.
    ///
    /// # Shapes
    /// - `images`: `[B, 3, H, W]`, `H, W >= 32`
    /// - output: `[B, num_classes]`
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.forward_head(self.forward_features(images))
    }

    /// Features before pooling: stem, stages and the 1x1 expansion (v1).
    ///
    /// # Shapes
    /// - `images`: `[B, 3, H, W]`
    /// - output: `[B, F, ceil(H / 32), ceil(W / 32)]`, `F` the variant's features (v2 blocks
    ///   that interpolate may round a stage's map up to even)
    pub fn forward_features(&self, images: Tensor<4>) -> Tensor<4> {
        let x = self.stem.forward(images);
        let x = self
            .stages
            .iter()
            .flatten()
            .fold(x, |x, block| block.forward(x));
        match &self.final_conv {
            Some(final_conv) => final_conv.forward(x),
            None => x,
        }
    }

    /// Output of each stage, stem first (for inspection and feature extraction).
    ///
    /// # Shapes
    /// - `images`: `[B, 3, H, W]`
    /// - output: 6 maps, `[B, C_k, H / s_k, W / s_k]` with `s = 2, 2, 4, 8, 16, 32`
    pub fn forward_stages(&self, images: Tensor<4>) -> Vec<Tensor<4>> {
        let mut x = self.stem.forward(images);
        let mut maps = vec![x.clone()];
        for stage in &self.stages {
            x = stage.iter().fold(x, |x, block| block.forward(x));
            maps.push(x.clone());
        }
        maps
    }

    /// Pooling, dropout and classifier on the output of [`forward_features`](Self::forward_features).
    ///
    /// # Shapes
    /// - `features`: `[B, C, h, w]`
    /// - output: `[B, num_classes]`
    pub fn forward_head(&self, features: Tensor<4>) -> Tensor<2> {
        self.head.forward(features)
    }

    /// The network for inference, with every batch norm's running statistics folded into the
    /// convolution before it: fewer passes over each feature map, the same logits up to float
    /// rounding (parity-tested). Not for training, and not to be saved: checkpoints hold the
    /// unfolded form.
    pub fn fold_batch_norm(self) -> Self {
        self.map_units(&mut ConvNormAct::fold_batch_norm)
    }

    /// The network with its batch norms' running variances updated with the unbiased batch
    /// variance (`n / (n - 1)`, as PyTorch, and so timm and ml-cvnets, do) or the biased one (as
    /// Paddle and Burn do). Only training steps are affected.
    pub fn with_unbiased_running_var(self, unbiased: bool) -> Self {
        self.map_units(&mut |unit| unit.with_unbiased_running_var(unbiased))
    }

    /// The network with `f` applied to each conv-norm-activation unit, stem to final 1x1.
    fn map_units(self, f: &mut impl FnMut(ConvNormAct) -> ConvNormAct) -> Self {
        Self {
            stem: f(self.stem),
            stages: self
                .stages
                .into_iter()
                .map(|stage| stage.into_iter().map(|block| block.map_units(f)).collect())
                .collect(),
            final_conv: self.final_conv.map(&mut *f),
            ..self
        }
    }

    /// Whether [`fold_batch_norm`](Self::fold_batch_norm) has been applied.
    pub fn is_folded(&self) -> bool {
        self.stem.folded
    }

    /// The same network with a freshly initialised `num_classes`-way classifier, for
    /// fine-tuning on another label set.
    pub fn with_new_head(
        mut self,
        num_classes: usize,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let config = self.config.clone().with_num_classes(num_classes);
        config.validate()?;
        self.head = config.head().init(device);
        self.config = config;
        Ok(self)
    }

    /// The same weights in a model built from `config`, which may differ from the model's own
    /// only in training-time options (the dropout rates): a loaded model trains with the rates
    /// a training config asks for, its weight-describing options (variant, classes, fold-back,
    /// LayerNorm epsilon) kept.
    pub fn with_training_options(
        self,
        config: MobileVitConfig,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let own = &self.config;
        let architecture = |c: &MobileVitConfig| {
            (
                c.variant,
                c.num_classes,
                c.fold_resize,
                c.unfold_remainder,
                c.final_norm_eps.to_bits(),
            )
        };
        if architecture(own) != architecture(&config) {
            return Err(ModelError::InvalidOption(format!(
                "{config:?} describes another network than the model's {own:?}"
            )));
        }
        Ok(config.init(device)?.load_record(self.into_record()))
    }

    /// Every BatchNorm running statistic (mean and variance), by id, as stored: Burn's pending
    /// per-thread updates are folded in only when the model is read (`valid`).
    pub fn running_statistics(&self) -> Vec<(ParamId, Tensor<1>)> {
        #[derive(Default)]
        struct Statistics {
            path: Vec<String>,
            values: Vec<(ParamId, Tensor<1>)>,
        }
        impl ModuleVisitor for Statistics {
            fn enter_module(&mut self, name: &str, _: &str) {
                self.path.push(name.to_string());
            }
            fn exit_module(&mut self, _: &str, _: &str) {
                self.path.pop();
            }
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                if self
                    .path
                    .last()
                    .is_some_and(|field| is_running_statistic(field))
                {
                    let value = param.val();
                    let elements = value.shape().num_elements();
                    self.values.push((param.id, value.reshape([elements])));
                }
            }
        }
        let mut statistics = Statistics::default();
        self.visit(&mut statistics);
        statistics.values
    }

    /// Trainable parameters and BatchNorm running statistics, counted on the module.
    pub fn parameter_counts(&self) -> ParameterCounts {
        let mut counter = ParameterCounter::default();
        self.visit(&mut counter);
        counter.counts
    }

    /// Number of classes of the head.
    pub fn num_classes(&self) -> usize {
        self.head.num_classes()
    }

    /// Checks that `[B, C, H, W]` can go through the network.
    pub fn check_input(dims: [usize; 4]) -> Result<(), ModelError> {
        let [batch, channels, height, width] = dims;
        if batch == 0 {
            return Err(ModelError::InvalidInput("the batch is empty".into()));
        }
        if channels != IN_CHANNELS {
            return Err(ModelError::InvalidInput(format!(
                "expected {IN_CHANNELS} channels (NCHW), got shape {dims:?}"
            )));
        }
        if height < MIN_INPUT_SIZE || width < MIN_INPUT_SIZE {
            return Err(ModelError::InvalidInput(format!(
                "images must be at least {MIN_INPUT_SIZE}x{MIN_INPUT_SIZE} (the network \
                 downsamples 32 times), got {height}x{width}"
            )));
        }
        Ok(())
    }
}

/// Forces the lazy initialisation of every parameter.
struct Materializer;

impl ModuleVisitor for Materializer {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// Numbers of scalars in a module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParameterCounts {
    /// Trainable parameters.
    pub trainable: u64,
    /// Running statistics (BatchNorm means and variances).
    pub buffers: u64,
}

/// Names of the non-trainable running-state fields of Burn's norm layers.
const RUNNING_STATE_FIELDS: [&str; 2] = ["running_mean", "running_var"];

/// Whether a module field named `field` is a BatchNorm running statistic (a buffer, not a
/// trainable parameter).
pub fn is_running_statistic(field: &str) -> bool {
    RUNNING_STATE_FIELDS.contains(&field)
}

#[derive(Default)]
struct ParameterCounter {
    path: Vec<String>,
    counts: ParameterCounts,
}

impl ModuleVisitor for ParameterCounter {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let count = param.shape().num_elements() as u64;
        let is_buffer = self
            .path
            .last()
            .is_some_and(|field| is_running_statistic(field));
        if is_buffer {
            self.counts.buffers += count;
        } else {
            self.counts.trainable += count;
        }
    }
}
