//! PaddleClas `transform_ops` (as written in its YAML configs) to a [`Pipeline`].
//!
//! ```yaml
//! transform_ops:
//!   - DecodeImage: {to_rgb: False, channel_first: False}
//!   - ResizeImage: {resize_short: 292, interpolation: bilinear, backend: pil}
//!   - CropImage: {size: 256}
//!   - NormalizeImage: {scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1], order: ''}
//! ```
//!
//! Resizing follows `backend`, as PaddleClas's `UnifiedResize` does: `pil` resamples with
//! Pillow's filters, `cv2` (PaddleClas's default, also when the key is absent) with OpenCV's
//! bilinear, the one OpenCV filter reproduced exactly here; another OpenCV filter is refused
//! rather than approximated.

use serde_norway::{Mapping, Value};

use crate::error::DataError;
use crate::image::ChannelOrder;
use crate::resize::Interpolation;
use crate::transforms::{CropRule, ErasingFill, Pipeline, RandomErasing, ShortSideRule, Transform};

/// The op names this reader knows.
pub const KNOWN_OPS: &[&str] = &[
    "DecodeImage",
    "ResizeImage",
    "CropImage",
    "RandCropImage",
    "RandFlipImage",
    "NormalizeImage",
    "ToCHWImage",
    "RandAugmentV3",
    "RandomErasing",
];

/// An error of op `op` (a transform or batch operator).
pub(crate) fn op_error(op: &str, message: impl Into<String>) -> DataError {
    DataError::Transform {
        op: op.to_string(),
        message: message.into(),
    }
}

/// Parameters of one op, with checks that every key is known and of the right type.
struct Params<'a> {
    op: &'a str,
    map: Mapping,
}

impl<'a> Params<'a> {
    fn new(op: &'a str, value: Value, allowed: &[&str]) -> Result<Self, DataError> {
        let map = match value {
            Value::Null => Mapping::new(),
            Value::Mapping(map) => map,
            other => {
                return Err(op_error(
                    op,
                    format!("expected a mapping of parameters, got {other:?}"),
                ));
            }
        };
        for key in map.keys() {
            let name = key.as_str().unwrap_or("?");
            if !allowed.contains(&name) {
                return Err(op_error(
                    op,
                    format!("unknown parameter '{name}' (known: {})", allowed.join(", ")),
                ));
            }
        }
        Ok(Self { op, map })
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    fn error(&self, key: &str, message: impl std::fmt::Display) -> DataError {
        op_error(self.op, format!("'{key}': {message}"))
    }

    fn bool(&self, key: &str, default: bool) -> Result<bool, DataError> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => value
                .as_bool()
                .ok_or_else(|| self.error(key, "expected true or false")),
        }
    }

    fn number(&self, key: &str) -> Result<Option<f64>, DataError> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => number(value)
                .map(Some)
                .ok_or_else(|| self.error(key, format!("expected a number, got {value:?}"))),
        }
    }

    fn numbers(&self, key: &str) -> Result<Option<Vec<f64>>, DataError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Sequence(items)) => items
                .iter()
                .map(|item| {
                    number(item).ok_or_else(|| self.error(key, format!("{item:?} is not a number")))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(value) => number(value)
                .map(|n| Some(vec![n]))
                .ok_or_else(|| self.error(key, "expected a number or a list")),
        }
    }

    fn size(&self, key: &str) -> Result<Option<[usize; 2]>, DataError> {
        let Some(values) = self.numbers(key)? else {
            return Ok(None);
        };
        let sides: Vec<usize> = values.iter().map(|&v| v as usize).collect();
        match sides.as_slice() {
            [side] if *side > 0 => Ok(Some([*side, *side])),
            [width, height] if *width > 0 && *height > 0 => Ok(Some([*width, *height])),
            _ => Err(self.error(key, "expected a positive size or [width, height]")),
        }
    }

    fn interpolation(&self) -> Result<Interpolation, DataError> {
        let Some(value) = self.get("interpolation") else {
            return Ok(Interpolation::Bilinear);
        };
        let name = value.as_str().unwrap_or_default().to_ascii_lowercase();
        match name.as_str() {
            "nearest" => Ok(Interpolation::Nearest),
            "bilinear" | "linear" => Ok(Interpolation::Bilinear),
            "bicubic" | "cubic" => Ok(Interpolation::Bicubic),
            "lanczos" => Ok(Interpolation::Lanczos),
            "box" | "area" => Ok(Interpolation::Box),
            "hamming" => Ok(Interpolation::Hamming),
            _ => Err(self.error("interpolation", format!("unknown interpolation {value:?}"))),
        }
    }

    fn backend(&self) -> Result<Backend, DataError> {
        match self.get("backend").and_then(Value::as_str) {
            None | Some("cv2") => Ok(Backend::Cv2),
            Some("pil") => Ok(Backend::Pil),
            Some(other) => {
                Err(self.error("backend", format!("unknown backend '{other}' (pil or cv2)")))
            }
        }
    }

    /// The resampling of a resizing op: its `interpolation` as its `backend` runs it.
    fn resampling(&self) -> Result<Interpolation, DataError> {
        let interpolation = self.interpolation()?;
        match (self.backend()?, interpolation) {
            (Backend::Pil, _) => Ok(interpolation),
            (Backend::Cv2, Interpolation::Bilinear) => Ok(Interpolation::Cv2Bilinear),
            (Backend::Cv2, _) => Err(self.error(
                "interpolation",
                format!(
                    "OpenCV's {interpolation:?} is not reproduced exactly (only its bilinear is); \
                     use 'backend: pil' for Pillow's, or bilinear"
                ),
            )),
        }
    }
}

