//! The record of what weights expect, and how a requested pipeline is made to obey it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::channel_order::ChannelOrder;
use crate::pipeline::Pipeline;
use crate::preset::Preset;

/// Where a pipeline was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PipelineOrigin {
    /// A reference's eval preset.
    Preset(Preset),
    /// A PaddleClas-style config's transforms (`DataLoader.Eval` or `Infer`).
    Config,
}

impl fmt::Display for PipelineOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineOrigin::Preset(preset) => preset.fmt(f),
            PipelineOrigin::Config => f.write_str("config"),
        }
    }
}

impl FromStr for PipelineOrigin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("config") {
            return Ok(PipelineOrigin::Config);
        }
        text.parse().map(PipelineOrigin::Preset).map_err(|_| {
            format!(
                "unknown preprocessing origin '{text}': expected a preset (timm, paddle, hf, cvnets, timm_v2, paddle_v2) or config"
            )
        })
    }
}

impl TryFrom<String> for PipelineOrigin {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<PipelineOrigin> for String {
    fn from(origin: PipelineOrigin) -> Self {
        origin.to_string()
    }
}

/// What a model's weights expect of their input: the eval pipeline they were made with. Its
/// decode order is the channel order the model's stem expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Where the pipeline was taken from.
    pub origin: PipelineOrigin,
    /// Decode order, transforms, scale, mean and std.
    pub pipeline: Pipeline,
}

/// A pipeline made to obey the weights, and the one-line notice when that changed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Adapted {
    /// The pipeline to run.
    pub preprocessing: Preprocessing,
    /// Why it differs from the one asked for, when it does.
    pub notice: Option<String>,
}

impl Preprocessing {
    /// A reference's eval preset.
    pub fn preset(preset: Preset) -> Self {
        Self {
            origin: PipelineOrigin::Preset(preset),
            pipeline: preset.pipeline(),
        }
    }

    /// A config's eval or inference transforms.
    pub fn config(pipeline: Pipeline) -> Self {
        Self {
            origin: PipelineOrigin::Config,
            pipeline,
        }
    }

    /// The channel order the weights expect.
    pub fn channel_order(&self) -> ChannelOrder {
        self.pipeline.order
    }

    /// The `[height, width]` the pipeline produces, when it is fixed.
    pub fn input_size(&self) -> Option<[usize; 2]> {
        self.pipeline.output_size()
    }

    /// The same record for weights whose stem now takes the other channel order (the stem's
    /// input channels permuted): the images are decoded in the other order, all else equal.
    pub fn with_swapped_channels(mut self) -> Self {
        self.pipeline.order = self.pipeline.order.swapped();
        self
    }

    /// `requested` (a preset or config the user chose) made to feed these weights: its
    /// resizing, cropping and normalisation, decoded in the order the weights expect. When the
    /// orders differ, the notice says so.
    pub fn obey(&self, requested: Preprocessing) -> Adapted {
        let expected = self.channel_order();
        let asked = requested.channel_order();
        if asked == expected {
            return Adapted {
                preprocessing: requested,
                notice: None,
            };
        }
        let notice = format!(
            "the weights expect {expected} input and the {} preprocessing decodes {asked}: \
             decoding {expected}",
            requested.origin
        );
        Adapted {
            preprocessing: Preprocessing {
                origin: requested.origin,
                pipeline: requested.pipeline.with_order(expected),
            },
            notice: Some(notice),
        }
    }

    /// One line: origin, order, size, scale, mean and std.
    pub fn summary(&self) -> String {
        let pipeline = &self.pipeline;
        let size = self.input_size().map_or_else(
            || "size of the image".to_string(),
            |[h, w]| format!("{h}x{w}"),
        );
        format!(
            "{} ({}, {size}, scale {}, mean {:?}, std {:?})",
            self.origin, pipeline.order, pipeline.scale, pipeline.mean, pipeline.std
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obeying_keeps_the_geometry_and_takes_the_weights_order() {
        let weights = Preprocessing::preset(Preset::Paddle);
        let same = weights.obey(Preprocessing::preset(Preset::Hf));
        assert_eq!(same.notice, None);
        assert_eq!(same.preprocessing, Preprocessing::preset(Preset::Hf));

        let adapted = weights.obey(Preprocessing::preset(Preset::Timm));
        let notice = adapted.notice.expect("orders differ");
        assert!(
            notice.contains("expect BGR") && notice.contains("timm"),
            "{notice}"
        );
        let mut expected = Preset::Timm.pipeline();
        expected.order = ChannelOrder::Bgr;
        assert_eq!(adapted.preprocessing.pipeline, expected);

        let swapped = weights.clone().with_swapped_channels();
        assert_eq!(swapped.channel_order(), ChannelOrder::Rgb);
        assert_eq!(
            swapped.obey(Preprocessing::preset(Preset::Timm)).notice,
            None
        );
    }

    #[test]
    fn records_round_trip_as_json() {
        let record = Preprocessing::config(Preset::Timm.pipeline().with_output_size([48, 48]));
        let json = serde_json::to_string(&record).unwrap();
        assert!(json.contains(r#""origin":"config""#), "{json}");
        assert_eq!(
            serde_json::from_str::<Preprocessing>(&json).unwrap(),
            record
        );
        let preset = serde_json::to_string(&Preprocessing::preset(Preset::Hf)).unwrap();
        assert!(preset.contains(r#""origin":"hf""#), "{preset}");
        assert!(serde_json::from_str::<PipelineOrigin>(r#""opencv""#).is_err());
    }
}
