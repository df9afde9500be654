//! The training loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::Device;
use mobilevit::MobileVit;
use mobilevit::weights::save_bpk;
use mobilevit_data::{Scales, derive_seed};

use crate::checkpoint::{self, TrainState};
use crate::config::Config;
use crate::data::{SplitData, build_split};
use crate::ema;
use crate::error::TrainError;
use crate::metrics::{EpochMetrics, read_csv, write_csv, write_svg};
use crate::plan::{PlanInputs, TrainingPlan};
use crate::recipe::{LearningRates, Loss, build_model, build_optimizer, head_ids, training_logits};
use mobilevit_eval::{EvalResult, evaluate, to_tensors};

/// Progress of one optimizer step, for display.
#[derive(Debug, Clone, Copy)]
pub struct StepProgress {
    /// Epoch (1-based).
    pub epoch: usize,
    /// Step within the epoch (1-based).
    pub step: usize,
    /// Steps in the epoch.
    pub steps: usize,
    /// Optimizer steps in the run so far.
    pub global_step: usize,
    /// Learning rate used.
    pub lr: f64,
    /// Mean loss of the step's micro-batches.
    pub loss: f64,
    /// Training images per second over the epoch so far.
    pub images_per_sec: f64,
}

/// Receives what a run wants to show.
pub trait Reporter {
    /// A line of information (the plan, where weights came from, resuming, ...).
    fn message(&mut self, text: &str);
    /// An epoch starts with this many optimizer steps.
    fn epoch_start(&mut self, epoch: usize, steps: usize);
    /// An optimizer step was taken.
    fn step(&mut self, progress: &StepProgress);
    /// An epoch ended.
    fn epoch_end(&mut self, metrics: &EpochMetrics);
}

/// Plain lines, every `every` steps (for logs and non-terminals).
pub struct PlainReporter {
    /// Print a step line every this many steps.
    pub every: usize,
}

impl Reporter for PlainReporter {
    fn message(&mut self, text: &str) {
        println!("{text}");
    }

    fn epoch_start(&mut self, epoch: usize, steps: usize) {
        println!("epoch {epoch}: {steps} steps");
    }

    fn step(&mut self, p: &StepProgress) {
        if p.step.is_multiple_of(self.every.max(1)) || p.step == p.steps {
            println!(
                "epoch {} step {}/{}: loss {:.4}, lr {:.3e}, {:.1} images/s",
                p.epoch, p.step, p.steps, p.loss, p.lr, p.images_per_sec
            );
        }
    }

    fn epoch_end(&mut self, m: &EpochMetrics) {
        println!("{}", epoch_line(m));
    }
}

/// One line summarising an epoch.
pub fn epoch_line(m: &EpochMetrics) -> String {
    let mut line = format!(
        "epoch {} done: train loss {:.4}, lr {:.3e}, {:.1} images/s",
        m.epoch, m.train_loss, m.lr, m.images_per_sec
    );
    if let (Some(top1), Some(top5), Some(loss)) = (m.eval_top1, m.eval_top5, m.eval_loss) {
        line.push_str(&format!(
            "; eval top-1 {:.2}%, top-5 {:.2}%, loss {:.4}",
            top1 * 100.0,
            top5 * 100.0,
            loss
        ));
    }
    if let Some(ema) = m.ema_top1 {
        line.push_str(&format!(", EMA top-1 {:.2}%", ema * 100.0));
    }
    if m.skipped_images > 0 {
        line.push_str(&format!("; {} unreadable images skipped", m.skipped_images));
    }
    line
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// All epochs done; the last evaluation, if any.
    Finished {
        /// Last evaluation of the raw weights.
        last_eval: Option<EvalResult>,
        /// Last evaluation of the EMA weights.
        last_ema_eval: Option<EvalResult>,
    },
    /// Stopped on request; the checkpoint to resume from.
    Interrupted {
        /// The checkpoint folder.
        checkpoint: PathBuf,
    },
}