/// The library PaddleClas resizes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// Pillow.
    Pil,
    /// OpenCV (PaddleClas's default).
    Cv2,
}

/// A number, or a string such as `1.0/255.0` (PaddleClas writes scales that way).
fn number(value: &Value) -> Option<f64> {
    if let Some(number) = value.as_f64() {
        return Some(number);
    }
    let text = value.as_str()?.trim();
    match text.split_once('/') {
        Some((a, b)) => Some(a.trim().parse::<f64>().ok()? / b.trim().parse::<f64>().ok()?),
        None => text.parse().ok(),
    }
}

/// Builds a pipeline from a PaddleClas `transform_ops` list.
pub fn pipeline_from_ops(ops: &Value) -> Result<Pipeline, DataError> {
    let Value::Sequence(items) = ops else {
        return Err(op_error("transform_ops", "expected a list of ops"));
    };
    let mut pipeline = Pipeline {
        order: ChannelOrder::Rgb,
        transforms: Vec::new(),
        scale: 1.0,
        mean: [0.0; 3],
        std: [1.0; 3],
        erasing: None,
    };
    let mut normalized = false;
    for item in items {
        let Value::Mapping(entry) = item else {
            return Err(op_error(
                "transform_ops",
                format!("expected '- OpName: {{...}}', got {item:?}"),
            ));
        };
        let (name, params) = match entry.iter().next() {
            Some((name, params)) if entry.len() == 1 => {
                (name.as_str().unwrap_or("?").to_string(), params.clone())
            }
            _ => {
                return Err(op_error(
                    "transform_ops",
                    "each op is a mapping with one key",
                ));
            }
        };
        if name == "RandomErasing" && !normalized {
            return Err(op_error(
                &name,
                "must come after NormalizeImage (it erases the normalised image)",
            ));
        }
        normalized |= name == "NormalizeImage";
        apply_op(&mut pipeline, &name, params)?;
    }
    Ok(pipeline)
}

