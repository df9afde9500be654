//! Configs: the shipped ones load, mistakes are errors that say where and suggest a fix.

use std::path::{Path, PathBuf};

use mobilevit_config::{Config, ConfigError, eval_preprocessing, infer_preprocessing};
use mobilevit_data::{BatchMix, pipeline_from_ops};

fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

#[test]
fn shipped_configs_load_with_the_reference_recipe() {
    for variant in ["XXS", "XS", "S"] {
        let path = configs().join(format!("ImageNet/MobileViT/MobileViT_{variant}.yaml"));
        let config = Config::load(&path, &[]).unwrap();
        assert_eq!(config.arch.name, format!("MobileViT_{variant}"));
        assert_eq!(config.global.epochs, 300);
        assert_eq!(config.optimizer.lr.learning_rate, 0.002);
        assert_eq!(config.optimizer.epsilon, 1e-8);
        assert_eq!(config.optimizer.weight_decay, 0.01);
        assert_eq!(config.data_loader.train.sampler.batch_size, Some(128));
        assert_eq!(config.global.lr_reference_batch_size, 1024);
    }
    let demo = Config::load(&configs().join("demo/mnist5k_xxs.yaml"), &[]).unwrap();
    assert_eq!(demo.arch.class_num, 10);
    // The fine-tuning template reads class folders: no list files.
    let custom = Config::load(&configs().join("custom/finetune_xxs.yaml"), &[]).unwrap();
    assert_eq!(custom.data_loader.train.dataset.cls_label_path, None);
    assert_eq!(custom.arch.freeze_backbone_epochs, 1);
}

/// PaddleClas's MobileViTV2 and MobileViTV3 recipes: (name, peak learning rate, weight decay,
/// the global batch the rates are for, gradient clipping).
const V2_V3_RECIPES: [(&str, f64, f64, usize, Option<f64>); 13] = [
    (
        "MobileViTV2/MobileViTV2_x0_5",
        0.009,
        0.004,
        1024,
        Some(10.0),
    ),
    (
        "MobileViTV2/MobileViTV2_x1_0",
        0.0075,
        0.013,
        1024,
        Some(10.0),
    ),
    (
        "MobileViTV2/MobileViTV2_x1_5",
        0.0035,
        0.029,
        1024,
        Some(10.0),
    ),
    (
        "MobileViTV2/MobileViTV2_x2_0",
        0.002,
        0.05,
        1024,
        Some(10.0),
    ),
    ("MobileViTV3/MobileViTV3_XXS", 0.002, 0.01, 384, None),
    ("MobileViTV3/MobileViTV3_XS", 0.002, 0.01, 384, None),
    ("MobileViTV3/MobileViTV3_S", 0.002, 0.01, 384, None),
    ("MobileViTV3/MobileViTV3_XXS_L2", 0.002, 0.01, 384, None),
    ("MobileViTV3/MobileViTV3_XS_L2", 0.002, 0.01, 384, None),
    ("MobileViTV3/MobileViTV3_S_L2", 0.002, 0.01, 384, None),
    (
        "MobileViTV3/MobileViTV3_x0_5",
        0.002,
        0.05,
        1024,
        Some(10.0),
    ),
    (
        "MobileViTV3/MobileViTV3_x0_75",
        0.002,
        0.05,
        1024,
        Some(10.0),
    ),
    (
        "MobileViTV3/MobileViTV3_x1_0",
        0.002,
        0.05,
        1024,
        Some(10.0),
    ),
];

/// Every pipeline and batch operator of a config, built as training builds them.
fn build_pipelines(config: &Config) -> (mobilevit_data::Pipeline, Option<BatchMix>) {
    let train = &config.data_loader.train.dataset;
    let pipeline = pipeline_from_ops(&train.transform_ops).unwrap();
    let mix = train
        .batch_transform_ops
        .as_ref()
        .map(|ops| BatchMix::from_ops(ops).unwrap());
    eval_preprocessing(config).unwrap();
    if config.infer.is_some() {
        infer_preprocessing(config).unwrap().unwrap();
    }
    (pipeline, mix)
}

#[test]
fn shipped_v2_and_v3_configs_load_with_paddleclas_recipes() {
    for (name, lr, weight_decay, reference_batch, clip_norm) in V2_V3_RECIPES {
        let config = Config::load(&configs().join(format!("ImageNet/{name}.yaml")), &[]).unwrap();
        assert!(name.ends_with(&config.arch.name), "{name}");
        assert_eq!(config.optimizer.lr.learning_rate, lr, "{name}");
        assert_eq!(config.optimizer.weight_decay, weight_decay, "{name}");
        assert_eq!(
            config.global.lr_reference_batch_size, reference_batch,
            "{name}"
        );
        assert_eq!(config.optimizer.clip_norm, clip_norm, "{name}");
        let (pipeline, mix) = build_pipelines(&config);
        // The recipes built on v2 augment with RandAugmentV3, RandomErasing and Mixup/CutMix;
        // those built on v1 (V3 XXS, XS, S) with crops and flips only.
        let v2_recipe = clip_norm.is_some();
        assert_eq!(pipeline.erasing.is_some(), v2_recipe, "{name}");
        assert_eq!(mix.is_some(), v2_recipe, "{name}");
        assert_eq!(
            pipeline
                .transforms
                .iter()
                .any(|t| matches!(t, mobilevit_data::Transform::RandAugment { .. })),
            v2_recipe,
            "{name}"
        );
    }
}

