//! MobileViT trained by Burn's own `Learner` (burn-train's `SupervisedTraining`), the way the
//! Burn book trains a model, from one of this project's configs: its data (our datasets as Burn
//! `Dataset`s, decoded and augmented by `PipelineDataset`), batched by `MobileVitBatcher`, with
//! its model, AdamW (and weight-decay groups), label smoothing and warmup + cosine schedule, and
//! Burn's accuracy and loss metrics. Burn's loop has no EMA, no accumulation to a reference
//! batch and no exact resume; `mobilevit train` has them (`docs/data.md` says when to use which).
//!
//! ```text
//! bash scripts/demo.sh -o Global.epochs=1    # prepares data/mnist5k (the MNIST sample)
//! cargo run --release -p mobilevit-train --example burn_learner -- \
//!     configs/demo/mnist5k_xxs.yaml [-o Key.path=value ...]
//! ```

use std::path::PathBuf;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::Dataset;
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::LearningRate;
use burn::optim::lr_scheduler::{LrScheduler, LrSchedulerRecord};
use burn::tensor::Device;
use burn_train::metric::{AccuracyMetric, LossMetric};
use burn_train::{
    ClassificationOutput, InferenceStep, Learner, SupervisedTraining, TrainOutput, TrainStep,
};
use mobilevit::MobileVit;
use mobilevit_config::{SplitConfig, eval_preprocessing};
use mobilevit_data::{ChannelOrder, PipelineDataset, SampleDataset, pipeline_from_ops};
use mobilevit_train::recipe::{build_model, build_optimizer, training_device};
use mobilevit_train::{Config, LrSchedule, MobileVitBatch, MobileVitBatcher};

/// MobileViT as a burn-train model: a local type, since the training traits are burn-train's.
#[derive(Module, Debug)]
struct Classifier {
    net: MobileVit,
    /// Label smoothing of the training loss (0: none).
    smoothing: f32,
}

impl Classifier {
    fn classify(&self, batch: MobileVitBatch, smoothing: f32) -> ClassificationOutput {
        let logits = self.net.forward(batch.images);
        let loss = CrossEntropyLossConfig::new()
            .with_smoothing((smoothing > 0.0).then_some(smoothing))
            .init(&logits.device())
            .forward(logits.clone(), batch.labels.clone());
        ClassificationOutput::new(loss, logits, batch.labels)
    }
}

impl TrainStep for Classifier {
    type Input = MobileVitBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MobileVitBatch) -> TrainOutput<ClassificationOutput> {
        let item = self.classify(batch, self.smoothing);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Classifier {
    type Input = MobileVitBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MobileVitBatch) -> ClassificationOutput {
        self.classify(batch, 0.0)
    }
}

/// The config's warmup + cosine schedule as a Burn scheduler, one step per batch.
#[derive(Clone)]
struct Schedule {
    schedule: LrSchedule,
    step: usize,
}

impl LrScheduler for Schedule {
    fn step(&mut self) -> LearningRate {
        let lr = self.schedule.lr(self.step);
        self.step += 1;
        lr
    }

    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new().with_scalar("step", self.step as u64)
    }

    fn load_record(&mut self, record: LrSchedulerRecord) {
        self.step = record.scalar::<u64>("step").unwrap_or(0) as usize;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .unwrap_or("configs/demo/mnist5k_xxs.yaml".into()),
    );
    let overrides: Vec<String> = args.filter(|arg| arg != "-o").collect();
    let config = Config::load(&path, &overrides)?;
    let (seed, classes) = (config.global.seed, config.arch.class_num);
    let device = Device::flex();

    let split = |key: &str, split: &SplitConfig| {
        let dataset = &split.dataset;
        let list = dataset
            .cls_label_path
            .as_ref()
            .ok_or(format!("{key}: this example reads list files"))?;
        SampleDataset::from_list(list, &dataset.image_root, &dataset.delimiter, Some(classes))
            .map_err(|error| error.to_string())
    };
    let train_split = &config.data_loader.train;
    let eval_split = config
        .data_loader
        .eval
        .as_ref()
        .ok_or("DataLoader.Eval: required")?;
    let train_pipeline = pipeline_from_ops(&train_split.dataset.transform_ops)?;
    let train_set = PipelineDataset::new(
        split("DataLoader.Train", train_split)?,
        train_pipeline,
        seed,
        train_split.dataset.corrupt_images,
    )?;
    let eval_set = PipelineDataset::new(
        split("DataLoader.Eval", eval_split)?,
        eval_preprocessing(&config)?.pipeline,
        seed,
        eval_split.dataset.corrupt_images,
    )?;

    let batch_size = train_split
        .sampler
        .batch_size
        .ok_or("sampler.batch_size: required")?;
    let workers = train_split.loader.num_workers;
    let steps_per_epoch = train_set.len().div_ceil(batch_size);
    let train_loader = DataLoaderBuilder::new(MobileVitBatcher)
        .batch_size(batch_size)
        .shuffle(seed)
        .num_workers(workers)
        .set_device(device.clone())
        .build(train_set);
    let eval_loader = DataLoaderBuilder::new(MobileVitBatcher)
        .batch_size(eval_split.sampler.batch_size.unwrap_or(batch_size))
        .num_workers(workers)
        .set_device(device.clone())
        .build(eval_set);

    let lr = &config.optimizer.lr;
    let epochs = config.global.epochs;
    let schedule = Schedule {
        schedule: LrSchedule {
            peak: lr.learning_rate,
            warmup_start: lr.warmup_start_lr,
            eta_min: lr.eta_min,
            warmup_steps: (lr.warmup_epoch * steps_per_epoch as f64).round() as usize,
            total_steps: epochs * steps_per_epoch,
        },
        step: 0,
    };
    let built = build_model(&config, &training_device(&device, false), ChannelOrder::Rgb)?;
    let optimizer = build_optimizer(&config, &built.model)?;
    let smoothing = config.loss.train[0].ce_loss.epsilon.unwrap_or(0.0) as f32;
    let model = Classifier {
        net: built.model,
        smoothing,
    };

    let output = config.global.output_dir.join("burn_learner");
    let result = SupervisedTraining::new(&output, train_loader, eval_loader.clone())
        .metrics((AccuracyMetric::new(), LossMetric::new()))
        .with_application_logger(None)
        .num_epochs(epochs)
        .summary()
        .launch(Learner::new(model, optimizer, schedule));
    if let Some(error) = result.error {
        return Err(format!("training stopped: {error}").into());
    }
    let top1 = accuracy(&result.model, eval_loader.as_ref())?;
    println!(
        "final: burn-train Learner, {epochs} epochs, {batch_size} images per step: validation \
         top-1 {:.2}%",
        100.0 * top1
    );
    Ok(())
}

/// Top-1 accuracy of `model` over every batch of `loader`.
fn accuracy(
    model: &Classifier,
    loader: &dyn DataLoader<MobileVitBatch>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let (mut hits, mut count) = (0usize, 0usize);
    for batch in loader.iter() {
        let batch = batch?;
        let labels = batch.labels.into_data().convert::<i64>();
        let predicted = model.net.forward(batch.images).argmax(1).into_data();
        let predicted = predicted.convert::<i64>();
        let labels = labels.try_to_vec::<i64>().map_err(|e| format!("{e:?}"))?;
        let predicted = predicted
            .try_to_vec::<i64>()
            .map_err(|e| format!("{e:?}"))?;
        hits += predicted
            .iter()
            .zip(&labels)
            .filter(|(p, l)| p == l)
            .count();
        count += labels.len();
    }
    Ok(hits as f64 / count.max(1) as f64)
}
