//! The CPU backend's convolutions (the im2col forward path and the direct backward passes of
//! the burn-flex patch, patches/README.md) against a plain f64 computation, for every kind of
//! convolution MobileViT runs and the cases around them.

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

/// One convolution's sizes.
#[derive(Debug, Clone, Copy)]
struct Case {
    batch: usize,
    in_channels: usize,
    out_channels: usize,
    size: [usize; 2],
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
    groups: usize,
}

impl Case {
    fn out_size(&self, axis: usize) -> usize {
        (self.size[axis] + 2 * self.padding - self.dilation * (self.kernel - 1) - 1) / self.stride
            + 1
    }

    fn shapes(&self) -> ([usize; 4], [usize; 4], [usize; 4]) {
        let x = [self.batch, self.in_channels, self.size[0], self.size[1]];
        let w = [
            self.out_channels,
            self.in_channels / self.groups,
            self.kernel,
            self.kernel,
        ];
        let g = [
            self.batch,
            self.out_channels,
            self.out_size(0),
            self.out_size(1),
        ];
        (x, w, g)
    }

    /// Input position read by output `o` through tap `k` on `axis`, if inside the input.
    fn input_at(&self, axis: usize, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k * self.dilation)
            .checked_sub(self.padding)
            .filter(|&i| i < self.size[axis])
    }

    /// Both gradients in f64, straight from the definition of the convolution.
    fn reference(&self, x: &[f32], w: &[f32], g: &[f32]) -> (Vec<f64>, Vec<f64>) {
        let (xs, ws, gs) = self.shapes();
        let index = |s: [usize; 4], a: usize, b: usize, c: usize, d: usize| {
            ((a * s[1] + b) * s[2] + c) * s[3] + d
        };
        let (in_group, out_group) = (ws[1], self.out_channels / self.groups);
        let mut dx = vec![0.0f64; x.len()];
        let mut dw = vec![0.0f64; w.len()];
        for n in 0..self.batch {
            for co in 0..self.out_channels {
                for oh in 0..gs[2] {
                    for ow in 0..gs[3] {
                        let grad = f64::from(g[index(gs, n, co, oh, ow)]);
                        for local in 0..in_group {
                            let ci = co / out_group * in_group + local;
                            for kh in 0..self.kernel {
                                for kw in 0..self.kernel {
                                    let (Some(ih), Some(iw)) =
                                        (self.input_at(0, oh, kh), self.input_at(1, ow, kw))
                                    else {
                                        continue;
                                    };
                                    let wi = index(ws, co, local, kh, kw);
                                    let xi = index(xs, n, ci, ih, iw);
                                    dx[xi] += grad * f64::from(w[wi]);
                                    dw[wi] += grad * f64::from(x[xi]);
                                }
                            }
                        }
                    }
                }
            }
        }
        (dx, dw)
    }
}

impl Case {
    /// The output in f64, straight from the definition, with one bias per output channel.
    fn forward_reference(&self, x: &[f32], w: &[f32], bias: &[f32]) -> Vec<f64> {
        let (xs, ws, gs) = self.shapes();
        let index = |s: [usize; 4], a: usize, b: usize, c: usize, d: usize| {
            ((a * s[1] + b) * s[2] + c) * s[3] + d
        };
        let (in_group, out_group) = (ws[1], self.out_channels / self.groups);
        let mut output = vec![0.0f64; gs.iter().product()];
        for n in 0..self.batch {
            for co in 0..self.out_channels {
                for oh in 0..gs[2] {
                    for ow in 0..gs[3] {
                        let mut sum = f64::from(bias[co]);
                        for local in 0..in_group {
                            let ci = co / out_group * in_group + local;
                            for kh in 0..self.kernel {
                                for kw in 0..self.kernel {
                                    if let (Some(ih), Some(iw)) =
                                        (self.input_at(0, oh, kh), self.input_at(1, ow, kw))
                                    {
                                        sum += f64::from(w[index(ws, co, local, kh, kw)])
                                            * f64::from(x[index(xs, n, ci, ih, iw)]);
                                    }
                                }
                            }
                        }
                        output[index(gs, n, co, oh, ow)] = sum;
                    }
                }
            }
        }
        output
    }

    fn options(&self) -> ConvOptions<2> {
        ConvOptions::new(
            [self.stride; 2],
            [self.padding; 2],
            [self.dilation; 2],
            self.groups,
        )
    }
}

fn seeded(count: usize, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..count)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn tensor(values: &[f32], shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), device)
}

fn worst_difference(ours: Tensor<4>, reference: &[f64]) -> f64 {
    let ours = ours.into_data().try_to_vec::<f32>().unwrap();
    assert_eq!(ours.len(), reference.len());
    ours.iter()
        .zip(reference)
        .map(|(&a, &b)| (f64::from(a) - b).abs() / (1.0 + b.abs()))
        .fold(0.0, f64::max)
}

