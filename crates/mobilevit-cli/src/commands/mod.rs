//! One module per subcommand.

pub mod convert;
pub mod forward;
pub mod info;
