mod autodiff;
mod base;
mod bool;
mod float;
mod int;
mod math;
mod numeric;
mod ordered;

pub(crate) use autodiff::*;
pub(crate) use base::*;
pub(crate) use math::*;
pub(crate) use numeric::*;
pub(crate) use ordered::*;
