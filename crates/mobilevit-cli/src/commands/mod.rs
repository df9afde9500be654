//! One module per subcommand.

pub mod convert;
pub mod data;
pub mod forward;
pub mod info;
pub mod preprocess;
pub mod train;
