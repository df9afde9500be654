//! The model, optimizer and losses a config asks for.

use std::collections::HashSet;

use burn::grad_clipping::{GradientClipping, GradientClippingConfig};
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamGroup, ParamId};
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::lr_scheduler::LrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::{ModuleLearningRate, ModuleLrSchedulerConfig};
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use mobilevit::convert::swap_input_channels;
use mobilevit::model::is_running_statistic;
use mobilevit::{
    ChannelOrder, LoadOptions, MobileVit, MobileVitConfig, Variant, WeightsInfo, load_weights,
};

use crate::error::TrainError;
use mobilevit_config::{Config, LossTerm};
use mobilevit_data::Mixed;

/// A model built from `Arch`, from scratch or from pretrained weights.
pub struct BuiltModel {
    /// The model.
    pub model: MobileVit,
    /// What the pretrained weights expect, when there are some.
    pub info: Option<WeightsInfo>,
    /// A line for the log about where the weights came from.
    pub origin: String,
}

/// The autodiff form of `device` that training runs on, with Burn's balanced gradient
/// checkpointing when `gradient_checkpointing` (`Global.gradient_checkpointing`).
pub fn training_device(device: &Device, gradient_checkpointing: bool) -> Device {
    let device = device.clone().autodiff();
    if gradient_checkpointing {
        device.gradient_checkpointing()
    } else {
        device
    }
}

/// Builds the model of `config` on `device` (seeded from `Global.seed`), to be trained on
/// images decoded in `order`. `Arch.pretrained` (or `Global.pretrained_model`) loads any
/// convertible weights; a classifier of another size is replaced by a fresh one, and weights
/// that expect the other channel order get their stem's input channels swapped (the same
/// function of the image, now taking `order`), both said in the returned origin.
pub fn build_model(
    config: &Config,
    device: &Device,
    order: ChannelOrder,
) -> Result<BuiltModel, TrainError> {
    let variant: Variant = config
        .arch
        .name
        .parse()
        .map_err(|error: mobilevit::ModelError| {
            TrainError::Config(format!("Arch.name: {error}"))
        })?;
    let model_config = MobileVitConfig::imagenet(variant)
        .with_num_classes(config.arch.class_num)
        .with_transformer_dropout(config.arch.dropout)
        .with_classifier_dropout(config.arch.classifier_dropout)
        .with_unbiased_running_var(config.arch.unbiased_running_var);
    device.seed(config.global.seed);
    let pretrained = config
        .arch
        .pretrained
        .as_ref()
        .or(config.global.pretrained_model.as_ref());
    let Some(path) = pretrained else {
        let model = model_config.init(device)?;
        return Ok(BuiltModel {
            model,
            info: None,
            origin: format!(
                "{variant}, {} classes, random initialisation (seed {})",
                config.arch.class_num, config.global.seed
            ),
        });
    };
    let options = LoadOptions {
        from: None,
        expected: Some(variant),
    };
    let loaded = load_weights(path, options, device)?;
    let mut model = with_config_dropout(loaded.model, config, device)?;
    let mut info = loaded.info;
    let mut origin = format!("{variant} from {}", path.display());
    if let Some(info) = info.as_mut().filter(|info| info.channel_order() != order) {
        origin.push_str(&format!(
            "; the weights expect {} input and DataLoader.Train decodes {order}: their stem's \
             input channels are swapped to take {order}",
            info.channel_order()
        ));
        model = swap_input_channels(model, info);
    }
    if model.num_classes() != config.arch.class_num {
        origin.push_str(&format!(
            "; its {}-class head is replaced by a new {}-class head",
            model.num_classes(),
            config.arch.class_num
        ));
        model = model.with_new_head(config.arch.class_num, device)?;
    }
    // The model keeps the options that describe its weights (PaddleClas's fold-back and
    // epsilon) and trains with the config's dropout rates. It is already on `device`: moving
    // it again would make its parameters outputs of a graph node.
    Ok(BuiltModel {
        model,
        info,
        origin,
    })
}

/// The training-time options `Arch` asks for (transformer and classifier dropout, the running
/// variance estimator; attention and MLP dropout as a fresh model has them) on a loaded model, whose weight-describing
/// options (classes, fold-back, LayerNorm epsilon) are kept: weights from a file, or resumed,
/// train exactly as a fresh model of the config would.
pub fn with_config_dropout(
    model: MobileVit,
    config: &Config,
    device: &Device,
) -> Result<MobileVit, TrainError> {
    let own = &model.config;
    let wanted = MobileVitConfig::imagenet(own.variant)
        .with_num_classes(own.num_classes)
        .with_fold_resize(own.fold_resize)
        .with_unfold_remainder(own.unfold_remainder)
        .with_final_norm_eps(own.final_norm_eps)
        .with_transformer_dropout(config.arch.dropout)
        .with_classifier_dropout(config.arch.classifier_dropout)
        .with_unbiased_running_var(config.arch.unbiased_running_var);
    if wanted == *own {
        return Ok(model);
    }
    Ok(model.with_training_options(wanted, device)?)
}