fn check(case: Case) {
    let (xs, ws, gs) = case.shapes();
    let x = seeded(xs.iter().product(), 1);
    let w = seeded(ws.iter().product(), 2);
    let g = seeded(gs.iter().product(), 3);
    let (dx, dw) = case.reference(&x, &w, &g);
    // The gradients of sum(conv(x, w) * g) are the convolution's backward passes at g.
    let device = Device::flex().autodiff();
    let x_param = tensor(&x, xs, &device).require_grad();
    let w_param = tensor(&w, ws, &device).require_grad();
    let output = conv2d(x_param.clone(), w_param.clone(), None, case.options());
    let grads = (output * tensor(&g, gs, &device)).sum().backward();
    let ours_dx = x_param.grad(&grads).unwrap();
    let ours_dw = w_param.grad(&grads).unwrap();
    assert_eq!(ours_dx.dims(), xs, "{case:?}");
    assert_eq!(ours_dw.dims(), ws, "{case:?}");
    let (worst_dx, worst_dw) = (
        worst_difference(ours_dx, &dx),
        worst_difference(ours_dw, &dw),
    );
    assert!(
        worst_dx < 1e-5 && worst_dw < 1e-5,
        "{case:?}: input gradient off by {worst_dx:e}, weight gradient by {worst_dw:e}"
    );
}

/// The forward pass with and without a bias, on the plain (inference) backend.
fn check_forward(case: Case) {
    let (xs, ws, gs) = case.shapes();
    let x = seeded(xs.iter().product(), 4);
    let w = seeded(ws.iter().product(), 5);
    let bias = seeded(case.out_channels, 6);
    let device = Device::flex();
    let no_bias = vec![0.0; case.out_channels];
    for bias in [Some(&bias), None] {
        let reference = case.forward_reference(&x, &w, bias.unwrap_or(&no_bias));
        let bias = bias.map(|bias| {
            Tensor::<1>::from_data(TensorData::new(bias.clone(), [bias.len()]), &device)
        });
        let has_bias = bias.is_some();
        let output = conv2d(
            tensor(&x, xs, &device),
            tensor(&w, ws, &device),
            bias,
            case.options(),
        );
        assert_eq!(output.dims(), gs, "{case:?}");
        let worst = worst_difference(output, &reference);
        assert!(worst < 1e-5, "{case:?}, bias {has_bias}: off by {worst:e}");
    }
}

const BASE: Case = Case {
    batch: 3,
    in_channels: 8,
    out_channels: 8,
    size: [9, 11],
    kernel: 3,
    stride: 1,
    padding: 1,
    dilation: 1,
    groups: 8,
};

#[test]
fn depthwise_gradients_match_f64() {
    check(BASE);
    // Stride 2 (MobileNetV2's downsampling blocks), rows of more than one SIMD vector.
    check(Case {
        stride: 2,
        size: [13, 37],
        ..BASE
    });
}

#[test]
fn pointwise_gradients_match_f64() {
    check(Case {
        in_channels: 6,
        out_channels: 5,
        kernel: 1,
        padding: 0,
        groups: 1,
        ..BASE
    });
    // A 1x1 convolution with stride 2 cannot use the input as its im2col matrix.
    check(Case {
        in_channels: 4,
        out_channels: 3,
        kernel: 1,
        padding: 0,
        stride: 2,
        groups: 1,
        ..BASE
    });
}

#[test]
fn dense_and_grouped_gradients_match_f64() {
    // The stem: 3x3, stride 2, three input channels.
    check(Case {
        in_channels: 3,
        out_channels: 4,
        stride: 2,
        groups: 1,
        ..BASE
    });
    // MobileViT's local and fusion 3x3 convolutions, batch of one.
    check(Case {
        batch: 1,
        in_channels: 6,
        out_channels: 5,
        groups: 1,
        ..BASE
    });
    // Grouped and dilated, with more outputs than inputs per group.
    check(Case {
        in_channels: 4,
        out_channels: 6,
        padding: 2,
        dilation: 2,
        groups: 2,
        ..BASE
    });
    // A depthwise convolution with a channel multiplier takes the grouped path.
    check(Case {
        in_channels: 4,
        out_channels: 8,
        groups: 4,
        ..BASE
    });
}

