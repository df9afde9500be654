//! One module per subcommand.

pub mod bench;
pub mod convert;
pub mod data;
pub mod eval;
pub mod export;
pub mod forward;
pub mod info;
pub mod predict;
pub mod preprocess;
pub mod preprocessing;
pub mod serve;
pub mod train;
