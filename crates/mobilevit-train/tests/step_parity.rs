//! A whole training step against timm + PyTorch (`scripts/make_train_step_fixture.py`): from
//! the committed timm weights, on the same batch of two 64x64 images, with every dropout off
//! and label smoothing 0.1, the gradient of every parameter, then the loss over five AdamW
//! steps with PaddleClas's weight-decay groups (decay 0.01 on convolution and linear weights
//! only), learning rate 1e-3, betas (0.9, 0.999), epsilon 1e-8.
//!
//! Tolerances: each gradient tensor within 1e-3 of its largest magnitude (float32 sums in
//! another order over 1.27M parameters); losses within 1e-4.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};
use mobilevit::MobileVit;
use mobilevit::convert::readers::{FileFormat, StateDict, read_state_dict};
use mobilevit_train::Config;
use mobilevit_train::recipe::{
    LearningRates, Loss, build_optimizer, gradients_as_model, training_device, with_config_dropout,
};

fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn read(path: &Path) -> StateDict {
    read_state_dict(path, FileFormat::Safetensors).unwrap()
}

/// The demo recipe (AdamW, PaddleClas's decay groups, label smoothing 0.1) for the 1000-class
/// fixture, dropout rates as given.
fn config(dropout: &[&str]) -> Config {
    let mut overrides = vec!["Arch.class_num=1000".to_string()];
    overrides.extend(dropout.iter().map(|item| item.to_string()));
    Config::load(&repo("configs/demo/mnist5k_xxs.yaml"), &overrides).unwrap()
}

/// The loss of the fixture's batch and its gradients.
fn loss_and_grads(
    model: &MobileVit,
    loss: &Loss,
    images: &Tensor<4>,
    labels: &Tensor<1, Int>,
) -> (f64, GradientsParams) {
    let value = loss.forward(model.forward(images.clone()), labels.clone());
    let scalar = f64::from(value.clone().into_scalar::<f32>());
    let grads = GradientsParams::from_grads(value.backward(), model);
    (scalar, grads)
}

/// The five losses (and the one after) of AdamW steps from the fixture's weights; the
/// gradients of the first step and the model after the fifth (before the last loss, whose
/// forward pass would update the BatchNorm statistics a sixth time), written with timm's names
/// to `gradients` and `after`.
fn run_steps(options: &[&str], gradients: &Path, after: &Path) -> Vec<f64> {
    let fixture = read(&repo("tests/fixtures/timm_xxs_train_steps.safetensors"));
    let config = config(options);
    let device = training_device(&Device::flex(), false);
    device.seed(0);
    let loaded = mobilevit::load_weights(
        &repo("tests/fixtures/timm_xxs_seed0.safetensors"),
        Default::default(),
        &device,
    )
    .unwrap();
    let mut model = with_config_dropout(loaded.model, &config, &device).unwrap();
    let input = &fixture.tensors["input"];
    let images = Tensor::<4>::from_data(
        TensorData::new(input.values.clone(), [2, 3, 64, 64]),
        &device,
    );
    let labels: Vec<i64> = fixture.tensors["labels"]
        .values
        .iter()
        .map(|&l| l as i64)
        .collect();
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [2]), &device);
    let loss = Loss::new(&config.loss.train, &device);
    let mut optimizer = build_optimizer(&config, &model).unwrap();
    let rates = LearningRates::new(&config, &model).unwrap();
    let mut losses = Vec::new();
    for step in 0..5 {
        let (value, grads) = loss_and_grads(&model, &loss, &images, &labels);
        if step == 0 {
            let as_model = gradients_as_model(&model, &grads);
            mobilevit::convert::export::save_timm_safetensors(&as_model, None, gradients).unwrap();
        }
        losses.push(value);
        model = optimizer.step(rates.at(1e-3).unwrap(), model, grads);
        if step == 0 {
            let path = after.with_file_name("step1.safetensors");
            mobilevit::convert::export::save_timm_safetensors(&model.valid(), None, &path).unwrap();
        }
    }
    mobilevit::convert::export::save_timm_safetensors(&model.valid(), None, after).unwrap();
    losses.push(loss_and_grads(&model, &loss, &images, &labels).0);
    losses
}

