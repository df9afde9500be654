//! Burn's data interfaces: our datasets through Burn's `DataLoaderBuilder` and
//! `MobileVitBatcher`, corrupt images included.

use std::path::Path;

use burn::data::dataloader::DataLoaderBuilder;
use burn::tensor::Device;
use mobilevit_data::{CorruptImages, Pipeline, PipelineDataset, SampleDataset};
use mobilevit_train::{MobileVitBatch, MobileVitBatcher};

/// Writes `count` 12x10 PNGs of 3 classes and a list file; the image `corrupt` is text.
fn dataset(dir: &Path, count: usize, corrupt: Option<usize>) -> SampleDataset {
    let mut list = String::new();
    for i in 0..count {
        let name = format!("{i:02}.png");
        if corrupt == Some(i) {
            std::fs::write(dir.join(&name), "not a picture").unwrap();
        } else {
            let pixels: Vec<u8> = (0..12 * 10 * 3)
                .map(|p| ((p + i * 13) % 256) as u8)
                .collect();
            image::save_buffer(
                dir.join(&name),
                &pixels,
                12,
                10,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        }
        list.push_str(&format!("{name} {}\n", i % 3));
    }
    std::fs::write(dir.join("list.txt"), list).unwrap();
    SampleDataset::from_list(&dir.join("list.txt"), dir, " ", Some(3)).unwrap()
}

fn batches(samples: SampleDataset, corrupt: CorruptImages) -> Vec<Result<MobileVitBatch, String>> {
    let images = PipelineDataset::new(samples, Pipeline::random_crop_flip(8), 1, corrupt).unwrap();
    let loader = DataLoaderBuilder::new(MobileVitBatcher)
        .batch_size(4)
        .set_device(Device::flex())
        .build(images);
    // Burn's loader returns an error again on every call after one: stop at the first.
    let mut batches = Vec::new();
    for batch in loader.iter() {
        let failed = batch.is_err();
        batches.push(batch.map_err(|error| error.to_string()));
        if failed {
            break;
        }
    }
    batches
}

#[test]
fn burns_data_loader_batches_our_datasets_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let batches = batches(dataset(dir.path(), 10, None), CorruptImages::Fail);
    assert_eq!(
        batches.len(),
        3,
        "10 images in batches of 4: the last has 2"
    );
    let mut labels = Vec::new();
    for batch in batches {
        let batch = batch.unwrap();
        let [n, c, h, w] = batch.images.dims();
        assert_eq!([c, h, w], [3, 8, 8]);
        let values: Vec<i64> = batch
            .labels
            .into_data()
            .convert::<i64>()
            .try_to_vec()
            .unwrap();
        assert_eq!(values.len(), n);
        labels.extend(values);
    }
    assert_eq!(labels, (0..10).map(|i| i % 3).collect::<Vec<i64>>());
}

#[test]
fn a_corrupt_image_stops_burns_loader_with_its_name_or_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let failed = batches(dataset(dir.path(), 8, Some(5)), CorruptImages::Fail);
    let error = failed
        .iter()
        .find_map(|batch| batch.as_ref().err())
        .unwrap();
    assert!(error.contains("05.png"), "{error}");

    let skipped = batches(dataset(dir.path(), 8, Some(5)), CorruptImages::Skip);
    assert_eq!(skipped.len(), 2);
    let images: usize = skipped
        .into_iter()
        .map(|batch| batch.unwrap().images.dims()[0])
        .sum();
    assert_eq!(
        images, 8,
        "the next readable image stands in for the corrupt one"
    );
}
