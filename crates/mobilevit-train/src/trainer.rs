//! The training loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::{Module, ParamId};
use burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use mobilevit::weights::save_bpk;
use mobilevit::{MobileVit, WeightsInfo};
use mobilevit_data::{Scales, derive_seed};

use crate::batch_norm::StepStatistics;
use crate::checkpoint::{self, TrainState};
use crate::ema;
use crate::error::TrainError;
use crate::metrics::{EpochMetrics, read_csv, write_csv, write_svg};
use crate::parallel::{RoundSettings, Shard, Workers};
use crate::plan::{PlanInputs, TrainingPlan};
use crate::ranks::{Collective, RankGroup, StepTally};
use crate::recipe::{
    LearningRates, build_model, build_optimizer, head_ids, training_device, with_config_dropout,
};
use mobilevit_config::{
    Config, Global, GradientReduction, SplitConfig, SplitData, SplitImages, build_split_from,
    decode_order, read_split_images, trained_preprocessing,
};
use mobilevit_data::Batch;
use mobilevit_eval::{EvalResult, evaluate};

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
    /// The output folder already holds this run, finished: nothing was trained.
    AlreadyFinished {
        /// The epochs the run has.
        epochs: usize,
        /// Its best evaluation top-1 and the epoch (1-based) that reached it.
        best: Option<(f64, usize)>,
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

/// Runs training as `config` says, data parallel over `devices` (one worker each; the first
/// also holds the optimizer and evaluates, see [`crate::parallel`]). `stop` is polled after
/// every optimizer step: when set, a checkpoint is written and the run returns
/// [`Outcome::Interrupted`].
pub fn train(
    config: &Config,
    devices: &[Device],
    reporter: &mut dyn Reporter,
    stop: Arc<AtomicBool>,
) -> Result<Outcome, TrainError> {
    train_on_ranks(config, devices, None, reporter, stop)
}

/// Images a run takes from its caller instead of from the datasets its config names: any
/// [`mobilevit_data::ImageSource`], such as a Burn `Dataset` through
/// [`mobilevit_data::DatasetSource`]. The config's transforms, sampler and loader settings
/// apply to them as to its own.
#[derive(Debug, Clone, Default)]
pub struct Datasets {
    /// Replaces the images of `DataLoader.Train.dataset` when set.
    pub train: Option<SplitImages>,
    /// Replaces the images of `DataLoader.Eval.dataset` when set (the config must still have a
    /// `DataLoader.Eval`, for its sampler and loader settings).
    pub eval: Option<SplitImages>,
}

/// [`train`] on `datasets` instead of (or, for a split they leave unset, as well as) the
/// datasets the config names.
pub fn train_with_datasets(
    config: &Config,
    datasets: &Datasets,
    devices: &[Device],
    reporter: &mut dyn Reporter,
    stop: Arc<AtomicBool>,
) -> Result<Outcome, TrainError> {
    run(config, datasets, devices, None, reporter, stop)
}

/// [`train`] as one of several processes (MPI ranks, see [`crate::ranks`]), each with its
/// own `devices`: the ranks split every global batch, sum their gradients over `ranks` and
/// take the same steps; rank 0 evaluates and writes every file. When set on any rank, `stop`
/// stops them all.
pub fn train_on_ranks(
    config: &Config,
    devices: &[Device],
    ranks: Option<&dyn Collective>,
    reporter: &mut dyn Reporter,
    stop: Arc<AtomicBool>,
) -> Result<Outcome, TrainError> {
    run(config, &Datasets::default(), devices, ranks, reporter, stop)
}

fn run(
    config: &Config,
    datasets: &Datasets,
    devices: &[Device],
    ranks: Option<&dyn Collective>,
    reporter: &mut dyn Reporter,
    stop: Arc<AtomicBool>,
) -> Result<Outcome, TrainError> {
    let group = ranks.filter(|ranks| ranks.size() > 1).map(RankGroup::new);
    let mut run = Run::prepare(config, datasets, devices, group, reporter)?;
    if run.state.epoch >= config.global.epochs {
        return Ok(Outcome::AlreadyFinished {
            epochs: run.state.epoch,
            best: run.state.best,
        });
    }
    while run.state.epoch < config.global.epochs {
        if let Some(outcome) = run.epoch(reporter, &stop)? {
            return Ok(outcome);
        }
    }
    Ok(Outcome::Finished {
        last_eval: run.last_eval,
        last_ema_eval: run.last_ema_eval,
    })
}

/// Everything a run carries from step to step.
struct Run<'a> {
    config: &'a Config,
    plan: TrainingPlan,
    train_data: SplitData,
    /// Only rank 0 evaluates.
    eval_data: Option<SplitData>,
    workers: Workers,
    ranks: Option<RankGroup<'a>>,
    /// This process's shares of every global batch among all devices:
    /// `rank * D .. (rank + 1) * D`.
    local_ranks: std::ops::Range<usize>,
    model: MobileVit,
    average: Option<MobileVit>,
    ema_settings: Option<(f64, bool)>,
    /// What the trained weights expect: the config's eval pipeline, decoded in the training
    /// order.
    info: WeightsInfo,
    optimizer: ModuleOptimizer,
    learning_rates: LearningRates,
    state: TrainState,
    history: Vec<EpochMetrics>,
    last_eval: Option<EvalResult>,
    last_ema_eval: Option<EvalResult>,
    /// Where a rank other than 0 keeps the checkpoint files rank 0 sent: the optimizer's
    /// state is read from them lazily, so they live as long as the run.
    _received_checkpoint: Option<tempfile::TempDir>,
}