#[test]
fn a_training_step_matches_timm_and_pytorch() {
    let dir = tempfile::tempdir().unwrap();
    let gradients = dir.path().join("gradients.safetensors");
    let after = dir.path().join("after.safetensors");
    let options = ["Arch.dropout=0.0", "Arch.classifier_dropout=0.0"];
    let losses = run_steps(&options, &gradients, &after);
    let fixture = read(&repo("tests/fixtures/timm_xxs_train_steps.safetensors"));
    let reference = &fixture.tensors["losses"].values;
    eprintln!("losses: ours {losses:?}, PyTorch {reference:?}");
    assert!(
        (losses[0] - f64::from(reference[0])).abs() < 1e-4,
        "loss {} vs {}",
        losses[0],
        reference[0]
    );

    // Every gradient, relative to its tensor's largest magnitude; a tensor whose gradient is
    // zero by construction (a per-channel shift that the next training-mode BatchNorm removes,
    // the queries and keys of a one-token attention) holds only rounding, compared against a
    // floor of 1e-4 of the model's largest gradient.
    let ours = read(&gradients);
    let expected_gradients: Vec<(&str, &[f32])> = fixture
        .tensors
        .iter()
        .filter_map(|(name, t)| Some((name.strip_prefix("grad.")?, t.values.as_slice())))
        .collect();
    let largest = expected_gradients
        .iter()
        .flat_map(|(_, values)| values.iter())
        .fold(0.0f32, |m, v| m.max(v.abs()));
    let mut worst = (0.0f32, String::new());
    for &(param, expected) in &expected_gradients {
        let got = &ours.tensors[param].values;
        let scale = expected
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()))
            .max(1e-4 * largest);
        let diff = got
            .iter()
            .zip(expected)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        let relative = diff / scale;
        if relative > worst.0 {
            worst = (relative, param.to_string());
        }
        assert!(
            relative < 5e-3,
            "gradient of {param}: relative difference {relative}"
        );
    }
    eprintln!("worst relative gradient difference {worst:?}");
    assert_eq!(expected_gradients.len(), 215, "every parameter's gradient");

    // The first AdamW step with PaddleClas's groups, from our gradients, as PyTorch's AdamW
    // computes it: decay 0.01 on convolution and linear weights only, then lr * g / (|g| + eps)
    // (the first step's bias-corrected moments), in f64.
    let start = read(&repo("tests/fixtures/timm_xxs_seed0.safetensors"));
    let stepped = read(&after.with_file_name("step1.safetensors"));
    let mut worst_step = 0.0f64;
    for &(param, _) in &expected_gradients {
        let decay = if start.tensors[param].shape.len() > 1 {
            0.01
        } else {
            0.0
        };
        let (lr, eps) = (1e-3, 1e-8);
        for ((&before, &grad), &after) in start.tensors[param]
            .values
            .iter()
            .zip(&ours.tensors[param].values)
            .zip(&stepped.tensors[param].values)
        {
            let (before, grad) = (f64::from(before), f64::from(grad));
            let expected = before * (1.0 - lr * decay) - lr * grad / (grad.abs() + eps);
            worst_step = worst_step.max((f64::from(after) - expected).abs());
        }
    }
    eprintln!("first AdamW step: worst difference {worst_step:e}");
    assert!(worst_step < 1e-6, "the AdamW step differs by {worst_step}");
}

#[test]
fn dropout_left_on_would_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let gradients = dir.path().join("gradients.safetensors");
    let ours = run_steps(&[], &gradients, &dir.path().join("after.safetensors"));
    let fixture = read(&repo("tests/fixtures/timm_xxs_train_steps.safetensors"));
    let reference = &fixture.tensors["losses"].values;
    // The first loss is the one the main test compares within 1e-4.
    let difference = (ours[0] - f64::from(reference[0])).abs();
    assert!(
        difference > 1e-4,
        "with dropout on the first loss should differ: {difference}"
    );
}
