mod kind;
mod ops;

pub use kind::*;
pub(crate) use ops::*;
