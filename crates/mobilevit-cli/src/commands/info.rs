//! `mobilevit info`: what a model costs.

use anyhow::{Context, bail};
use clap::Args;
use mobilevit::{MobileVitConfig, ModelCost, Variant};
use serde::Serialize;

/// Arguments of `mobilevit info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Model: MobileViT_XXS, MobileViT_XS, MobileViT_S, MobileViTV2_x0_5 ... MobileViTV2_x2_0 (or timm's mobilevit_xxs, mobilevitv2_050, ...).
    #[arg(long, short)]
    model: Variant,
    /// Input size, `H` or `HxW`.
    #[arg(long, default_value = "256", value_parser = parse_image_size)]
    image_size: [usize; 2],
    /// Classifier outputs.
    #[arg(long, default_value_t = 1000)]
    num_classes: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// `H` or `HxW`.
pub fn parse_image_size(text: &str) -> anyhow::Result<[usize; 2]> {
    let parse = |side: &str| -> anyhow::Result<usize> {
        let value: usize = side
            .trim()
            .parse()
            .with_context(|| format!("'{side}' is not a size in pixels"))?;
        if value == 0 {
            bail!("an image side cannot be 0");
        }
        Ok(value)
    };
    match text.split_once(['x', 'X']) {
        Some((height, width)) => Ok([parse(height)?, parse(width)?]),
        None => {
            let side = parse(text)?;
            Ok([side, side])
        }
    }
}

#[derive(Serialize)]
struct InfoReport<'a> {
    model: String,
    image_size: [usize; 2],
    num_classes: usize,
    params: u64,
    buffers: u64,
    macs: u64,
    paddle_flops: u64,
    stages: &'a [mobilevit::StageCost],
}

/// Prints the counts.
pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let config = MobileVitConfig::imagenet(args.model).with_num_classes(args.num_classes);
    config.validate()?;
    mobilevit::MobileVit::check_input([1, 3, args.image_size[0], args.image_size[1]])?;
    let cost = config.cost(args.image_size);
    if args.json {
        let report = InfoReport {
            model: args.model.to_string(),
            image_size: cost.image_size,
            num_classes: args.num_classes,
            params: cost.total.params,
            buffers: cost.total.buffers,
            macs: cost.total.macs,
            paddle_flops: cost.total.paddle_flops,
            stages: &cost.stages,
        };
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_table(args.model, args.num_classes, &cost);
    }
    Ok(())
}

fn print_table(variant: Variant, num_classes: usize, cost: &ModelCost) {
    let [height, width] = cost.image_size;
    let total = cost.total;
    println!(
        "{variant} ({}), {height}x{width} input, {num_classes} classes",
        variant.timm_name()
    );
    println!("  params (trainable)   {:>15}", thousands(total.params));
    println!("  buffers (BN stats)   {:>15}", thousands(total.buffers));
    println!(
        "  MACs                 {:>15}   conv + linear + attention matmuls",
        thousands(total.macs)
    );
    println!(
        "  PaddleClas FLOPs     {:>13.2} M   conv + linear + BN + pool, no attention",
        total.paddle_flops as f64 / 1e6
    );
    println!();
    println!(
        "  {:<8} {:>8} {:>9} {:>11} {:>14}",
        "stage", "channels", "output", "params", "MACs"
    );
    for stage in &cost.stages {
        let [h, w] = stage.output_size;
        println!(
            "  {:<8} {:>8} {:>9} {:>11} {:>14}",
            stage.name,
            stage.channels,
            format!("{h}x{w}"),
            thousands(stage.cost.params),
            thousands(stage.cost.macs)
        );
    }
}

fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}
