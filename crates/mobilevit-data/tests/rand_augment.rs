//! RandAugmentV3's operations against Pillow 13.0.0, byte for byte: every case of
//! `tests/fixtures/augment/cases.json` (`scripts/make_augment_fixtures.py`: the fourteen
//! operations as PaddleClas's RandAugmentV3 calls them at magnitudes 3 and 9, values beyond
//! its reach, refused calls, and random calls on random small images), PaddleClas's levels, and
//! the draws of `RandAugment`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use mobilevit_data::rand_augment::{AugmentOp, RandAugment, apply_op};
use mobilevit_data::{ChannelOrder, Image, Interpolation};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/augment")
}

#[derive(Deserialize)]
struct Fixtures {
    ops: Vec<String>,
    signed: Vec<String>,
    images: BTreeMap<String, ImageFiles>,
    levels: Vec<Level>,
    cases: Vec<Call>,
    refused: Vec<Call>,
    random: RandomCalls,
}

#[derive(Deserialize)]
struct ImageFiles {
    width: usize,
    height: usize,
    input: String,
    outputs: String,
    cases: usize,
}

#[derive(Deserialize)]
struct Level {
    magnitude: u32,
    op: String,
    level_bits: String,
}

/// One call of an operation: on a named image (`image`, `index` into its outputs) or on a
/// random image (`offset`, `width`, `height` into the concatenated random arrays).
#[derive(Deserialize)]
struct Call {
    #[serde(default)]
    image: String,
    #[serde(default)]
    index: usize,
    #[serde(default)]
    offset: usize,
    #[serde(default)]
    width: usize,
    #[serde(default)]
    height: usize,
    op: String,
    value_bits: String,
    interpolation: Interpolation,
    fill: [u8; 3],
    #[serde(default)]
    magnitude: Option<f64>,
    #[serde(default)]
    sign: Option<i32>,
    #[serde(default)]
    origin: String,
}

#[derive(Deserialize)]
struct RandomCalls {
    inputs: String,
    outputs: String,
    cases: Vec<Call>,
}

