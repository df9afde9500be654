//! The order of an image's three colour channels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Channel order of decoded images, and so the order a model's stem expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelOrder {
    /// Red, green, blue (Pillow's, timm's).
    Rgb,
    /// Blue, green, red (OpenCV's, in which the original MobileViT weights were trained).
    Bgr,
}

impl ChannelOrder {
    /// The other order.
    pub fn swapped(self) -> Self {
        match self {
            ChannelOrder::Rgb => ChannelOrder::Bgr,
            ChannelOrder::Bgr => ChannelOrder::Rgb,
        }
    }
}

impl fmt::Display for ChannelOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChannelOrder::Rgb => "RGB",
            ChannelOrder::Bgr => "BGR",
        })
    }
}

impl FromStr for ChannelOrder {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "rgb" => Ok(ChannelOrder::Rgb),
            "bgr" => Ok(ChannelOrder::Bgr),
            _ => Err(format!(
                "unknown channel order '{text}': expected RGB or BGR"
            )),
        }
    }
}