fn apply_op(pipeline: &mut Pipeline, name: &str, params: Value) -> Result<(), DataError> {
    match name {
        "DecodeImage" => {
            let p = Params::new(
                name,
                params,
                &["to_rgb", "channel_first", "to_np", "backend"],
            )?;
            p.backend()?;
            pipeline.order = if p.bool("to_rgb", true)? {
                ChannelOrder::Rgb
            } else {
                ChannelOrder::Bgr
            };
            if p.bool("channel_first", false)? {
                return Err(p.error(
                    "channel_first",
                    "decoding to channel-first is not supported; use ToCHWImage",
                ));
            }
        }
        "ResizeImage" => {
            let p = Params::new(
                name,
                params,
                &[
                    "resize_short",
                    "size",
                    "interpolation",
                    "backend",
                    "return_numpy",
                ],
            )?;
            let interpolation = p.resampling()?;
            let transform = match (p.number("resize_short")?, p.size("size")?) {
                (Some(short), None) => Transform::ResizeShort {
                    size: short as usize,
                    interpolation,
                    rule: ShortSideRule::Round,
                },
                (None, Some([width, height])) => Transform::Resize {
                    width,
                    height,
                    interpolation,
                },
                _ => {
                    return Err(op_error(
                        name,
                        "give exactly one of 'resize_short' and 'size'",
                    ));
                }
            };
            pipeline.transforms.push(transform);
        }
        "CropImage" => {
            let p = Params::new(name, params, &["size"])?;
            let [width, height] = p.size("size")?.ok_or_else(|| p.error("size", "required"))?;
            pipeline.transforms.push(Transform::CenterCrop {
                width,
                height,
                rule: CropRule::Floor,
            });
        }
        "RandCropImage" => {
            let p = Params::new(
                name,
                params,
                &[
                    "size",
                    "scale",
                    "ratio",
                    "interpolation",
                    "backend",
                    "use_log_aspect",
                ],
            )?;
            let size = p.size("size")?.ok_or_else(|| p.error("size", "required"))?;
            let range = |key: &str, default: [f64; 2]| -> Result<[f64; 2], DataError> {
                match p.numbers(key)? {
                    None => Ok(default),
                    Some(values)
                        if values.len() == 2 && values[0] <= values[1] && values[0] > 0.0 =>
                    {
                        Ok([values[0], values[1]])
                    }
                    Some(_) => Err(p.error(key, "expected [low, high] with 0 < low <= high")),
                }
            };
            pipeline.transforms.push(Transform::RandomResizedCrop {
                size,
                scale: range("scale", [0.08, 1.0])?,
                ratio: range("ratio", [3.0 / 4.0, 4.0 / 3.0])?,
                log_aspect: p.bool("use_log_aspect", false)?,
                interpolation: p.resampling()?,
            });
        }
        "RandFlipImage" => {
            let p = Params::new(name, params, &["flip_code"])?;
            match p.number("flip_code")?.unwrap_or(1.0) as i64 {
                1 => pipeline
                    .transforms
                    .push(Transform::HorizontalFlip { probability: 0.5 }),
                other => {
                    return Err(p.error(
                        "flip_code",
                        format!("{other}: only 1 (horizontal) is supported"),
                    ));
                }
            }
        }
        "NormalizeImage" => {
            let p = Params::new(
                name,
                params,
                &[
                    "scale",
                    "mean",
                    "std",
                    "order",
                    "output_fp16",
                    "channel_num",
                ],
            )?;
            pipeline.scale = p.number("scale")?.unwrap_or(1.0 / 255.0) as f32;
            let triple = |key: &str, default: [f32; 3]| -> Result<[f32; 3], DataError> {
                match p.numbers(key)? {
                    None => Ok(default),
                    Some(values) if values.len() == 3 => {
                        Ok([values[0] as f32, values[1] as f32, values[2] as f32])
                    }
                    Some(_) => Err(p.error(key, "expected three values")),
                }
            };
            pipeline.mean = triple("mean", [0.485, 0.456, 0.406])?;
            pipeline.std = triple("std", [0.229, 0.224, 0.225])?;
            if pipeline.std.contains(&0.0) {
                return Err(p.error("std", "must not be 0"));
            }
            if p.bool("output_fp16", false)? {
                return Err(p.error("output_fp16", "float16 output is not supported"));
            }
        }
        "ToCHWImage" => {
            Params::new(name, params, &[])?;
        }
        "RandAugmentV3" => pipeline.transforms.push(rand_augment(name, params)?),
        "RandomErasing" => pipeline.erasing = Some(random_erasing(name, params)?),
        other => {
            return Err(op_error(
                other,
                format!("unknown transform op (known: {})", KNOWN_OPS.join(", ")),
            ));
        }
    }
    Ok(())
}