fn load() -> Fixtures {
    let text = std::fs::read_to_string(folder().join("cases.json")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

fn read_u8(name: &str) -> (Vec<usize>, Vec<u8>) {
    let path = folder().join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().iter().map(|&s| s as usize).collect();
    (shape, npy.into_vec().unwrap())
}

fn op(name: &str) -> AugmentOp {
    AugmentOp::ALL
        .into_iter()
        .find(|op| op.name() == name)
        .unwrap_or_else(|| panic!("unknown operation {name}"))
}

/// A float64 from its 16 hex digits (the fixtures' exact values).
fn from_bits(hex: &str) -> f64 {
    f64::from_bits(u64::from_str_radix(hex, 16).unwrap())
}

impl Call {
    fn value(&self) -> f64 {
        from_bits(&self.value_bits)
    }

    fn describe(&self) -> String {
        format!(
            "{} {} ({:?}, fill {:?}) on {}",
            self.op,
            self.value(),
            self.interpolation,
            self.fill,
            if self.image.is_empty() {
                format!("random {}x{} at {}", self.width, self.height, self.offset)
            } else {
                format!("{} #{}", self.image, self.index)
            }
        )
    }

    fn run(&self, input: &Image) -> Result<Image, String> {
        apply_op(
            input,
            op(&self.op),
            self.value(),
            self.fill,
            self.interpolation,
        )
    }
}

/// The named images' inputs and their stacked outputs.
fn named_images(fixtures: &Fixtures) -> BTreeMap<String, (Image, Vec<u8>)> {
    fixtures
        .images
        .iter()
        .map(|(name, files)| {
            let (shape, pixels) = read_u8(&files.input);
            assert_eq!(shape, [files.height, files.width, 3], "{name}: input shape");
            let (shape, outputs) = read_u8(&files.outputs);
            assert_eq!(
                shape,
                [files.cases, files.height, files.width, 3],
                "{name}: outputs shape"
            );
            let image = Image {
                width: files.width,
                height: files.height,
                pixels,
                order: ChannelOrder::Rgb,
            };
            (name.clone(), (image, outputs))
        })
        .collect()
}

/// The first differing byte as "x, y, channel: ours vs Pillow's", and how many differ.
fn first_difference(ours: &[u8], expected: &[u8], width: usize) -> Option<String> {
    if ours.len() != expected.len() {
        return Some(format!(
            "{} bytes vs Pillow's {}",
            ours.len(),
            expected.len()
        ));
    }
    let differing = ours.iter().zip(expected).filter(|(a, b)| a != b).count();
    let index = ours.iter().zip(expected).position(|(a, b)| a != b)?;
    let (pixel, channel) = (index / 3, index % 3);
    Some(format!(
        "{differing} bytes differ; first at x={} y={} channel {channel}: {} vs Pillow's {}",
        pixel % width,
        pixel / width,
        ours[index],
        expected[index]
    ))
}

/// Runs `call` on `input` and compares with `expected`; a failure is described.
fn check(call: &Call, input: &Image, expected: &[u8]) -> Option<String> {
    match call.run(input) {
        Err(error) => Some(format!("{}: refused: {error}", call.describe())),
        Ok(output) => {
            let shape = (output.width, output.height, output.order);
            if shape != (input.width, input.height, input.order) {
                return Some(format!("{}: shape or order {shape:?}", call.describe()));
            }
            first_difference(&output.pixels, expected, input.width)
                .map(|difference| format!("{}: {difference}", call.describe()))
        }
    }
}

fn assert_no_failures(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ from Pillow:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_case_matches_pillow_byte_for_byte() {
    let fixtures = load();
    let images = named_images(&fixtures);
    let v3 = fixtures
        .cases
        .iter()
        .filter(|c| c.origin == "RandAugmentV3")
        .count();
    assert!(v3 >= 100 && fixtures.cases.len() > v3, "{v3} V3 cases");
    let mut failures = Vec::new();
    for call in &fixtures.cases {
        let (input, outputs) = &images[&call.image];
        let size = input.pixels.len();
        let expected = &outputs[call.index * size..][..size];
        failures.extend(check(call, input, expected));
    }
    assert_no_failures(&failures, fixtures.cases.len());
    // Every operation is covered.
    let covered: BTreeSet<_> = fixtures.cases.iter().map(|c| c.op.as_str()).collect();
    assert_eq!(covered.len(), 14);
}

#[test]
fn random_cases_match_pillow_byte_for_byte() {
    let fixtures = load();
    let random = &fixtures.random;
    let (_, inputs) = read_u8(&random.inputs);
    let (_, outputs) = read_u8(&random.outputs);
    assert_eq!(inputs.len(), outputs.len());
    assert!(
        random.cases.len() >= 200,
        "{} random cases",
        random.cases.len()
    );
    let mut failures = Vec::new();
    for call in &random.cases {
        let size = call.width * call.height * 3;
        let input = Image {
            width: call.width,
            height: call.height,
            pixels: inputs[call.offset..][..size].to_vec(),
            // The bytes are RGB whatever the order says; the order is kept.
            order: ChannelOrder::Bgr,
        };
        failures.extend(check(call, &input, &outputs[call.offset..][..size]));
    }
    assert_no_failures(&failures, random.cases.len());
}

#[test]
fn calls_pillow_refuses_are_errors() {
    let fixtures = load();
    let images = named_images(&fixtures);
    assert!(!fixtures.refused.is_empty());
    for call in &fixtures.refused {
        let result = call.run(&images[&call.image].0);
        assert!(result.is_err(), "{} was accepted", call.describe());
    }
    // Only the geometric operations use the filter, and rotation's fast paths skip it.
    let (image, _) = &images["chelsea31x23"];
    for op in AugmentOp::ALL {
        let value = op.value(3.0, false, image.width, image.height);
        let result = apply_op(image, op, value, [0; 3], Interpolation::Lanczos);
        let geometric = matches!(
            op,
            AugmentOp::ShearX
                | AugmentOp::ShearY
                | AugmentOp::TranslateX
                | AugmentOp::TranslateY
                | AugmentOp::Rotate
        );
        assert_eq!(result.is_err(), geometric, "{op:?} with lanczos");
    }
    assert!(apply_op(image, AugmentOp::Rotate, -180.0, [0; 3], Interpolation::Box).is_ok());
}

#[test]
fn levels_and_values_follow_paddleclas() {
    let fixtures = load();
    let names: Vec<_> = AugmentOp::ALL.iter().map(|op| op.name()).collect();
    assert_eq!(names, fixtures.ops, "level_map order");
    let signed: Vec<_> = AugmentOp::ALL
        .iter()
        .filter(|op| op.is_signed())
        .map(|op| op.name())
        .collect();
    assert_eq!(signed, fixtures.signed);

    assert_eq!(fixtures.levels.len(), 11 * 14);
    for level in &fixtures.levels {
        let ours = op(&level.op).level(f64::from(level.magnitude));
        let paddle = from_bits(&level.level_bits);
        assert_eq!(
            ours.to_bits(),
            paddle.to_bits(),
            "{} at magnitude {}: {ours} vs PaddleClas's {paddle}",
            level.op,
            level.magnitude
        );
    }
    // V3's default magnitude.
    let at_3 = |op: AugmentOp| op.level(3.0);
    assert_eq!(at_3(AugmentOp::Posterize), 7.0);
    assert_eq!(at_3(AugmentOp::Solarize), 178.5);
    assert_eq!(at_3(AugmentOp::Rotate), 9.0);
    assert_eq!(at_3(AugmentOp::ShearX), 0.09);
    assert_eq!(at_3(AugmentOp::Color), 0.27);
    assert_eq!(at_3(AugmentOp::TranslateY), 150.0 / 331.0 * 0.3);
    assert_eq!(at_3(AugmentOp::Invert), 0.0);

    // The value each V3 case hands to Pillow is what `AugmentOp::value` computes.
    for call in fixtures
        .cases
        .iter()
        .filter(|c| c.origin == "RandAugmentV3")
    {
        let files = &fixtures.images[&call.image];
        let magnitude = call.magnitude.unwrap();
        let negative = call.sign == Some(-1);
        let ours = op(&call.op).value(magnitude, negative, files.width, files.height);
        assert_eq!(
            ours.to_bits(),
            call.value().to_bits(),
            "{}",
            call.describe()
        );
    }
}

#[test]
fn rand_augment_is_reproducible_and_draws_every_op() {
    let fixtures = load();
    let images = named_images(&fixtures);
    let image = images["chelsea36x28"]
        .0
        .clone()
        .with_order(ChannelOrder::Bgr);
    let augment = RandAugment::default();
    assert_eq!(
        augment,
        RandAugment {
            layers: 2,
            magnitude: 3.0,
            fill: [0, 0, 0],
            interpolation: Interpolation::Bicubic,
        }
    );

    let run = |seed: u64| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        augment.apply(image.clone(), &mut rng).unwrap()
    };
    let first = run(7);
    assert_eq!(first, run(7));
    assert_eq!(first.order, ChannelOrder::Bgr);
    let distinct: BTreeSet<Vec<u8>> = (0..8).map(|seed| run(seed).pixels).collect();
    assert!(
        distinct.len() > 2,
        "{} distinct outputs of 8",
        distinct.len()
    );

    // `apply` is `layers` draws, each applied with `apply_op`.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut manual = image.clone();
    for _ in 0..augment.layers {
        let (op, value) = augment.draw(&mut rng, manual.width, manual.height);
        manual = apply_op(&manual, op, value, augment.fill, augment.interpolation).unwrap();
    }
    assert_eq!(manual, first);

    // Uniform over the fourteen, both signs of the signed ones, V3's values.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut counts = BTreeMap::new();
    let draws = 14 * 200;
    for _ in 0..draws {
        let (op, value) = augment.draw(&mut rng, 36, 28);
        let positive = op.value(3.0, false, 36, 28);
        let negative = op.value(3.0, true, 36, 28);
        assert!(value == positive || value == negative, "{op:?} {value}");
        let signs = counts.entry(op.name()).or_insert([0usize; 2]);
        signs[usize::from(op.is_signed() && value == negative)] += 1;
    }
    assert_eq!(counts.len(), 14, "{counts:?}");
    for (name, signs) in &counts {
        let total = signs[0] + signs[1];
        assert!(
            (120..=280).contains(&total),
            "{name} drawn {total} of {draws}"
        );
        if op(name).is_signed() {
            assert!(
                signs.iter().all(|&n| n > total / 4),
                "{name}: signs {signs:?}"
            );
        }
    }
}
