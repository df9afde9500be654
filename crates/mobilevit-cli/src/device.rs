//! Choosing the compute device from the command line.

use burn::tensor::Device;
use clap::ValueEnum;

/// A device kind a command can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceKind {
    /// The CPU, with Burn's `flex` backend.
    Cpu,
    /// A GPU through wgpu (Vulkan, Metal, DX12).
    Wgpu,
    /// An NVIDIA GPU through CUDA.
    Cuda,
}

impl DeviceKind {
    /// The Burn device, or an error naming the cargo feature this build lacks.
    pub fn device(self) -> anyhow::Result<Device> {
        match self {
            DeviceKind::Cpu => cpu(),
            DeviceKind::Wgpu => wgpu(),
            DeviceKind::Cuda => cuda(),
        }
    }
}

#[cfg(feature = "flex")]
fn cpu() -> anyhow::Result<Device> {
    Ok(Device::flex())
}

#[cfg(not(feature = "flex"))]
fn cpu() -> anyhow::Result<Device> {
    anyhow::bail!("this build has no CPU backend: rebuild with `--features flex`")
}

#[cfg(feature = "wgpu")]
fn wgpu() -> anyhow::Result<Device> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu() -> anyhow::Result<Device> {
    anyhow::bail!(
        "this build has no wgpu backend: rebuild with `cargo build --release --features wgpu`"
    )
}

#[cfg(feature = "cuda")]
fn cuda() -> anyhow::Result<Device> {
    Ok(Device::cuda(0))
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> anyhow::Result<Device> {
    anyhow::bail!(
        "this build has no CUDA backend: rebuild with `cargo build --release --features cuda`"
    )
}
