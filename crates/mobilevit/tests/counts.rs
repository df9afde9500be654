//! Parameter, MAC and FLOP counts against the figures of the references.

use burn::tensor::Device;
use mobilevit::{MobileVitConfig, Variant};

/// Trainable parameters, in `Variant::ALL`'s order (v1 XXS, XS, S; v2 widths 0.5 to 2.0;
/// v3 XXS, XS, S, their L2 forms, widths 0.5, 0.75, 1.0): timm 1.0.31, HF transformers
/// 5.25.0 (v2) and PaddleClas 2.6.0 agree.
const PARAMS: [u64; 19] = [
    1_272_024, 2_317_848, 5_578_632, 1_370_593, 2_866_009, 4_901_841, 7_478_089, 10_594_753,
    14_251_833, 18_449_329, 1_249_448, 2_490_360, 5_763_912, 1_145_288, 2_257_320, 5_169_864,
    1_429_985, 2_999_641, 5_139_409,
];
/// Trainable parameters plus BatchNorm running statistics (PaddleClas's "Params").
const PARAMS_WITH_BUFFERS: [u64; 19] = [
    1_276_136, 2_326_296, 5_590_888, 1_378_369, 2_877_673, 4_917_393, 7_497_529, 10_618_081,
    14_279_049, 18_480_433, 1_254_840, 2_502_520, 5_781_928, 1_150_680, 2_269_480, 5_187_880,
    1_437_761, 3_011_305, 5_154_961,
];
/// MACs at 256x256 from `torch.utils.flop_counter.FlopCounterMode` on timm's models (v1, v2;
/// timm has no v3).
const MACS_256: [u64; 10] = [
    407_364_096,
    1_025_911_808,
    2_000_831_488,
    464_594_944,
    1_027_980_288,
    1_812_090_880,
    2_816_926_720,
    4_042_487_808,
    5_488_774_144,
    7_155_785_728,
];
/// PaddleClas's published "FLOPs (M)" at 256x256 (v1).
const PADDLE_FLOPS_256_M: [f64; 3] = [337.24, 930.75, 1849.35];

#[test]
fn analytic_counts_match_the_references() {
    for (index, variant) in Variant::ALL.into_iter().enumerate() {
        let cost = MobileVitConfig::imagenet(variant).cost([256, 256]);
        assert_eq!(cost.total.params, PARAMS[index], "{variant} params");
        assert_eq!(
            cost.total.params + cost.total.buffers,
            PARAMS_WITH_BUFFERS[index],
            "{variant} params + buffers"
        );
        if let Some(&macs) = MACS_256.get(index) {
            assert_eq!(cost.total.macs, macs, "{variant} MACs");
        }
        let Some(published) = PADDLE_FLOPS_256_M.get(index) else {
            continue;
        };
        let flops_m = cost.total.paddle_flops as f64 / 1e6;
        let relative = (flops_m - published).abs() / published;
        assert!(
            relative < 0.005,
            "{variant} PaddleClas FLOPs {flops_m:.2} M vs {published} M"
        );
    }
}

#[test]
fn built_modules_have_the_counted_parameters() {
    let device = Device::flex();
    for variant in Variant::ALL {
        for num_classes in [1000, 10] {
            let config = MobileVitConfig::imagenet(variant).with_num_classes(num_classes);
            let counts = config.init(&device).unwrap().parameter_counts();
            let cost = config.cost([256, 256]);
            assert_eq!(
                counts.trainable, cost.total.params,
                "{variant}/{num_classes}"
            );
            assert_eq!(
                counts.buffers, cost.total.buffers,
                "{variant}/{num_classes}"
            );
        }
    }
}

#[test]
fn stage_sizes_follow_the_downsampling() {
    let cost = MobileVitConfig::imagenet(Variant::S).cost([256, 256]);
    let sizes: Vec<_> = cost.stages.iter().map(|s| s.output_size[0]).collect();
    assert_eq!(sizes, [128, 128, 64, 32, 16, 8, 1]);
    let odd = MobileVitConfig::imagenet(Variant::S).cost([193, 301]);
    let sizes: Vec<_> = odd.stages.iter().map(|s| s.output_size).collect();
    assert_eq!(
        sizes,
        [
            [97, 151],
            [97, 151],
            [49, 76],
            [25, 38],
            [13, 19],
            [7, 10],
            [1, 1]
        ]
    );
    let per_stage: u64 = cost.stages.iter().map(|s| s.cost.params).sum();
    assert_eq!(per_stage, PARAMS[2]);
}

#[test]
fn per_stage_parameters_match_the_spec_breakdown() {
    // From the spec's per-stage table for XXS: stem 464, L1 1,472, L2 7,696,
    // L3 4,176 + 135,712, L4 12,128 + 329,696, L5 20,256 + 413,184, exp 26,240 + fc 321,000.
    let cost = MobileVitConfig::imagenet(Variant::Xxs).cost([256, 256]);
    let params: Vec<_> = cost.stages.iter().map(|s| s.cost.params).collect();
    assert_eq!(
        params,
        [
            464,
            1_472,
            7_696,
            4_176 + 135_712,
            12_128 + 329_696,
            20_256 + 413_184,
            26_240 + 321_000
        ]
    );
}

#[test]
fn v2_blocks_round_odd_maps_up_as_timm_or_keep_them_as_hf() {
    let stage_sides = |config: MobileVitConfig| -> Vec<usize> {
        let cost = config.cost([200, 200]);
        cost.stages.iter().map(|s| s.output_size[0]).collect()
    };
    assert_eq!(
        stage_sides(MobileVitConfig::imagenet(Variant::V2x050)),
        [100, 100, 50, 26, 14, 8, 1]
    );
    assert_eq!(
        stage_sides(MobileVitConfig::hf(Variant::V2x050)),
        [100, 100, 50, 25, 13, 7, 1]
    );
}
