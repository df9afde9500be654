//! The running variance a training step leaves in a `ConvNormAct`'s batch norm, with either
//! estimator (PaddleClas updates it with the biased one, PyTorch with the unbiased one).

use burn::tensor::{Device, Tensor, TensorData};
use mobilevit::blocks::ConvNormActConfig;

fn seeded(count: usize, seed: u64, offset: f32, spread: f32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(6364136223846793005) ^ 0x9E37_79B9_7F4A_7C15;
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            offset + spread * (((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0)
        })
        .collect()
}

#[test]
fn a_training_step_updates_the_running_variance_with_the_chosen_estimator() {
    let device = Device::flex().autodiff();
    // 2 images of 3x2 pixels, 4 channels: n = 12 values per channel.
    let shape = [2, 4, 3, 2];
    let x = Tensor::<4>::from_data(TensorData::new(seeded(48, 7, 0.5, 2.0), shape), &device);
    for unbiased in [false, true] {
        // A 1x1 convolution with identity weights, so that the batch norm sees `x` itself.
        let mut unit = ConvNormActConfig::pointwise(4, 4)
            .with_activation(false)
            .init(&device)
            .with_unbiased_running_var(unbiased);
        let identity = Tensor::<2>::eye(4, &device).reshape([4, 4, 1, 1]);
        unit.conv.weight = burn::module::Param::from_tensor(identity);
        let _ = unit.forward(x.clone());
        let running: Vec<f32> = unit
            .bn
            .running_var
            .value_sync()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let values: Vec<f32> = x.clone().into_data().try_to_vec::<f32>().unwrap();
        for (channel, &got) in running.iter().enumerate() {
            let of_channel: Vec<f64> = (0..2)
                .flat_map(|n| (0..6).map(move |s| (n * 4 + channel) * 6 + s))
                .map(|i| f64::from(values[i]))
                .collect();
            let count = of_channel.len() as f64;
            let mean = of_channel.iter().sum::<f64>() / count;
            let squares: f64 = of_channel.iter().map(|v| (v - mean).powi(2)).sum();
            let variance = if unbiased {
                squares / (count - 1.0)
            } else {
                squares / count
            };
            // momentum 0.1 from the initial variance 1
            let expected = 0.9 + 0.1 * variance;
            assert!(
                (f64::from(got) - expected).abs() < 1e-5,
                "unbiased {unbiased}, channel {channel}: {got} vs {expected}"
            );
        }
    }
}