/// Ids of the parameters that get weight decay: not those whose path contains one of
/// `no_decay_names`, nor, with `one_dim`, any one-dimensional parameter (biases and norms),
/// as PaddleClas's AdamW decides. BatchNorm running statistics are not parameters.
pub fn weight_decay_ids(
    model: &MobileVit,
    no_decay_names: &[String],
    one_dim: bool,
) -> Vec<ParamId> {
    struct Collector<'a> {
        path: Vec<String>,
        no_decay_names: &'a [String],
        one_dim: bool,
        ids: Vec<ParamId>,
    }
    impl ModuleVisitor for Collector<'_> {
        fn enter_module(&mut self, name: &str, _: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _: &str, _: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let path = format!(".{}", self.path.join("."));
            let buffer = self
                .path
                .last()
                .is_some_and(|field| is_running_statistic(field));
            let named = self
                .no_decay_names
                .iter()
                .any(|name| path.contains(name.as_str()));
            if !(buffer || named || (self.one_dim && D == 1)) {
                self.ids.push(param.id);
            }
        }
    }
    let mut collector = Collector {
        path: Vec::new(),
        no_decay_names,
        one_dim,
        ids: Vec::new(),
    };
    model.visit(&mut collector);
    collector.ids
}

/// AdamW with weight decay on the decayed parameters only.
pub fn build_optimizer(config: &Config, model: &MobileVit) -> Result<ModuleOptimizer, TrainError> {
    let settings = &config.optimizer;
    if !settings.name.eq_ignore_ascii_case("AdamW") {
        return Err(TrainError::Config(format!(
            "Optimizer.name: '{}' is not supported (AdamW is the MobileViT recipe)",
            settings.name
        )));
    }
    let no_decay_names: Vec<String> = settings
        .no_weight_decay_name
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let decayed = weight_decay_ids(
        model,
        &no_decay_names,
        settings.one_dim_param_no_weight_decay,
    );
    let adamw = |weight_decay: f64| {
        AdamWConfig::new()
            .with_beta_1(settings.beta1 as f32)
            .with_beta_2(settings.beta2 as f32)
            .with_epsilon(settings.epsilon as f32)
            .with_weight_decay(weight_decay as f32)
            .build()
    };
    let clipping = gradient_clipping(settings.clip_norm)?;
    let unique: HashSet<ParamId> = decayed.iter().copied().collect();
    let mut optimizer = ModuleOptimizer::from(adamw(0.0));
    if let Some(clipping) = &clipping {
        optimizer = optimizer.with_grad_clipping(clipping.clone());
    }
    Ok(optimizer.with_group(
        ParamGroup::from_ids(unique.into_iter().collect()),
        adamw(settings.weight_decay),
        clipping,
    ))
}

/// `Optimizer.clip_norm`: PaddleClas's `ClipGradByNorm`, which scales each parameter's
/// gradient `g` by `clip / max(|g|, clip)` on its own. Burn's `GradientClipping::Norm` is the
/// same rule (its denominator adds the smallest positive float).
fn gradient_clipping(clip_norm: Option<f64>) -> Result<Option<GradientClipping>, TrainError> {
    match clip_norm {
        None => Ok(None),
        Some(clip) if clip > 0.0 && clip.is_finite() => {
            Ok(Some(GradientClippingConfig::Norm(clip as f32).init()))
        }
        Some(clip) => Err(TrainError::Config(format!(
            "Optimizer.clip_norm: {clip} is not a positive number"
        ))),
    }
}

/// The weighted sum of loss terms.
pub struct Loss {
    terms: Vec<(f64, CrossEntropyLoss)>,
}

impl Loss {
    /// The loss of `terms` (training or evaluation).
    pub fn new(terms: &[LossTerm], device: &Device) -> Self {
        let terms = terms
            .iter()
            .map(|term| {
                let smoothing = term.ce_loss.epsilon.filter(|&e| e > 0.0).map(|e| e as f32);
                let loss = CrossEntropyLossConfig::new()
                    .with_smoothing(smoothing)
                    .init(device);
                (term.ce_loss.weight, loss)
            })
            .collect();
        Self { terms }
    }

