//! Choosing the compute device from the command line.

use std::str::FromStr;

use burn::tensor::Device;
use clap::{Args, ValueEnum};

/// A device kind a command can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceKind {
    /// The CPU, with Burn's `flex` backend.
    Cpu,
    /// A GPU through wgpu (Vulkan, Metal, DX12).
    Wgpu,
    /// An NVIDIA GPU through CUDA (`gpu`, as PaddleClas's configs say, is the same).
    #[value(alias = "gpu")]
    Cuda,
}

/// `--device cpu|wgpu|cuda`, the same for every command that runs a model (`train` reads the
/// same names from `Global.device`).
#[derive(Args, Debug, Clone, Copy)]
pub struct DeviceArgs {
    /// Compute device (wgpu and cuda need a build with `--features wgpu` / `cuda`).
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceKind,
}

impl DeviceArgs {
    /// The Burn device.
    pub fn device(self) -> anyhow::Result<Device> {
        self.device.device()
    }
}

impl FromStr for DeviceKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        <DeviceKind as ValueEnum>::from_str(text, true)
            .map_err(|_| format!("unknown device '{text}' (cpu, wgpu, cuda or gpu)"))
    }
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

    /// Device number `index` of this kind, as `Global.devices` lists them: the `index`-th CUDA
    /// GPU, or the `index`-th discrete GPU wgpu finds. Burn's CPU backend has one device,
    /// which every index names.
    pub fn device_at(self, index: usize) -> anyhow::Result<Device> {
        match self {
            DeviceKind::Cpu => cpu(),
            DeviceKind::Wgpu => wgpu_at(index),
            DeviceKind::Cuda => cuda_at(index),
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
    usable(
        Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
        "wgpu",
    )
}

#[cfg(feature = "wgpu")]
fn wgpu_at(index: usize) -> anyhow::Result<Device> {
    usable(
        Device::wgpu(burn::tensor::DeviceKind::DiscreteGpu(index)),
        &format!("wgpu discrete GPU {index}"),
    )
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_at(_index: usize) -> anyhow::Result<Device> {
    wgpu()
}

#[cfg(not(feature = "wgpu"))]
fn wgpu() -> anyhow::Result<Device> {
    anyhow::bail!(
        "this build has no wgpu backend: rebuild with `cargo build --release --features wgpu`"
    )
}

#[cfg(feature = "cuda")]
fn cuda() -> anyhow::Result<Device> {
    cuda_at(0)
}

#[cfg(feature = "cuda")]
fn cuda_at(index: usize) -> anyhow::Result<Device> {
    usable(Device::cuda(index), &format!("CUDA device {index}"))
}

/// `device` once it has run a kernel, or an error naming it and saying why it cannot.
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn usable(device: Device, name: &str) -> anyhow::Result<Device> {
    mobilevit::check_device(&device)
        .map_err(|reason| anyhow::anyhow!("{name} is not usable on this machine: {reason}"))?;
    Ok(device)
}

#[cfg(not(feature = "cuda"))]
fn cuda_at(_index: usize) -> anyhow::Result<Device> {
    cuda()
}

#[cfg(not(feature = "cuda"))]
fn cuda() -> anyhow::Result<Device> {
    anyhow::bail!(
        "this build has no CUDA backend: rebuild with `cargo build --release --features cuda`"
    )
}