/// The checkpoint folder of a run.
pub fn checkpoint_dir(config: &Config) -> PathBuf {
    config.global.output_dir.join("checkpoint")
}

fn base_batch(scales: &Scales) -> usize {
    match scales {
        Scales::Fixed(scale) => scale.batch_size,
        Scales::Multi(scales) => scales.first().map_or(1, |s| s.batch_size),
    }
}

/// Runs training as `config` says, on `devices` (the first is used; data parallel over several
/// is refused for now). `stop` is polled after every optimizer step: when set, a checkpoint is
/// written and the run returns [`Outcome::Interrupted`].
pub fn train(
    config: &Config,
    devices: &[Device],
    reporter: &mut dyn Reporter,
    stop: Arc<AtomicBool>,
) -> Result<Outcome, TrainError> {
    let Some(device) = devices.first() else {
        return Err(TrainError::Config("Global.devices: no device".into()));
    };
    if devices.len() > 1 {
        return Err(TrainError::Config(format!(
            "Global.devices: data parallel training over {} devices is not available yet; use \
             one device and let the plan accumulate micro-batches to the same global batch",
            devices.len()
        )));
    }
    if config.amp.as_ref().is_some_and(|amp| amp.use_amp) {
        return Err(TrainError::Config(
            "AMP.use_amp: mixed precision is not available; training runs in float32".into(),
        ));
    }
    let output = &config.global.output_dir;
    std::fs::create_dir_all(output).map_err(|error| TrainError::io(output, error))?;
    let resolved = output.join("config.yaml");
    std::fs::write(&resolved, config.to_yaml())
        .map_err(|error| TrainError::io(&resolved, error))?;

    let seed = config.global.seed;
    let classes = config.arch.class_num;
    let train_data = build_split(
        &config.data_loader.train,
        "DataLoader.Train",
        classes,
        seed,
        devices.len(),
    )?;
    let eval_data = match (&config.data_loader.eval, config.global.eval_during_train) {
        (Some(split), true) => Some(build_split(split, "DataLoader.Eval", classes, seed, 1)?),
        _ => None,
    };
    let lr = &config.optimizer.lr;
    let plan = TrainingPlan::new(PlanInputs {
        devices: devices.len(),
        device_batch: base_batch(&train_data.sampler.scales),
        global_batch: config.global.global_batch_size,
        reference_batch: config.global.lr_reference_batch_size,
        peak_lr: lr.learning_rate,
        warmup_start_lr: lr.warmup_start_lr,
        eta_min: lr.eta_min,
        warmup_epochs: lr.warmup_epoch,
        epochs: config.global.epochs,
        samples_per_epoch: train_data.loader.num_samples(),
    })?;
    reporter.message(&format!("plan: {plan}"));

    let train_device = device.clone().autodiff();
    let built = build_model(config, &train_device)?;
    reporter.message(&format!("model: {}", built.origin));
    let info = built.info.clone();
    let mut model = built.model;
    let ema_settings = config.ema.as_ref().map(|ema| (ema.decay, ema.warmup));
    let mut average = ema_settings.map(|_| model.valid());
    let mut state = TrainState {
        epoch: 0,
        batches_done: 0,
        global_step: 0,
        best: None,
        seed,
    };
    let resume_from = config
        .global
        .checkpoints
        .clone()
        .or_else(|| Some(checkpoint_dir(config)).filter(|dir| dir.join("state.json").exists()));
    let mut optimizer = build_optimizer(config, &model)?;
    if let Some(dir) = resume_from {
        let resumed = checkpoint::load(&dir, &train_device)?;
        model = resumed.model;
        average = resumed.ema.map(|ema| ema.valid()).or(average);
        // Parameter groups are keyed by parameter id, and the resumed model carries the ids of
        // the run that saved it: the groups are built again from it.
        optimizer = build_optimizer(config, &model)?
            .load(&resumed.optimizer_file)
            .map_err(|error| TrainError::io(&resumed.optimizer_file, format!("{error:?}")))?;
        state = resumed.state;
        reporter.message(&format!(
            "resuming from {} at epoch {}, step {}",
            dir.display(),
            state.epoch + 1,
            state.global_step
        ));
    }
    let learning_rates = LearningRates::new(config, &model)?;
    if config.arch.head_lr_mult != 1.0 {
        reporter.message(&format!(
            "classifier learning rate: {}x the schedule's",
            config.arch.head_lr_mult
        ));
    }
    let train_loss = Loss::new(&config.loss.train, &train_device);
    let mut history = read_csv(&output.join("metrics.csv"));
    history.retain(|row| row.epoch <= state.epoch);
    let mut last_eval = None;
    let mut last_ema_eval = None;

    while state.epoch < config.global.epochs {
        let epoch = state.epoch;
        // While the backbone is frozen only the classifier is differentiated and updated.
        let freeze = config.arch.freeze_backbone_epochs;
        let trainable = (epoch < freeze).then(|| head_ids(&model));
        if freeze > 0 && epoch == 0 {
            reporter.message(&format!("backbone frozen for {freeze} epoch(s)"));
        } else if freeze > 0 && epoch == freeze {
            reporter.message("backbone unfrozen");
        }
        let batches = train_data.sampler.epoch(epoch as u64, 0);
        let micro_total = batches.len();
        let steps = micro_total.div_ceil(plan.accumulation);
        reporter.epoch_start(epoch + 1, steps);
        let start = Instant::now();
        let (mut images, mut loss_sum, mut loss_count, mut skipped) =
            (0usize, 0.0f64, 0usize, 0usize);
        let mut accumulator = GradientsAccumulator::new();
        let mut step_loss = (0.0f64, 0usize);
        let mut last_lr = plan.schedule.lr(state.global_step);
        let skip = state.batches_done;
        for (offset, batch) in train_data
            .loader
            .load(batches[skip..].to_vec(), epoch as u64)
            .enumerate()
        {
            let index = skip + offset;
            let batch = batch?;
            skipped += batch.skipped.len();
            let step_start = index / plan.accumulation * plan.accumulation;
            let in_step = plan.accumulation.min(micro_total - step_start);
            if !batch.is_empty() {
                // Dropout draws from the device's generator: seed it from the position in the run
                // so that a resumed run draws the same masks.
                train_device.seed(derive_seed(seed, epoch as u64, index as u64));
                let (inputs, labels) = to_tensors(&batch, &train_device);
                let logits = training_logits(&model, inputs, trainable.is_some());
                let loss = train_loss.forward(logits, labels);
                let value = f64::from(loss.clone().into_scalar::<f32>());
                if !value.is_finite() {
                    return Err(TrainError::NonFiniteLoss {
                        value: value as f32,
                        epoch: epoch + 1,
                        step: state.global_step,
                        checkpoint: checkpoint_dir(config).display().to_string(),
                    });
                }
                let mut grads = loss.div_scalar(in_step as f64).backward();
                let grads = match &trainable {
                    Some(ids) => GradientsParams::from_params(&mut grads, &model, ids),
                    None => GradientsParams::from_grads(grads, &model),
                };
                accumulator.accumulate(&model, grads);
                images += batch.len();
                loss_sum += value;
                loss_count += 1;
                step_loss = (step_loss.0 + value, step_loss.1 + 1);
            }
            if index + 1 - step_start < in_step {
                continue;
            }
            last_lr = plan.schedule.lr(state.global_step);
            model = optimizer.step(learning_rates.at(last_lr)?, model, accumulator.grads());
            state.global_step += 1;
            state.batches_done = index + 1;
            if let (Some((decay, warmup)), Some(current)) = (ema_settings, average.take()) {
                let decay = ema::decay_at(decay, warmup, state.global_step - 1);
                average = Some(ema::update(current, &model.valid(), decay));
            }
            reporter.step(&StepProgress {
                epoch: epoch + 1,
                step: step_start / plan.accumulation + 1,
                steps,
                global_step: state.global_step,
                lr: last_lr,
                loss: step_loss.0 / step_loss.1.max(1) as f64,
                images_per_sec: images as f64 / start.elapsed().as_secs_f64().max(1e-9),
            });
            step_loss = (0.0, 0);
            let every = config.global.save_step_interval;
            let interrupted = stop.load(Ordering::SeqCst);
            if interrupted || (every > 0 && state.global_step.is_multiple_of(every)) {
                checkpoint::save(
                    &checkpoint_dir(config),
                    &model,
                    average.as_ref(),
                    info.as_ref(),
                    &optimizer,
                    &state,
                )?;
            }
            if interrupted {
                return Ok(Outcome::Interrupted {
                    checkpoint: checkpoint_dir(config),
                });
            }
        }
        let images_per_sec = images as f64 / start.elapsed().as_secs_f64().max(1e-9);
        let evaluate_now = (epoch + 1).is_multiple_of(config.global.eval_interval.max(1))
            || epoch + 1 == config.global.epochs;
        let (eval, ema_eval) = match (&eval_data, evaluate_now) {
            (Some(data), true) => run_eval(data, &model, average.as_ref(), device)?,
            _ => (None, None),
        };
        if let Some(result) = &eval {
            last_eval = Some(result.clone());
            if state.best.is_none_or(|(best, _)| result.top1 > best) {
                state.best = Some((result.top1, epoch + 1));
                save_bpk(&model, info.as_ref(), &output.join("best_model.bpk"))?;
            }
        }
        let ema_top1 = ema_eval.as_ref().map(|e| e.top1);
        last_ema_eval = ema_eval.or(last_ema_eval);
        let row = EpochMetrics {
            epoch: epoch + 1,
            step: state.global_step,
            lr: last_lr,
            train_loss: loss_sum / loss_count.max(1) as f64,
            eval_top1: eval.as_ref().map(|e| e.top1),
            eval_top5: eval.as_ref().map(|e| e.top5),
            eval_loss: eval.as_ref().map(|e| e.loss),
            ema_top1,
            images_per_sec,
            skipped_images: skipped,
        };
        reporter.epoch_end(&row);
        history.push(row);
        write_csv(&output.join("metrics.csv"), &history)?;
        write_svg(&output.join("curves.svg"), &history)?;
        state.epoch += 1;
        state.batches_done = 0;
        save_bpk(&model, info.as_ref(), &output.join("latest.bpk"))?;
        if let Some(average) = &average {
            save_bpk(average, info.as_ref(), &output.join("latest_ema.bpk"))?;
        }
        if state
            .epoch
            .is_multiple_of(config.global.save_interval.max(1))
            || state.epoch == config.global.epochs
        {
            checkpoint::save(
                &checkpoint_dir(config),
                &model,
                average.as_ref(),
                info.as_ref(),
                &optimizer,
                &state,
            )?;
        }
    }
    Ok(Outcome::Finished {
        last_eval,
        last_ema_eval,
    })
}

/// Evaluation of the raw and EMA weights.
type Evaluations = (Option<EvalResult>, Option<EvalResult>);

fn run_eval(
    data: &SplitData,
    model: &MobileVit,
    average: Option<&MobileVit>,
    device: &Device,
) -> Result<Evaluations, TrainError> {
    let batches = data.sampler.epoch(0, 0);
    let raw = evaluate(&model.valid(), &data.loader, batches.clone(), device)?;
    let ema = match average {
        Some(average) => Some(evaluate(average, &data.loader, batches, device)?),
        None => None,
    };
    Ok((Some(raw), ema))
}