/// PaddleClas `RandAugmentV3` (defaults: 2 layers, magnitude 3, black fill, bicubic).
fn rand_augment(name: &str, params: Value) -> Result<Transform, DataError> {
    let p = Params::new(
        name,
        params,
        &["num_layers", "magnitude", "fillcolor", "interpolation"],
    )?;
    let magnitude = p.number("magnitude")?.unwrap_or(3.0);
    if !(0.0..=10.0).contains(&magnitude) {
        return Err(p.error("magnitude", "expected a value from 0 to 10"));
    }
    let fill = match p.numbers("fillcolor")? {
        None => [0; 3],
        Some(values) if values.len() == 3 && values.iter().all(|v| (0.0..=255.0).contains(v)) => {
            [values[0] as u8, values[1] as u8, values[2] as u8]
        }
        Some(_) => return Err(p.error("fillcolor", "expected three values from 0 to 255")),
    };
    // PaddleClas's `_pil_interp` runs bicubic as bicubic and every other name but lanczos and
    // hamming (which Pillow's transforms refuse) as bilinear: only the two names that mean
    // what they say are taken.
    let interpolation = match p
        .get("interpolation")
        .map(|v| v.as_str().unwrap_or_default())
    {
        None | Some("bicubic") => Interpolation::Bicubic,
        Some("bilinear") => Interpolation::Bilinear,
        Some(other) => {
            return Err(p.error(
                "interpolation",
                format!(
                    "'{other}': PaddleClas runs RandAugmentV3's shears, translations and \
                     rotations with bicubic or, for any other name, bilinear; write one of those"
                ),
            ));
        }
    };
    Ok(Transform::RandAugment {
        layers: p.number("num_layers")?.unwrap_or(2.0) as usize,
        magnitude,
        fill,
        interpolation,
    })
}

