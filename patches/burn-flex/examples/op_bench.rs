//! Times single operations of the CPU backend at MobileViT-XXS's shapes (256x256, batch 1),
//! on one thread (or `OP_BENCH_THREADS`), to compare kernels with the per-node profile of
//! another runtime, or an operation's time on two threads with its time on one.
//!
//! ```console
//! $ MALLOC_MMAP_MAX_=0 MALLOC_TOP_PAD_=67108864 cargo run --release -p burn-flex --example op_bench [FILTER]
//! ```
//!
//! The malloc settings are those the `mobilevit` binary makes (freed activations stay with
//! the process, so each output is not a fresh mapping). FILTER keeps the operations whose
//! name contains it. Each figure is the median and the fastest of 300 runs after 20.

use std::time::Instant;

use burn::backend::Flex;
use burn::backend::flex::FlexTensor;
use burn::backend::flex::ops::activation::silu;
use burn::backend::ops::ModuleOps;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Distribution, Tensor};

const WARMUP: usize = 20;
const RUNS: usize = 300;

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let threads = std::env::var("OP_BENCH_THREADS")
        .ok()
        .and_then(|threads| threads.parse().ok())
        .unwrap_or(1);
    if let Err(error) = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
    {
        eprintln!("op_bench: {error}");
        std::process::exit(1);
    }
    // On a thread of the pool, as in `mobilevit bench`: operations do not hand off to it.
    rayon::scope(|scope| scope.spawn(|_| run_all(&filter)));
}

/// A tensor on the flex device as burn-flex's own primitive, for the kernels Burn's tensor
/// API does not reach (SiLU, `linear`).
fn primitive<const D: usize>(tensor: Tensor<D>) -> FlexTensor {
    tensor
        .try_into_primitive::<Flex>()
        .expect("a tensor on the flex device")
}

fn run_all(filter: &str) {
    let device = Device::flex();
    let time = |name: &str, work: &mut dyn FnMut()| {
        if name.contains(filter) {
            report(name, work);
        }
    };
    for (channels, size) in [(32, 128), (48, 64)] {
        let x = Tensor::<4>::random([1, channels, size, size], Distribution::Default, &device);
        time(&format!("add scalar {channels}x{size}x{size}"), &mut || {
            drop(x.clone() + 1.0)
        });
        time(&format!("silu {channels}x{size}x{size}"), &mut || {
            drop(silu(primitive(x.clone())))
        });
    }
    // Depthwise 3x3: MobileNetV2 blocks at stride 1 and their downsampling at stride 2.
    for (channels, size, stride) in [(32, 128, 1), (32, 128, 2), (48, 64, 1), (48, 64, 2)] {
        let conv = Conv::new(&device, channels, channels, size, 3, stride, channels);
        time(
            &format!("depthwise {channels}x{size}x{size} stride {stride}"),
            &mut || conv.run(),
        );
    }
    // The stem: 3 to 16 channels, 3x3 at stride 2.
    let stem = Conv::new(&device, 3, 16, 256, 3, 2, 1);
    time("stem 3->16 at 256x256 stride 2", &mut || stem.run());
    // MobileViT's local and fusion 3x3 convolutions, and the 1x1 expansion and projection
    // of the first blocks.
    for (inputs, outputs, size, kernel) in [
        (48, 48, 32, 3),
        (96, 48, 32, 3),
        (128, 64, 16, 3),
        (80, 80, 8, 3),
        (160, 80, 8, 3),
        (16, 32, 128, 1),
        (32, 16, 128, 1),
        (96, 64, 16, 1),
        (64, 80, 16, 1),
        (128, 80, 8, 1),
        (80, 320, 8, 1),
    ] {
        let conv = Conv::new(&device, inputs, outputs, size, kernel, 1, 1);
        time(
            &format!("conv {kernel}x{kernel} {inputs}->{outputs} at {size}x{size}"),
            &mut || conv.run(),
        );
    }
    // The transformers' projections: tokens of the three MobileViT blocks (four sequences
    // of 256, 64 and 16) by their widths.
    for (rows, inputs, outputs) in [
        (1024, 64, 192),
        (1024, 128, 64),
        (256, 80, 240),
        (256, 160, 80),
        (64, 96, 288),
        (64, 192, 96),
    ] {
        let x = Tensor::<2>::random([rows, inputs], Distribution::Default, &device);
        let weight = Tensor::<2>::random([inputs, outputs], Distribution::Default, &device);
        let bias = Tensor::<1>::random([outputs], Distribution::Default, &device);
        time(&format!("linear {rows}x{inputs}->{outputs}"), &mut || {
            drop(Flex::linear(
                primitive(x.clone()),
                primitive(weight.clone()),
                Some(primitive(bias.clone())),
            ))
        });
    }
}

/// A convolution with a bias, its input and its options.
struct Conv {
    input: Tensor<4>,
    weight: Tensor<4>,
    bias: Tensor<1>,
    options: ConvOptions<2>,
}

impl Conv {
    fn new(
        device: &Device,
        inputs: usize,
        outputs: usize,
        size: usize,
        kernel: usize,
        stride: usize,
        groups: usize,
    ) -> Self {
        Self {
            input: Tensor::random([1, inputs, size, size], Distribution::Default, device),
            weight: Tensor::random(
                [outputs, inputs / groups, kernel, kernel],
                Distribution::Default,
                device,
            ),
            bias: Tensor::random([outputs], Distribution::Default, device),
            options: ConvOptions::new([stride; 2], [kernel / 2; 2], [1, 1], groups),
        }
    }

    fn run(&self) {
        drop(conv2d(
            self.input.clone(),
            self.weight.clone(),
            Some(self.bias.clone()),
            self.options.clone(),
        ));
    }
}

/// Prints the median and fastest time of `work` (the CPU backend runs eagerly).
fn report(name: &str, work: &mut dyn FnMut()) {
    for _ in 0..WARMUP {
        work();
    }
    let mut micros: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    println!(
        "{name:40} median {:8.1} us   fastest {:8.1} us",
        micros[RUNS / 2],
        micros[0]
    );
}