#[test]
fn paddleclas_own_v2_and_v3_configs_load_as_they_are() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/paddleclas");
    for (file, ours) in [
        ("MobileViTV2_x0_5.yaml", "MobileViTV2/MobileViTV2_x0_5.yaml"),
        ("MobileViTV3_XXS.yaml", "MobileViTV3/MobileViTV3_XXS.yaml"),
    ] {
        let theirs = Config::load(&fixtures.join(file), &[]).unwrap();
        let ours = Config::load(&configs().join("ImageNet").join(ours), &[]).unwrap();
        // The same recipe; only where it runs differs (device, output folder, seed).
        assert_eq!(theirs.arch, ours.arch, "{file}");
        assert_eq!(theirs.optimizer, ours.optimizer, "{file}");
        assert_eq!(theirs.loss, ours.loss, "{file}");
        assert_eq!(theirs.data_loader, ours.data_loader, "{file}");
        assert_eq!(theirs.ema, ours.ema, "{file}");
        assert_eq!(build_pipelines(&theirs), build_pipelines(&ours), "{file}");
    }
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("config.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

fn demo_text() -> String {
    std::fs::read_to_string(configs().join("demo/mnist5k_xxs.yaml")).unwrap()
}

/// The demo config with its `Global.epochs` line replaced by `line`.
fn demo_with_epochs_line(line: &str) -> String {
    demo_text()
        .lines()
        .map(|l| if l.starts_with("  epochs:") { line } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_removed_tcp_node_keys_say_how_to_launch_with_mpirun() {
    let dir = tempfile::tempdir().unwrap();
    for line in [
        "  nodes: 2",
        "  node_rank: 1",
        "  master_addr: 10.0.0.1:29500",
        "  node_timeout: 60",
    ] {
        let text = demo_text().replace("  epochs: 10", &format!("  epochs: 10\n{line}"));
        let path = write(dir.path(), &text);
        let error = Config::load(&path, &[]).unwrap_err().to_string();
        let key = line.trim().split(':').next().unwrap();
        assert!(error.contains(&format!("'{key}' was removed")), "{error}");
        assert!(error.contains("mpirun -np 2 mobilevit train"), "{error}");
    }
}

#[test]
fn an_unknown_key_is_named_with_its_path_and_the_nearest_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &demo_with_epochs_line("  epoch: 8"));
    let error = Config::load(&path, &[]).unwrap_err().to_string();
    assert!(error.contains("Global"), "{error}");
    assert!(
        error.contains("unknown key 'epoch'; did you mean 'epochs'?"),
        "{error}"
    );
    assert!(error.contains("config.yaml"), "{error}");
}

#[test]
fn overrides_apply_and_typos_in_them_are_caught() {
    let path = configs().join("demo/mnist5k_xxs.yaml");
    let overrides = [
        "Global.epochs=3".to_string(),
        "DataLoader.Train.sampler.batch_size=32".into(),
    ];
    let config = Config::load(&path, &overrides).unwrap();
    assert_eq!(config.global.epochs, 3);
    assert_eq!(config.data_loader.train.sampler.batch_size, Some(32));

    let error = Config::load(&path, &["Global.epochz=3".to_string()]).unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("-o Global.epochz=3"), "{text}");
    assert!(text.contains("did you mean 'epochs'?"), "{text}");

    let error = Config::load(&path, &["Globl.epochs=3".to_string()])
        .unwrap_err()
        .to_string();
    assert!(error.contains("did you mean 'Global'?"), "{error}");
    let error = Config::load(&path, &["Global.epochs".to_string()])
        .unwrap_err()
        .to_string();
    assert!(error.contains("expected Key.path=value"), "{error}");
}

#[test]
fn bad_yaml_reports_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "Global:\n  epochs: 3\n bad: [\n");
    match Config::load(&path, &[]).unwrap_err() {
        ConfigError::Syntax { line, column, .. } => {
            assert!(line >= 3 && column >= 1, "{line}:{column}")
        }
        other => panic!("expected a syntax error, got {other}"),
    }
    assert!(Config::load(&dir.path().join("absent.yaml"), &[]).is_err());
}

#[test]
fn a_wrong_value_type_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &demo_with_epochs_line("  epochs: many"));
    let error = Config::load(&path, &[]).unwrap_err().to_string();
    assert!(error.contains("Global.epochs"), "{error}");
}

#[test]
fn the_resolved_config_reads_back_the_same() {
    let config = Config::load(&configs().join("ImageNet/MobileViT/MobileViT_S.yaml"), &[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), &config.to_yaml());
    assert_eq!(Config::load(&path, &[]).unwrap(), config);
}