/// PaddleClas `RandomErasing` (defaults: probability 0.5, area 0.02-0.4, r1 0.3, 100
/// attempts, zeros).
fn random_erasing(name: &str, params: Value) -> Result<RandomErasing, DataError> {
    let p = Params::new(
        name,
        params,
        &[
            "EPSILON",
            "sl",
            "sh",
            "r1",
            "mean",
            "attempt",
            "use_log_aspect",
            "mode",
        ],
    )?;
    let probability = p.number("EPSILON")?.unwrap_or(0.5);
    let area = [
        p.number("sl")?.unwrap_or(0.02),
        p.number("sh")?.unwrap_or(0.4),
    ];
    let min_aspect = p.number("r1")?.unwrap_or(0.3);
    if !(0.0..=1.0).contains(&probability) {
        return Err(p.error("EPSILON", "expected a probability"));
    }
    if !(area[0] > 0.0 && area[0] <= area[1]) {
        return Err(p.error("sh", "expected 0 < sl <= sh"));
    }
    if min_aspect <= 0.0 {
        return Err(p.error("r1", "expected a positive ratio"));
    }
    let fill = match p.get("mode").and_then(Value::as_str).unwrap_or("const") {
        "const" => {
            let mean = p.numbers("mean")?.unwrap_or_else(|| vec![0.0; 3]);
            let [r, g, b] = mean[..] else {
                return Err(p.error("mean", "expected three values"));
            };
            ErasingFill::Const([r as f32, g as f32, b as f32])
        }
        "rand" => ErasingFill::Rand,
        "pixel" => ErasingFill::Pixel,
        other => {
            return Err(p.error(
                "mode",
                format!("unknown mode '{other}' (const, rand or pixel)"),
            ));
        }
    };
    Ok(RandomErasing {
        probability,
        area,
        min_aspect,
        attempts: p.number("attempt")?.unwrap_or(100.0) as usize,
        log_aspect: p.bool("use_log_aspect", false)?,
        fill,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(yaml: &str) -> Result<Pipeline, DataError> {
        let value: Value = serde_norway::from_str(yaml).unwrap();
        pipeline_from_ops(&value)
    }

    #[test]
    fn paddle_eval_ops_give_the_paddle_preset() {
        let pipeline = ops("- DecodeImage: {to_rgb: False, channel_first: False}\n\
             - ResizeImage: {resize_short: 292, interpolation: bilinear, backend: pil}\n\
             - CropImage: {size: 256}\n\
             - NormalizeImage: {scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1], order: ''}\n\
             - ToCHWImage:\n")
        .unwrap();
        assert_eq!(pipeline, crate::Preset::Paddle.pipeline());
    }

    #[test]
    fn training_ops_parse() {
        let pipeline = ops(
            "- DecodeImage: {to_rgb: True}\n\
             - RandCropImage: {size: 256, interpolation: bilinear, backend: pil}\n\
             - RandFlipImage: {flip_code: 1}\n\
             - NormalizeImage: {scale: 0.00392157, mean: [0.0, 0.0, 0.0], std: [1.0, 1.0, 1.0], order: ''}\n",
        )
        .unwrap();
        assert_eq!(pipeline.transforms.len(), 2);
        assert!(matches!(
            pipeline.transforms[0],
            Transform::RandomResizedCrop {
                size: [256, 256],
                ..
            }
        ));
    }

    /// `DataLoader.Train.dataset.transform_ops` of PaddleClas's `MobileViTV2_x1_0.yaml`.
    #[test]
    fn mobilevit_v2_training_ops_parse_as_paddleclas_writes_them() {
        let pipeline = ops("- DecodeImage: {to_rgb: True, channel_first: False, backend: pil}\n\
             - RandCropImage: {size: 256, interpolation: bicubic, backend: pil, use_log_aspect: True}\n\
             - RandFlipImage: {flip_code: 1}\n\
             - RandAugmentV3: {num_layers: 2, interpolation: bicubic}\n\
             - NormalizeImage: {scale: 1.0/255.0, mean: [0.0, 0.0, 0.0], std: [1.0, 1.0, 1.0], order: ''}\n\
             - RandomErasing: {EPSILON: 0.25, sl: 0.02, sh: 1.0/3.0, r1: 0.3, attempt: 10, use_log_aspect: True, mode: const}\n")
        .unwrap();
        assert_eq!(
            pipeline.transforms[2],
            Transform::RandAugment {
                layers: 2,
                magnitude: 3.0,
                fill: [0, 0, 0],
                interpolation: Interpolation::Bicubic,
            }
        );
        assert_eq!(
            pipeline.erasing,
            Some(RandomErasing {
                probability: 0.25,
                area: [0.02, 1.0 / 3.0],
                min_aspect: 0.3,
                attempts: 10,
                log_aspect: true,
                fill: ErasingFill::Const([0.0; 3]),
            })
        );
        assert!(!pipeline.is_deterministic());
    }

    #[test]
    fn mistakes_name_the_op_and_key() {
        let cases = [
            (
                "- GridMask: {}\n",
                "transform GridMask: unknown transform op",
            ),
            (
                "- RandomErasing: {}\n",
                "RandomErasing: must come after NormalizeImage",
            ),
            (
                "- RandAugmentV3: {interpolation: nearest}\n",
                "RandAugmentV3: 'interpolation': 'nearest': PaddleClas runs",
            ),
            (
                "- NormalizeImage: {}\n- RandomErasing: {mode: blur}\n",
                "RandomErasing: 'mode': unknown mode 'blur'",
            ),
            (
                "- CropImage: {sise: 256}\n",
                "transform CropImage: unknown parameter 'sise'",
            ),
            ("- CropImage: {}\n", "transform CropImage: 'size': required"),
            (
                "- ResizeImage: {resize_short: 256, interpolation: magic}\n",
                "'interpolation': unknown interpolation",
            ),
            (
                "- NormalizeImage: {std: [1, 0, 1]}\n",
                "'std': must not be 0",
            ),
            ("- RandFlipImage: {flip_code: 0}\n", "'flip_code': 0"),
            (
                "- DecodeImage: {to_rgb: maybe}\n",
                "'to_rgb': expected true or false",
            ),
        ];
        for (yaml, expected) in cases {
            let error = ops(yaml).unwrap_err().to_string();
            assert!(error.contains(expected), "{yaml}: {error}");
        }
    }
}