#[test]
fn dense_and_grouped_convolutions_match_f64() {
    // MobileViT's local 3x3 convolution (C -> C), a batch of one, bands of a few rows.
    let local = Case {
        batch: 1,
        in_channels: 24,
        out_channels: 24,
        size: [32, 32],
        groups: 1,
        ..BASE
    };
    check_forward(local);
    // Its fusion convolution (2C -> C) on a batch, with odd sizes.
    check_forward(Case {
        batch: 3,
        in_channels: 40,
        out_channels: 20,
        size: [9, 11],
        ..local
    });
    // Stride 2, a 5x5 kernel and a map narrower than a band.
    check_forward(Case {
        kernel: 5,
        padding: 2,
        stride: 2,
        size: [13, 7],
        ..local
    });
    // Grouped and dilated, more outputs than inputs per group, no padding.
    check_forward(Case {
        batch: 2,
        in_channels: 8,
        out_channels: 12,
        padding: 0,
        dilation: 2,
        groups: 2,
        ..local
    });
    // A depthwise convolution with a channel multiplier, and a 1x1 convolution with stride 2.
    check_forward(Case {
        in_channels: 8,
        out_channels: 16,
        groups: 8,
        ..local
    });
    check_forward(Case {
        kernel: 1,
        padding: 0,
        stride: 2,
        ..local
    });
}

#[test]
fn stem_convolutions_match_f64() {
    // The path for 3x3 kernels over one to four input channels (patches/README.md, change
    // 15): rows of two SIMD vectors, one, and an overlapping last one; output channels in
    // blocks of 8, 4, 2 and 1; strides 1 and 2 (rows split into even and odd columns, of odd
    // and even lengths); padding of 0, 1 and 2; and rows narrower than a vector.
    let stem = Case {
        batch: 2,
        in_channels: 3,
        out_channels: 16,
        size: [67, 70],
        stride: 2,
        groups: 1,
        ..BASE
    };
    check_forward(stem);
    for case in [
        Case {
            batch: 1,
            out_channels: 15,
            size: [9, 99],
            ..stem
        },
        Case {
            in_channels: 1,
            out_channels: 5,
            size: [7, 40],
            stride: 1,
            ..stem
        },
        Case {
            in_channels: 4,
            out_channels: 8,
            size: [6, 21],
            stride: 1,
            padding: 0,
            ..stem
        },
        Case {
            in_channels: 2,
            out_channels: 3,
            size: [8, 37],
            padding: 0,
            ..stem
        },
        Case {
            out_channels: 9,
            size: [11, 36],
            padding: 2,
            ..stem
        },
        Case {
            size: [5, 9],
            ..stem
        },
    ] {
        check_forward(case);
    }
}

#[test]
fn pointwise_and_depthwise_convolutions_match_f64() {
    // The 1x1 path (the output starts from the bias) and the depthwise path.
    check_forward(Case {
        in_channels: 24,
        out_channels: 40,
        kernel: 1,
        padding: 0,
        groups: 1,
        ..BASE
    });
    // A batch of one on a map wide enough for one band of positions per thread.
    check_forward(Case {
        batch: 1,
        in_channels: 16,
        out_channels: 24,
        size: [29, 31],
        kernel: 1,
        padding: 0,
        groups: 1,
        ..BASE
    });
    // A batch of one on a map too small for bands of positions: bands of output channels
    // (also within each of two groups).
    for groups in [1, 2] {
        check_forward(Case {
            batch: 1,
            in_channels: 16,
            out_channels: 72,
            size: [7, 9],
            kernel: 1,
            padding: 0,
            groups,
            ..BASE
        });
    }
    check_forward(BASE);
    // The depthwise path's rows at strides 1 and 2, as in MobileNetV2's blocks, on a batch
    // of one: f32 SIMD vectors four and one at a time (the last one overlapping; at stride 2
    // from rows split into even and odd columns, of odd and even lengths), and narrower rows
    // in blocks of 32, 16 and 8 columns and single columns.
    for (size, stride) in [
        ([6, 70], 1),
        ([5, 41], 1),
        ([6, 150], 2),
        ([5, 37], 2),
        ([7, 21], 2),
        ([9, 15], 2),
        ([4, 7], 1),
    ] {
        check_forward(Case {
            batch: 1,
            size,
            stride,
            ..BASE
        });
    }
    // Wider and dilated kernels, no padding, and a stride the blocks do not take.
    check_forward(Case {
        kernel: 5,
        padding: 2,
        size: [12, 40],
        ..BASE
    });
    check_forward(Case {
        dilation: 2,
        padding: 2,
        stride: 2,
        size: [12, 40],
        ..BASE
    });
    check_forward(Case {
        padding: 0,
        size: [12, 40],
        ..BASE
    });
    check_forward(Case {
        padding: 0,
        stride: 2,
        size: [12, 40],
        ..BASE
    });
    check_forward(Case {
        stride: 3,
        size: [12, 40],
        ..BASE
    });
    // The stem: three input channels, stride 2.
    check_forward(Case {
        in_channels: 3,
        out_channels: 16,
        size: [20, 20],
        stride: 2,
        groups: 1,
        ..BASE
    });
}
