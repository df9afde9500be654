//! Whether a Burn device can run at all on this machine.
//!
//! Burn's GPU devices are lazy: a machine without the adapter or driver fails at the first
//! tensor, with a panic from deep in the runtime. [`check_device`] runs one tiny kernel first,
//! so a command can refuse the device with a message instead.

use burn::tensor::{Device, Tensor};

/// Runs `1 + 2` on `device`; the error says why the device cannot compute (the runtime's own
/// message, with what each GPU backend needs).
pub fn check_device(device: &Device) -> Result<(), String> {
    let probe = device.clone();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(move || {
        Tensor::<1>::from_floats([1.0, 2.0], &probe)
            .sum()
            .into_scalar::<f32>()
    });
    std::panic::set_hook(hook);
    match outcome {
        Ok(3.0) => Ok(()),
        Ok(sum) => Err(format!("it computed 1 + 2 = {sum}: its driver is broken")),
        Err(payload) => Err(format!(
            "{} (wgpu needs a Vulkan, Metal or DX12 driver, on Debian e.g. \
             `apt-get install mesa-vulkan-drivers`; CUDA needs an NVIDIA GPU and its driver)",
            panic_message(payload.as_ref())
        )),
    }
}

/// The message a panic carried, for reporting a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| text.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
