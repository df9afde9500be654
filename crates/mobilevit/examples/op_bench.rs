//! Times single CPU-backend operations at MobileViT's shapes (batch 1), one thread.
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, Distribution, activation};
use std::time::Instant;

fn time(name: &str, mut f: impl FnMut()) {
    if let Some(filter) = std::env::args().nth(1) { if !name.contains(&filter) { return; } }
    for _ in 0..20 { f(); }
    let n = 300;
    let mut v: Vec<f64> = (0..n).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1e6 }).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("{name:40} median {:8.1} us  min {:8.1} us", v[n / 2], v[0]);
    let _ = v[0];
}

fn main() {
    rayon::ThreadPoolBuilder::new().num_threads(1).build_global().unwrap();
    mobilevit::compute_pool::on_compute_pool(run);
}

fn run() {
    let d = Device::flex();
    let dw = |c: usize, s: usize, stride: usize| {
        let x = Tensor::<4>::random([1, c, s, s], Distribution::Default, &d);
        let w = Tensor::<4>::random([c, 1, 3, 3], Distribution::Default, &d);
        let b = Tensor::<1>::random([c], Distribution::Default, &d);
        time(&format!("depthwise {c}x{s}x{s} s{stride}"), || {
            let y = conv2d(x.clone(), w.clone(), Some(b.clone()), ConvOptions::new([stride; 2], [1, 1], [1, 1], c));
            drop(y);
        });
    };
    for (c, sz) in [(32usize, 128usize), (48, 64)] {
        let x = Tensor::<4>::random([1, c, sz, sz], Distribution::Default, &d);
        time(&format!("add scalar {c}x{sz}x{sz}"), || drop(x.clone() + 1.0));
    }
    dw(32, 128, 1);
    dw(32, 128, 2);
    dw(48, 64, 1);
    dw(48, 64, 2);
    let dense = |cin: usize, cout: usize, s: usize, k: usize| {
        let x = Tensor::<4>::random([1, cin, s, s], Distribution::Default, &d);
        let w = Tensor::<4>::random([cout, cin, k, k], Distribution::Default, &d);
        let b = Tensor::<1>::random([cout], Distribution::Default, &d);
        time(&format!("conv {k}x{k} {cin}->{cout} at {s}"), || {
            let y = conv2d(x.clone(), w.clone(), Some(b.clone()), ConvOptions::new([1; 2], [k / 2; 2], [1, 1], 1));
            drop(y);
        });
    };
    dense(96, 48, 32, 3);
    dense(48, 48, 32, 3);
    dense(128, 64, 16, 3);
    dense(16, 32, 128, 1);
    dense(32, 16, 128, 1);
    let x = Tensor::<4>::random([1, 32, 128, 128], Distribution::Default, &d);
    time("silu 32x128x128", || { drop(activation::silu(x.clone())); });
}
