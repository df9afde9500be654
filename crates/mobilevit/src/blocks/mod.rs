//! The building blocks of MobileViT, one per file.

pub mod attention;
pub mod conv_norm_act;
pub mod inverted_residual;
pub mod linear;
pub mod linear_attention;
pub mod linear_transformer_layer;
pub mod mlp;
pub mod mobilevit_block;
pub mod mobilevit_v2_block;
pub mod mobilevit_v3_block;
pub mod patches;
pub mod transformer_layer;

pub use attention::{Attention, AttentionConfig};
pub use conv_norm_act::{ConvNormAct, ConvNormActConfig};
pub use inverted_residual::{InvertedResidual, InvertedResidualConfig};
pub use linear_attention::{LinearSelfAttention, LinearSelfAttentionConfig};
pub use linear_transformer_layer::{ConvMlp, LinearTransformerLayer, LinearTransformerLayerConfig};
pub use mlp::{Mlp, MlpConfig};
pub use mobilevit_block::{MobileVitBlock, MobileVitBlockConfig};
pub use mobilevit_v2_block::{MobileVitV2Block, MobileVitV2BlockConfig};
pub use mobilevit_v3_block::{MobileVitV3Block, MobileVitV3BlockConfig};
pub use patches::{FoldResize, PatchGrid, UnfoldRemainder};
pub use transformer_layer::{TransformerLayer, TransformerLayerConfig};
