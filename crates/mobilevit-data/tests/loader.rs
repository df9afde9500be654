//! The loader on generated images: determinism across worker counts, resuming, corrupt files.

use std::path::Path;

use mobilevit_data::{
    BatchSampler, CorruptImages, DataError, Loader, LoaderConfig, Pipeline, Sample, Scale, Scales,
};

fn write_images(dir: &Path, count: usize) -> Vec<Sample> {
    (0..count)
        .map(|i| {
            let (width, height) = (40 + i % 7 * 5, 36 + i % 5 * 6);
            let pixels: Vec<u8> = (0..width * height * 3)
                .map(|p| ((p * 31 + i * 17) % 251) as u8)
                .collect();
            let path = dir.join(format!("{i:03}.png"));
            image::save_buffer(
                &path,
                &pixels,
                width as u32,
                height as u32,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
            Sample { path, label: i % 4 }
        })
        .collect()
}

fn training_pipeline() -> Pipeline {
    Pipeline::random_crop_flip(32)
}

fn sampler(num_samples: usize) -> BatchSampler {
    let sizes = vec![
        Scale {
            size: [32, 32],
            batch_size: 6,
        },
        Scale {
            size: [48, 40],
            batch_size: 4,
        },
    ];
    BatchSampler {
        num_samples,
        scales: Scales::Multi(sizes),
        shuffle: true,
        drop_last: false,
        ranks: 1,
        seed: 11,
    }
}

fn load_all(
    loader: &Loader,
    plan: &BatchSampler,
    epoch: u64,
    from_step: usize,
) -> Vec<mobilevit_data::LoadedBatch> {
    let batches = plan.epoch(epoch, 0)[from_step..].to_vec();
    loader.load(batches, epoch).map(Result::unwrap).collect()
}

#[test]
fn batches_are_the_same_whatever_the_worker_count() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_images(dir.path(), 30);
    let plan = sampler(samples.len());
    let loader = |workers| {
        let config = LoaderConfig {
            workers,
            prefetch: 2,
            corrupt_images: CorruptImages::Fail,
            seed: 5,
        };
        Loader::new(samples.clone(), training_pipeline(), config).unwrap()
    };
    let one = load_all(&loader(1), &plan, 2, 0);
    let three = load_all(&loader(3), &plan, 2, 0);
    assert_eq!(one, three);
    assert!(one.iter().any(|b| b.size == [48, 40]) && one.iter().any(|b| b.size == [32, 32]));
    for batch in &one {
        assert_eq!(
            batch.images.len(),
            batch.len() * 3 * batch.size[0] * batch.size[1]
        );
    }
    // Another epoch draws other crops.
    assert_ne!(one, load_all(&loader(2), &plan, 3, 0));
}

#[test]
fn an_epoch_resumes_at_a_step_with_the_same_batches() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_images(dir.path(), 25);
    let plan = sampler(samples.len());
    let config = LoaderConfig {
        workers: 2,
        prefetch: 1,
        corrupt_images: CorruptImages::Fail,
        seed: 1,
    };
    let loader = Loader::new(samples, training_pipeline(), config).unwrap();
    let full = load_all(&loader, &plan, 0, 0);
    let resumed = load_all(&loader, &plan, 0, 2);
    assert_eq!(full[2..], resumed[..]);
}

#[test]
fn corrupt_images_are_skipped_and_reported_or_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut samples = write_images(dir.path(), 10);
    let corrupt = dir.path().join("corrupt.jpg");
    std::fs::write(&corrupt, b"\xff\xd8\xff\xe0 not really a jpeg").unwrap();
    samples.push(Sample {
        path: corrupt.clone(),
        label: 0,
    });
    let plan = BatchSampler {
        num_samples: samples.len(),
        scales: Scales::Fixed(Scale {
            size: [32, 32],
            batch_size: 11,
        }),
        shuffle: false,
        drop_last: false,
        ranks: 1,
        seed: 0,
    };
    let skip = LoaderConfig {
        workers: 2,
        prefetch: 1,
        corrupt_images: CorruptImages::Skip,
        seed: 0,
    };
    let loader = Loader::new(samples.clone(), training_pipeline(), skip).unwrap();
    let batches = load_all(&loader, &plan, 0, 0);
    assert_eq!(batches[0].len(), 10);
    assert_eq!(batches[0].skipped.len(), 1);
    assert_eq!(batches[0].skipped[0].0, corrupt);

    let fail = LoaderConfig {
        corrupt_images: CorruptImages::Fail,
        ..skip
    };
    let loader = Loader::new(samples, training_pipeline(), fail).unwrap();
    let results: Vec<_> = loader.load(plan.epoch(0, 0), 0).collect();
    match &results[0] {
        Err(error @ DataError::Decode { .. }) => assert!(error.to_string().contains("corrupt.jpg")),
        other => panic!("expected a decode error, got {other:?}"),
    }
}