    /// # Shapes
    /// - `logits`: `[batch, classes]`
    /// - `labels`: `[batch]`
    /// - output: `[1]`, the batch mean
    pub fn forward(&self, logits: Tensor<2>, labels: Tensor<1, burn::tensor::Int>) -> Tensor<1> {
        let mut total: Option<Tensor<1>> = None;
        for (weight, loss) in &self.terms {
            let term = loss
                .forward(logits.clone(), labels.clone())
                .mul_scalar(*weight);
            total = Some(match total {
                Some(sum) => sum + term,
                None => term,
            });
        }
        total.expect("a loss has at least one term")
    }

    /// The loss of a batch mixed by Mixup or CutMix: the targets are `lam` of each image's
    /// label and `1 - lam` of its partner's, and every term is linear in its target (label
    /// smoothing included), so this is `lam * loss(labels) + (1 - lam) * loss(partners)`.
    ///
    /// # Shapes
    /// - `logits`: `[batch, classes]`
    /// - `labels`: `[batch]`
    /// - output: `[1]`, the batch mean
    pub fn forward_mixed(
        &self,
        logits: Tensor<2>,
        labels: Tensor<1, burn::tensor::Int>,
        mixed: &Mixed,
        device: &Device,
    ) -> Tensor<1> {
        let partners: Vec<i64> = mixed.partner_labels.iter().map(|&l| l as i64).collect();
        let count = partners.len();
        let partners = Tensor::from_data(TensorData::new(partners, [count]), device);
        let own = self.forward(logits.clone(), labels).mul_scalar(mixed.lam);
        own + self.forward(logits, partners).mul_scalar(1.0 - mixed.lam)
    }
}

/// Ids of the classifier's parameters: the only ones trained while the backbone is frozen.
pub fn head_ids(model: &MobileVit) -> Vec<ParamId> {
    struct Ids(Vec<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.id);
        }
    }
    let mut ids = Ids(Vec::new());
    model.head.visit(&mut ids);
    ids.0
}

/// The learning rate of each parameter at one optimizer step: the schedule's, times
/// `Arch.head_lr_mult` for the classifier's.
pub struct LearningRates {
    head: ParamGroup,
    head_lr_mult: f64,
}

impl LearningRates {
    /// The rates for `model`'s parameters (ids are taken from it: build this after a resume).
    pub fn new(config: &Config, model: &MobileVit) -> Result<Self, TrainError> {
        let head_lr_mult = config.arch.head_lr_mult;
        if !(head_lr_mult.is_finite() && head_lr_mult >= 0.0) {
            return Err(TrainError::Config(format!(
                "Arch.head_lr_mult: {head_lr_mult} is not a non-negative number"
            )));
        }
        Ok(Self {
            head: ParamGroup::from_ids(head_ids(model)),
            head_lr_mult,
        })
    }

    /// Every parameter at `lr`, the classifier at `lr * head_lr_mult`.
    pub fn at(&self, lr: f64) -> Result<ModuleLearningRate, TrainError> {
        if self.head_lr_mult == 1.0 {
            return Ok(lr.into());
        }
        // Burn builds per-group rates only through its module scheduler: constant schedules
        // stepped once give this step's rates.
        let mut scheduler = ModuleLrSchedulerConfig::new(LrSchedulerConfig::Constant(lr))
            .with_group(
                self.head.clone(),
                LrSchedulerConfig::Constant(lr * self.head_lr_mult),
            )
            .init()
            .map_err(|error| TrainError::Config(format!("learning rate {lr}: {error}")))?;
        Ok(scheduler.step())
    }
}

/// Logits of a training step. With a frozen backbone, the stem, stages and final convolution
/// run as in evaluation (BatchNorm statistics stay, no dropout, no gradient tape) and only the
/// classifier is differentiated.
///
/// # Shapes
/// - `images`: `[B, 3, H, W]` on the autodiff device
/// - output: `[B, num_classes]`
pub fn training_logits(model: &MobileVit, images: Tensor<4>, frozen_backbone: bool) -> Tensor<2> {
    if frozen_backbone {
        let features = model.valid().forward_features(images.inner());
        model.forward_head(features.autodiff())
    } else {
        model.forward(images)
    }
}

/// The model with each parameter replaced by its gradient (parameters without one keep their
/// value), to export or compare gradients under the model's own parameter names.
pub fn gradients_as_model(model: &MobileVit, grads: &GradientsParams) -> MobileVit {
    struct Gradients<'a>(&'a GradientsParams);
    impl ModuleMapper for Gradients<'_> {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            match self.0.get::<D>(param.id) {
                Some(grad) => Param::initialized(param.id, grad),
                None => param,
            }
        }
    }
    model.valid().map(&mut Gradients(grads))
}
