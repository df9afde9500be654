//! Reproducible initialisation. Burn's CPU backend keeps one process-wide RNG, so this test
//! lives in its own test binary: tests running in parallel threads would draw from it between
//! the seeding and the initialisation.

use burn::tensor::{Device, Distribution, Tensor};
use mobilevit::{MobileVitConfig, Variant};

#[test]
fn the_same_seed_gives_the_same_model() {
    let device = Device::flex();
    let x = Tensor::<4>::random([1, 3, 64, 64], Distribution::Uniform(0.0, 1.0), &device);
    let logits = |seed: u64| {
        device.seed(seed);
        let model = MobileVitConfig::imagenet(Variant::Xxs)
            .init(&device)
            .unwrap();
        model.forward(x.clone()).into_data()
    };
    assert_eq!(logits(7), logits(7));
    assert_ne!(logits(7), logits(8));
}
