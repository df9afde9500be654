//! Training across machines, one process per node on loopback: two nodes of one device each
//! reach the weights of one machine with two devices.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use burn::tensor::Device;

/// Writes `count` small PNGs of 4 classes and a PaddleClas list file.
fn dataset(dir: &Path, count: usize) {
    let mut list = String::new();
    for i in 0..count {
        let label = i % 4;
        let pixels: Vec<u8> = (0..32 * 32 * 3)
            .map(|p| ((p * (label + 3) + i * 7) % 256) as u8)
            .collect();
        let name = format!("{i:03}.png");
        image::save_buffer(
            dir.join(&name),
            &pixels,
            32,
            32,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        list.push_str(&format!("{name} {label}\n"));
    }
    std::fs::write(dir.join("list.txt"), list).unwrap();
}

fn config(data: &Path) -> String {
    format!(
        "Global:\n  epochs: 2\n  seed: 5\n  lr_reference_batch_size: 16\n  global_batch_size: 8\n  node_timeout: 120\n  print_batch_step: 1\n\
Arch:\n  name: MobileViT_XXS\n  class_num: 4\n\
Loss:\n  Train:\n    - CELoss: {{weight: 1.0, epsilon: 0.1}}\n\
Optimizer:\n  name: AdamW\n  weight_decay: 0.01\n  one_dim_param_no_weight_decay: True\n  lr: {{name: Cosine, learning_rate: 0.002, eta_min: 0.0001, warmup_epoch: 1, warmup_start_lr: 0.0002}}\n\
EMA:\n  decay: 0.9\n\
DataLoader:\n  Train:\n    dataset:\n      name: ImageNetDataset\n      image_root: {data}\n      cls_label_path: {data}/list.txt\n      transform_ops:\n        - DecodeImage: {{to_rgb: True}}\n        - RandCropImage: {{size: 32, scale: [0.5, 1.0]}}\n        - RandFlipImage: {{flip_code: 1}}\n        - NormalizeImage: {{scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1]}}\n    sampler: {{name: DistributedBatchSampler, batch_size: 4, drop_last: False, shuffle: True}}\n  Eval:\n    dataset:\n      name: ImageNetDataset\n      image_root: {data}\n      cls_label_path: {data}/list.txt\n      transform_ops:\n        - DecodeImage: {{to_rgb: True}}\n        - ResizeImage: {{size: 32}}\n        - NormalizeImage: {{scale: 1.0/255.0, mean: [0, 0, 0], std: [1, 1, 1]}}\n    sampler: {{name: DistributedBatchSampler, batch_size: 8}}\n",
        data = data.display(),
    )
}

/// A temporary folder with a dataset of `images` and the config for it.
fn workspace(images: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, images);
    let config_path = dir.path().join("config.yaml");
    std::fs::write(&config_path, config(&data)).unwrap();
    (dir, config_path)
}

fn train(config: &Path, overrides: &[String]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mobilevit"));
    command.args(["train", "--plain", "-c"]).arg(config);
    for item in overrides {
        command.args(["-o", item]);
    }
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child`, killing it after five minutes so that a hang fails the test.
fn finish(mut child: Child, name: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(300);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{name} did not finish within 5 minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{name} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn parameters(path: &Path) -> Vec<f32> {
    let model = mobilevit::weights::load_bpk(path, &Device::flex())
        .unwrap()
        .model;
    mobilevit_train::nodes::model_values(&model, false)
}

/// `(step, loss)` of the plain step lines.
fn step_losses(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(" step ") && line.contains("loss"))
        .map(|line| line.split(", lr").next().unwrap_or(line).to_string())
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn two_nodes_of_one_device_train_like_one_machine_with_two_devices() {
    let (dir, config_path) = workspace(24);
    let out = |name: &str| -> PathBuf { dir.path().join(name) };
    let output_dir = |name: &str| format!("Global.output_dir={}", out(name).display());

    let reference = finish(
        train(
            &config_path,
            &[output_dir("one-machine"), "Global.devices=[0, 1]".into()],
        ),
        "the two-device run",
    );

    let master = format!("Global.master_addr=127.0.0.1:{}", free_port());
    let node = |rank: usize| {
        train(
            &config_path,
            &[
                output_dir(&format!("node{rank}")),
                "Global.nodes=2".into(),
                format!("Global.node_rank={rank}"),
                master.clone(),
            ],
        )
    };
    // The other node may start first: it keeps trying to reach node 0.
    let member = node(1);
    std::thread::sleep(Duration::from_millis(300));
    let hub = node(0);
    let hub = finish(hub, "node 0");
    let member = finish(member, "node 1");

    // Every node prints the step losses of the whole group.
    let expected = step_losses(&reference);
    assert_eq!(expected.len(), 6, "24 images, 8 per step, 2 epochs");
    assert_eq!(step_losses(&hub), expected);
    assert_eq!(step_losses(&member), expected);
    // Only node 0 evaluates.
    let hub_text = String::from_utf8_lossy(&hub.stdout);
    assert!(hub_text.contains("eval top-1"), "{hub_text}");
    assert!(!String::from_utf8_lossy(&member.stdout).contains("eval top-1"));

    let one_machine = parameters(&out("one-machine").join("latest.bpk"));
    for rank in 0..2 {
        let node = parameters(&out(&format!("node{rank}")).join("latest.bpk"));
        assert_eq!(node.len(), one_machine.len());
        let difference = node
            .iter()
            .zip(&one_machine)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        // The same micro-batch gradients summed in the same order: equal to float rounding.
        assert!(
            difference < 1e-6,
            "node {rank}: parameters differ by {difference}"
        );
    }
}

#[test]
fn a_node_with_another_config_is_refused_by_name() {
    let (dir, config_path) = workspace(8);
    let master = format!("Global.master_addr=127.0.0.1:{}", free_port());
    let launch = |rank: usize, extra: &[&str]| {
        let mut overrides = vec![
            format!("Global.output_dir={}/node{rank}", dir.path().display()),
            "Global.nodes=2".into(),
            format!("Global.node_rank={rank}"),
            master.clone(),
            "Global.node_timeout=60".into(),
        ];
        overrides.extend(extra.iter().map(|item| item.to_string()));
        train(&config_path, &overrides)
    };
    let hub = launch(0, &[]);
    // Two devices on node 1 (its own plan is consistent: 2 nodes x 2 devices x 4 = 16).
    let member = launch(1, &["Global.devices=[0, 1]", "Global.global_batch_size=16"]);
    for (child, name) in [(hub, "node 0"), (member, "node 1")] {
        let output = child.wait_with_output().unwrap();
        assert!(!output.status.success(), "{name} should fail");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(
            error.contains("node 1 has devices per node 2 where node 0 has 1"),
            "{name}: {error}"
        );
    }
}

#[test]
fn a_missing_node_is_reported_after_the_timeout() {
    let (dir, config_path) = workspace(8);
    let hub = train(
        &config_path,
        &[
            format!("Global.output_dir={}/node0", dir.path().display()),
            "Global.nodes=3".into(),
            "Global.global_batch_size=12".into(),
            format!("Global.master_addr=127.0.0.1:{}", free_port()),
            "Global.node_timeout=1".into(),
        ],
    );
    let output = hub.wait_with_output().unwrap();
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("node(s) 1, 2 did not connect") && error.contains("within 1 s"),
        "{error}"
    );
}
