//! Evaluation counts every image of the list exactly once, whatever the batch size and the
//! number of ranks: the sampler pads the last step, the metrics never see the padding.

use std::path::Path;

use burn::tensor::Device;
use mobilevit::{MobileVit, MobileVitConfig, Variant};
use mobilevit_data::{
    BatchSampler, ChannelOrder, CropRule, Interpolation, Loader, LoaderConfig, Pipeline, Sample,
    Scale, Scales, Transform,
};
use mobilevit_eval::{EvalResult, EvalTally, evaluate, evaluate_tally};

const IMAGES: usize = 360;
const CLASSES: usize = 10;
const SIZE: usize = 32;

/// `IMAGES` small PNGs of varied content, labelled round-robin.
fn write_dataset(dir: &Path) -> Vec<Sample> {
    (0..IMAGES)
        .map(|index| {
            let path = dir.join(format!("{index:04}.png"));
            let image = image::RgbImage::from_fn(SIZE as u32 + 4, SIZE as u32, |x, y| {
                let v = (index * 37 + x as usize * 11 + y as usize * 5) % 256;
                image::Rgb([v as u8, (v * 3 % 256) as u8, (255 - v) as u8])
            });
            image.save(&path).unwrap();
            Sample {
                path,
                label: index % CLASSES,
            }
        })
        .collect()
}

fn pipeline() -> Pipeline {
    Pipeline {
        order: ChannelOrder::Rgb,
        transforms: vec![
            Transform::Resize {
                width: SIZE + 2,
                height: SIZE + 2,
                interpolation: Interpolation::Bilinear,
            },
            Transform::CenterCrop {
                width: SIZE,
                height: SIZE,
                rule: CropRule::Floor,
            },
        ],
        scale: 1.0 / 255.0,
        mean: [0.5; 3],
        std: [0.25; 3],
        erasing: None,
    }
}

fn sampler(batch_size: usize, ranks: usize) -> BatchSampler {
    BatchSampler {
        num_samples: IMAGES,
        scales: Scales::Fixed(Scale {
            size: [SIZE, SIZE],
            batch_size,
        }),
        shuffle: false,
        drop_last: false,
        ranks,
        seed: 0,
    }
}

/// Every rank's share evaluated and the tallies merged, as data-parallel workers do.
fn evaluate_on_ranks(
    model: &MobileVit,
    loader: &Loader,
    batch_size: usize,
    ranks: usize,
    device: &Device,
) -> EvalResult {
    let plan = sampler(batch_size, ranks);
    let mut total = EvalTally::new(CLASSES);
    for rank in 0..ranks {
        let share = evaluate_tally(model, loader, plan.epoch(0, rank), device).unwrap();
        total.merge(&share);
    }
    total.finish()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(1.0)
}

#[test]
fn every_image_is_counted_once_for_every_batch_size_and_rank_count() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_dataset(dir.path());
    let device = Device::flex();
    device.seed(3);
    let model = MobileVitConfig::imagenet(Variant::Xxs)
        .with_num_classes(CLASSES)
        .init(&device)
        .unwrap();
    let config = LoaderConfig {
        workers: 2,
        ..LoaderConfig::default()
    };
    let loader = Loader::new(samples, pipeline(), config).unwrap();

    let single = evaluate(&model, &loader, sampler(1, 1).epoch(0, 0), &device).unwrap();
    assert_eq!(single.count, IMAGES);
    let per_class: usize = single.per_class.iter().map(|(images, _)| images).sum();
    assert_eq!(per_class, IMAGES);
    for (batch_size, ranks) in [(100, 1), (7, 1), (100, 2), (7, 2), (64, 3)] {
        let result = evaluate_on_ranks(&model, &loader, batch_size, ranks, &device);
        let label = format!("batch {batch_size} x {ranks} rank(s)");
        assert_eq!(result.count, IMAGES, "{label}");
        assert_eq!(result.per_class, single.per_class, "{label}");
        assert!(
            close(result.top1, single.top1),
            "{label}: top-1 {} vs {}",
            result.top1,
            single.top1
        );
        assert!(close(result.top5, single.top5), "{label}: top-5");
        assert!(
            (result.loss - single.loss).abs() <= 1e-5 * single.loss.abs().max(1.0),
            "{label}: loss {} vs {}",
            result.loss,
            single.loss
        );
    }
}

#[test]
fn padding_is_marked_on_the_last_step_of_each_rank() {
    let plan = sampler(100, 2);
    let rank0 = plan.epoch(0, 0);
    let rank1 = plan.epoch(0, 1);
    // 360 = 200 + 160: the second step has 160 real samples, 40 of them padded on rank 1.
    assert_eq!(rank0.len(), 2);
    assert_eq!(rank0.iter().map(|b| b.padding).collect::<Vec<_>>(), [0, 0]);
    assert_eq!(rank1.iter().map(|b| b.padding).collect::<Vec<_>>(), [0, 40]);
    let counted: usize = rank0.iter().chain(&rank1).map(|b| b.counted().len()).sum();
    assert_eq!(counted, IMAGES);
}