/// Sums over the optimizer steps of an epoch so far.
#[derive(Default)]
struct EpochTally {
    /// The steps' tallies, over all ranks.
    steps: StepTally,
    /// Unreadable images this rank skipped.
    skipped: usize,
    /// Learning rate of the last step.
    last_lr: f64,
}

impl<'a> Run<'a> {
    /// Reads the data, plans the batches, builds or resumes the model and optimizer (the
    /// same on every rank) and starts the device workers.
    fn prepare(
        config: &'a Config,
        datasets: &Datasets,
        devices: &[Device],
        ranks: Option<RankGroup<'a>>,
        reporter: &mut dyn Reporter,
    ) -> Result<Self, TrainError> {
        if devices.is_empty() {
            return Err(TrainError::Config("Global.devices: no device".into()));
        }
        let global = &config.global;
        check_gradient_reduction(global, devices.len(), reporter)?;
        if let Some(group) = &ranks {
            group.check_same_settings(config, devices.len())?;
        }
        let (rank, rank_count) = ranks.as_ref().map_or((0, 1), |g| (g.rank(), g.size()));
        let all_devices = rank_count * devices.len();
        if config.amp.as_ref().is_some_and(|amp| amp.use_amp) && rank == 0 {
            reporter.message(
                "note: AMP.use_amp: mixed precision is not available; training in float32",
            );
        }
        let output = &global.output_dir;
        if rank == 0 {
            std::fs::create_dir_all(output).map_err(|error| TrainError::io(output, error))?;
            let resolved = output.join("config.yaml");
            std::fs::write(&resolved, config.to_yaml())
                .map_err(|error| TrainError::io(&resolved, error))?;
        }

        let (seed, classes) = (global.seed, config.arch.class_num);
        let train = &config.data_loader.train;
        let (key, given) = ("DataLoader.Train", datasets.train.clone());
        let images = split_images(
            train,
            key,
            given,
            classes,
            (rank == 0).then_some(&mut *reporter),
        )?;
        let train_data = build_split_from(train, key, images, classes, seed, all_devices, None)?;
        // The model learns the channel order of its training images; evaluation and the
        // checkpoints' record follow it.
        let order = decode_order(&config.data_loader.train, "DataLoader.Train")?;
        if let Some(split) = &config.data_loader.eval {
            let eval_order = decode_order(split, "DataLoader.Eval")?;
            if eval_order != order {
                reporter.message(&format!(
                    "note: DataLoader.Eval decodes {eval_order} and DataLoader.Train {order}: \
                     evaluating on {order}, the order the model is trained on"
                ));
            }
        }
        let record = trained_preprocessing(config, order)?;
        let eval_data = match (&config.data_loader.eval, global.eval_during_train) {
            (Some(eval), true) if rank == 0 => {
                let (key, given) = ("DataLoader.Eval", datasets.eval.clone());
                let images = split_images(eval, key, given, classes, Some(&mut *reporter))?;
                let pipeline = Some(record.pipeline.clone());
                Some(build_split_from(
                    eval, key, images, classes, seed, 1, pipeline,
                )?)
            }
            (None, _) if datasets.eval.is_some() => {
                return Err(TrainError::Config(
                    "DataLoader.Eval: evaluating the given eval dataset needs the config's \
                     DataLoader.Eval (its sampler and loader settings)"
                        .into(),
                ));
            }
            (Some(_), false) if datasets.eval.is_some() && rank == 0 => {
                reporter.message(
                    "note: Global.eval_during_train is false: the given eval dataset is not used",
                );
                None
            }
            _ => None,
        };
        let class_names = class_names(config, &train_data, eval_data.as_ref())?;
        let lr = &config.optimizer.lr;
        let plan = TrainingPlan::new(PlanInputs {
            devices: all_devices,
            device_batch: base_batch(&train_data.sampler.scales),
            global_batch: global.global_batch_size,
            reference_batch: global.lr_reference_batch_size,
            peak_lr: lr.learning_rate,
            warmup_start_lr: lr.warmup_start_lr,
            eta_min: lr.eta_min,
            warmup_epochs: lr.warmup_epoch,
            micro_batches_per_epoch: (0..global.epochs as u64)
                .map(|epoch| train_data.sampler.micro_batches(epoch))
                .collect(),
        })?;
        match rank_count {
            1 => reporter.message(&format!("plan: {plan}")),
            _ => reporter.message(&format!(
                "plan: {rank_count} ranks x {} device(s) each; {plan}",
                devices.len()
            )),
        }

        let train_devices: Vec<Device> = devices
            .iter()
            .map(|device| training_device(device, global.gradient_checkpointing))
            .collect();
        let built = build_model(config, &train_devices[0], order)?;
        reporter.message(&format!("model: {}", built.origin));
        let mut model = built.model;
        let mut state = TrainState {
            epoch: 0,
            batches_done: 0,
            global_step: 0,
            best: None,
            seed,
        };
        let mut resume_from = global
            .checkpoints
            .clone()
            .or_else(|| Some(checkpoint_dir(config)).filter(|dir| dir.join("state.json").exists()));
        // Under several ranks, rank 0's checkpoint rules: the others receive its files.
        let mut received_checkpoint = None;
        if let Some(group) = &ranks {
            let scratch = tempfile::tempdir().map_err(|error| TrainError::io(output, error))?;
            resume_from = group.share_checkpoint(resume_from, scratch.path())?;
            received_checkpoint = Some(scratch);
        }
        let mut optimizer = build_optimizer(config, &model)?;
        let mut resumed_average = None;
        if let Some(dir) = resume_from {
            let resumed = checkpoint::load(&dir, &train_devices[0])?;
            model = with_config_dropout(resumed.model, config, &train_devices[0])?;
            resumed_average = resumed.ema.map(|ema| ema.valid());
            // Parameter groups are keyed by parameter id, and the resumed model carries the
            // ids of the run that saved it: the groups are built again from it.
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
        if let Some(group) = &ranks {
            // Every rank starts from rank 0's weights (the same checkpoint when resuming, and
            // whatever rank 0 initialised or loaded otherwise).
            model = group.share_weights(model)?;
        }
        let ema_settings = config.ema.as_ref().map(|ema| (ema.decay, ema.warmup));
        let average = ema_settings.map(|_| resumed_average.unwrap_or_else(|| model.valid()));
        let learning_rates = LearningRates::new(config, &model)?;
        if config.arch.head_lr_mult != 1.0 {
            reporter.message(&format!(
                "classifier learning rate: {}x the schedule's",
                config.arch.head_lr_mult
            ));
        }
        let workers = Workers::start(
            &train_devices,
            &config.loss.train,
            global.gradient_reduction,
        )?;
        let mut history = read_csv(&output.join("metrics.csv"));
        history.retain(|row| row.epoch <= state.epoch);
        let first_rank = rank * devices.len();
        Ok(Self {
            config,
            plan,
            train_data,
            eval_data,
            workers,
            ranks,
            local_ranks: first_rank..first_rank + devices.len(),
            model,
            average,
            ema_settings,
            info: WeightsInfo::trained(record).with_class_names(class_names),
            optimizer,
            learning_rates,
            state,
            history,
            last_eval: None,
            last_ema_eval: None,
            _received_checkpoint: received_checkpoint,
        })
    }

    /// One epoch: its optimizer steps, then evaluation, metrics and checkpoints. `Some` when
    /// the run was interrupted.
    fn epoch(
        &mut self,
        reporter: &mut dyn Reporter,
        stop: &AtomicBool,
    ) -> Result<Option<Outcome>, TrainError> {
        let epoch = self.state.epoch;
        let config = self.config;
        // While the backbone is frozen only the classifier is differentiated and updated.
        let freeze = config.arch.freeze_backbone_epochs;
        let trainable = (epoch < freeze).then(|| Arc::new(head_ids(&self.model)));
        if freeze > 0 && epoch == 0 {
            reporter.message(&format!("backbone frozen for {freeze} epoch(s)"));
        } else if freeze > 0 && epoch == freeze {
            reporter.message("backbone unfrozen");
        }
        let batches = self.train_data.sampler.epoch_all_ranks(epoch as u64);
        let (micro_total, ranks) = (batches.len(), self.train_data.sampler.ranks);
        let per_step = self.plan.accumulation * self.plan.devices;
        let steps = micro_total.div_ceil(per_step);
        reporter.epoch_start(epoch + 1, steps);
        let start = Instant::now();
        let mut tally = EpochTally {
            last_lr: self.plan.schedule.lr(self.state.global_step),
            ..EpochTally::default()
        };
        // Every rank walks all positions of the epoch and trains on its own shares' batches.
        let mut index = self.state.batches_done;
        let mine: Vec<Batch> = (index..micro_total)
            .filter(|position| self.local_ranks.contains(&(position % ranks)))
            .map(|position| batches[position].clone())
            .collect();
        let mut loading = self.train_data.loader.load(mine, epoch as u64);
        let mut accumulator = GradientsAccumulator::new();
        let mut statistics = StepStatistics::default();
        let mut step = StepTally::default();
        while index < micro_total {
            let step_start = index / per_step * per_step;
            let step_end = (step_start + per_step).min(micro_total);
            let mut shards = Vec::with_capacity(self.local_ranks.len());
            for rank in self.local_ranks.clone() {
                let batch = loading.next().ok_or_else(|| {
                    TrainError::Worker("the data loader ended before the epoch did".into())
                })??;
                tally.skipped += batch.skipped.len();
                // Dropout masks are seeded from the position in the run, so that a resumed
                // run, and any number of devices and ranks, draw the same masks for the same
                // micro-batch.
                let position = (index + rank) as u64;
                shards.push(Shard {
                    batch,
                    seed: derive_seed(config.global.seed, epoch as u64, position),
                });
            }
            index += ranks;
            let settings = RoundSettings {
                micro_batches: step_end - step_start,
                trainable: trainable.clone(),
            };
            for output in self
                .workers
                .round(&self.model, shards, &settings)?
                .into_iter()
                .flatten()
            {
                if let Some(loss) = output.loss.filter(|loss| !loss.is_finite()) {
                    return Err(TrainError::NonFiniteLoss {
                        value: loss as f32,
                        epoch: epoch + 1,
                        step: self.state.global_step,
                        checkpoint: checkpoint_dir(config).display().to_string(),
                    });
                }
                if let Some(grads) = output.grads {
                    accumulator.accumulate(&self.model, grads);
                }
                step.images += output.images;
                if let Some(loss) = output.loss {
                    step.loss_sum += loss;
                    step.losses += 1;
                }
            }
            // One BatchNorm statistics update per optimizer step, whatever the split
            // (`crate::batch_norm`).
            self.model = statistics.end_round(self.model.clone());
            if index < step_end {
                continue;
            }
            self.model = statistics.end_step(self.model.clone());
            if let Some(group) = &self.ranks {
                self.model = group.average_statistics(self.model.clone())?;
            }
            step.stop = stop.load(Ordering::SeqCst);
            let only = trainable.as_deref().map(Vec::as_slice);
            let (total, lr) = self.optimizer_step(accumulator.grads(), only, step)?;
            self.state.batches_done = index;
            step = StepTally::default();
            tally.last_lr = lr;
            tally.steps = tally.steps + total;
            reporter.step(&StepProgress {
                epoch: epoch + 1,
                step: step_start / per_step + 1,
                steps,
                global_step: self.state.global_step,
                lr: tally.last_lr,
                loss: total.loss_sum / total.losses.max(1) as f64,
                images_per_sec: tally.steps.images as f64 / start.elapsed().as_secs_f64().max(1e-9),
            });
            let every = config.global.save_step_interval;
            if total.stop || (every > 0 && self.state.global_step.is_multiple_of(every)) {
                self.save_checkpoint()?;
            }
            if total.stop {
                return Ok(Some(Outcome::Interrupted {
                    checkpoint: checkpoint_dir(config),
                }));
            }
        }
        let images_per_sec = tally.steps.images as f64 / start.elapsed().as_secs_f64().max(1e-9);
        self.end_epoch(reporter, &tally, images_per_sec)?;
        Ok(None)
    }

    /// Sums the gradients over the ranks, steps the optimizer and the EMA. Answers the step's
    /// tally over all ranks and the learning rate it used.
    fn optimizer_step(
        &mut self,
        grads: GradientsParams,
        only: Option<&[ParamId]>,
        local: StepTally,
    ) -> Result<(StepTally, f64), TrainError> {
        let (grads, total) = match &self.ranks {
            Some(group) => group.all_reduce(&self.model, grads, only, local)?,
            None => (grads, local),
        };
        let lr = self.plan.schedule.lr(self.state.global_step);
        let model = self.model.clone();
        self.model = self
            .optimizer
            .step(self.learning_rates.at(lr)?, model, grads);
        self.state.global_step += 1;
        // Burn's `RunningState` keeps each worker's latest BatchNorm statistics aside until
        // they are read; reading the model in evaluation form folds them in (averaged over the
        // devices), so that checkpoints and the EMA see them.
        let settled = self.model.valid();
        if let (Some((decay, warmup)), Some(current)) = (self.ema_settings, self.average.take()) {
            let decay = ema::decay_at(decay, warmup, self.state.global_step - 1);
            self.average = Some(ema::update(current, &settled, decay));
        }
        Ok((total, lr))
    }

    /// Whether this process writes the run's files: the only one, or rank 0.
    fn writes_files(&self) -> bool {
        self.ranks.as_ref().is_none_or(|group| group.rank() == 0)
    }

    fn save_checkpoint(&self) -> Result<(), TrainError> {
        if !self.writes_files() {
            return Ok(());
        }
        checkpoint::save(
            &checkpoint_dir(self.config),
            &self.model,
            self.average.as_ref(),
            Some(&self.info),
            &self.optimizer,
            &self.state,
        )
    }

    /// Evaluation, metrics, `latest`/`best` weights and the epoch's checkpoint (rank 0).
    fn end_epoch(
        &mut self,
        reporter: &mut dyn Reporter,
        tally: &EpochTally,
        images_per_sec: f64,
    ) -> Result<(), TrainError> {
        let config = self.config;
        let output = &config.global.output_dir;
        let epoch = self.state.epoch;
        let evaluate_now = (epoch + 1).is_multiple_of(config.global.eval_interval.max(1))
            || epoch + 1 == config.global.epochs;
        let (eval, ema_eval) = match (&self.eval_data, evaluate_now) {
            (Some(data), true) => run_eval(data, &self.model, self.average.as_ref())?,
            _ => (None, None),
        };
        if let Some(result) = &eval {
            self.last_eval = Some(result.clone());
            if self.state.best.is_none_or(|(best, _)| result.top1 > best) {
                self.state.best = Some((result.top1, epoch + 1));
                save_bpk(
                    &self.model,
                    Some(&self.info),
                    &output.join("best_model.bpk"),
                )?;
            }
        }
        let ema_top1 = ema_eval.as_ref().map(|e| e.top1);
        self.last_ema_eval = ema_eval.or(self.last_ema_eval.take());
        let row = EpochMetrics {
            epoch: epoch + 1,
            step: self.state.global_step,
            lr: tally.last_lr,
            train_loss: tally.steps.loss_sum / tally.steps.losses.max(1) as f64,
            eval_top1: eval.as_ref().map(|e| e.top1),
            eval_top5: eval.as_ref().map(|e| e.top5),
            eval_loss: eval.as_ref().map(|e| e.loss),
            ema_top1,
            images_per_sec,
            skipped_images: tally.skipped,
        };
        reporter.epoch_end(&row);
        self.history.push(row);
        self.state.epoch += 1;
        self.state.batches_done = 0;
        if !self.writes_files() {
            return Ok(());
        }
        write_csv(&output.join("metrics.csv"), &self.history)?;
        write_svg(&output.join("curves.svg"), &self.history)?;
        save_bpk(&self.model, Some(&self.info), &output.join("latest.bpk"))?;
        if let Some(average) = &self.average {
            save_bpk(average, Some(&self.info), &output.join("latest_ema.bpk"))?;
        }
        let epochs = config.global.epochs;
        if self
            .state
            .epoch
            .is_multiple_of(config.global.save_interval.max(1))
            || self.state.epoch == epochs
        {
            self.save_checkpoint()?;
        }
        Ok(())
    }
}

/// The `given` images of a split (told to `reporter`, when set), else those its config names.
fn split_images(
    split: &SplitConfig,
    key: &str,
    given: Option<SplitImages>,
    num_classes: usize,
    reporter: Option<&mut dyn Reporter>,
) -> Result<SplitImages, TrainError> {
    let Some(images) = given else {
        return Ok(read_split_images(split, key, num_classes)?);
    };
    if let Some(reporter) = reporter {
        reporter.message(&format!(
            "data: {key}: {} images from the given dataset; its dataset.image_root and \
             cls_label_path are not read",
            images.source.len()
        ));
    }
    Ok(images)
}

/// The class names the checkpoints record: the training class folders' (which the eval
/// folders must repeat, or the labels would mean other classes), else those of
/// `Infer.PostProcess.class_id_map_file` when it names every class.
fn class_names(
    config: &Config,
    train: &SplitData,
    eval: Option<&SplitData>,
) -> Result<Option<Vec<String>>, TrainError> {
    if let (Some(names), Some(eval_names)) = (
        &train.class_names,
        eval.and_then(|data| data.class_names.as_ref()),
    ) && names != eval_names
    {
        return Err(TrainError::Config(format!(
            "DataLoader.Eval.dataset.image_root: its class folders ({}) are not the training \
             ones ({}): labels follow the sorted folder names, so both must hold the same classes",
            eval_names.join(", "),
            names.join(", ")
        )));
    }
    if train.class_names.is_some() {
        return Ok(train.class_names.clone());
    }
    let map = config
        .infer
        .as_ref()
        .and_then(|infer| infer.post_process.as_ref())
        .and_then(|post| post.class_id_map_file.as_ref())
        .filter(|path| path.exists());
    Ok(map
        .and_then(|path| mobilevit_data::read_class_map(path).ok())
        .filter(|names| names.len() == config.arch.class_num))
}

/// Evaluation of the raw and EMA weights.
type Evaluations = (Option<EvalResult>, Option<EvalResult>);

fn run_eval(
    data: &SplitData,
    model: &MobileVit,
    average: Option<&MobileVit>,
) -> Result<Evaluations, TrainError> {
    let batches = data.sampler.epoch(0, 0);
    let model = model.valid();
    let device = model.devices().first().cloned().unwrap_or_default();
    let raw = evaluate(&model, &data.loader, batches.clone(), &device)?;
    let ema = match average {
        Some(average) => Some(evaluate(average, &data.loader, batches, &device)?),
        None => None,
    };
    Ok((Some(raw), ema))
}

/// `Global.gradient_reduction: nccl` runs between CUDA GPUs only, and has nothing to do on one.
fn check_gradient_reduction(
    global: &Global,
    devices: usize,
    reporter: &mut dyn Reporter,
) -> Result<(), TrainError> {
    if global.gradient_reduction != GradientReduction::Nccl {
        return Ok(());
    }
    if !matches!(global.device.to_ascii_lowercase().as_str(), "cuda" | "gpu") {
        return Err(TrainError::Config(format!(
            "Global.gradient_reduction: nccl sums gradients between CUDA GPUs, and \
             Global.device is '{}': use gather",
            global.device
        )));
    }
    if devices == 1 {
        reporter.message("Global.gradient_reduction: nccl with one device: nothing to reduce");
    }
    Ok(())
}
