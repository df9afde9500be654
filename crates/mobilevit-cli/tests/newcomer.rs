//! A first user's path: training on class folders with no list files, predicting with the
//! folder names, splitting folders into lists, re-running a finished run, stopping the service
//! with SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{fixtures, path, repo, succeeds, varied_image};

/// `root/<class>/NNN.png` for each of `classes`, `per_class` images each, of varied sizes.
fn class_folders(root: &Path, classes: &[&str], per_class: usize) {
    for (label, class) in classes.iter().enumerate() {
        let folder = root.join(class);
        std::fs::create_dir_all(&folder).unwrap();
        for i in 0..per_class {
            let file = folder.join(format!("{i:03}.png"));
            varied_image(label, i).save(file).unwrap();
        }
    }
}

/// `train` of the demo config on class folders: no `cls_label_path` anywhere.
fn train_on_folders(train: &Path, val: &Path, output: &Path, classes: usize) -> String {
    let config = repo("configs/demo/mnist5k_xxs.yaml");
    let items = [
        format!("Global.output_dir={}", path(output)),
        "Global.epochs=1".into(),
        "Global.lr_reference_batch_size=4".into(),
        format!("Arch.class_num={classes}"),
        format!("DataLoader.Train.dataset.image_root={}", path(train)),
        "DataLoader.Train.dataset.cls_label_path=null".into(),
        "DataLoader.Train.sampler.batch_size=4".into(),
        format!("DataLoader.Eval.dataset.image_root={}", path(val)),
        "DataLoader.Eval.dataset.cls_label_path=null".into(),
        "DataLoader.Eval.sampler.batch_size=4".into(),
    ];
    let mut args = vec!["train", "--plain", "-c", path(&config)];
    for item in &items {
        args.extend(["-o", item.as_str()]);
    }
    succeeds(&args)
}

#[test]
fn class_folders_train_and_predict_prints_their_names() {
    let dir = tempfile::tempdir().unwrap();
    let classes = ["cat", "dog", "zebra"];
    let (train, val) = (dir.path().join("train"), dir.path().join("val"));
    class_folders(&train, &classes, 4);
    class_folders(&val, &classes, 2);
    let output = dir.path().join("run");
    train_on_folders(&train, &val, &output, 3);

    // No -c, no --class-map: the checkpoint knows its classes.
    let text = succeeds(&[
        "predict",
        "--weights",
        path(&output.join("latest.bpk")),
        "--json",
        path(&val.join("dog/000.png")),
    ]);
    let prediction: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let mut labels: Vec<String> = prediction["topk"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["label"].as_str().unwrap().to_string())
        .collect();
    labels.sort();
    assert_eq!(labels, ["cat", "dog", "zebra"], "{text}");

    // Eval folders with other classes would shift every label: refused by name.
    let other = dir.path().join("other");
    class_folders(&other, &["cat", "dog", "yak"], 2);
    let config = repo("configs/demo/mnist5k_xxs.yaml");
    let output_item = format!("Global.output_dir={}", path(&dir.path().join("run2")));
    let train_item = format!("DataLoader.Train.dataset.image_root={}", path(&train));
    let eval_item = format!("DataLoader.Eval.dataset.image_root={}", path(&other));
    let output = common::mobilevit(&[
        "train",
        "--plain",
        "-c",
        path(&config),
        "-o",
        &output_item,
        "-o",
        "Arch.class_num=3",
        "-o",
        &train_item,
        "-o",
        "DataLoader.Train.dataset.cls_label_path=null",
        "-o",
        &eval_item,
        "-o",
        "DataLoader.Eval.dataset.cls_label_path=null",
    ]);
    assert!(!output.status.success());
    let error = common::stderr(&output);
    assert!(
        error.contains("cat, dog, yak") && error.contains("cat, dog, zebra"),
        "{error}"
    );
}

#[test]
fn a_finished_run_says_so_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let classes = ["a", "b"];
    let (train, val) = (dir.path().join("train"), dir.path().join("val"));
    class_folders(&train, &classes, 4);
    class_folders(&val, &classes, 2);
    let output = dir.path().join("run");
    train_on_folders(&train, &val, &output, 2);
    let again = train_on_folders(&train, &val, &output, 2);
    assert!(again.contains("already finished"), "{again}");
    assert!(again.contains("1 epochs done"), "{again}");
    assert!(
        again.contains("delete it or set Global.output_dir"),
        "{again}"
    );
}

#[test]
fn data_split_is_stratified_deterministic_and_disjoint() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("photos");
    class_folders(&root, &["ant", "bee"], 10);
    class_folders(&root, &["cow"], 3);
    let split = |seed: &str, output: &Path| {
        succeeds(&[
            "data",
            "split",
            path(&root),
            "--val",
            "0.2",
            "--seed",
            seed,
            "-o",
            path(output),
        ])
    };
    let (first, second, third) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    let text = split("7", &first);
    assert!(
        text.contains("3 classes, 18 training and 5 validation images"),
        "{text}"
    );
    split("7", &second);
    split("8", &third);
    let read = |dir: &Path, name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    assert_eq!(read(&first, "val_list.txt"), read(&second, "val_list.txt"));
    assert_ne!(read(&first, "val_list.txt"), read(&third, "val_list.txt"));
    assert_eq!(read(&first, "label_list.txt"), "0 ant\n1 bee\n2 cow\n");
    let train = read(&first, "train_list.txt");
    let val = read(&first, "val_list.txt");
    // 20% of 10 is 2 per class; of 3, one (at least one where a class has two or more).
    for (label, expected) in [("0", 2), ("1", 2), ("2", 1)] {
        let count = val
            .lines()
            .filter(|l| l.ends_with(&format!(" {label}")))
            .count();
        assert_eq!(count, expected, "class {label}: {val}");
    }
    for line in val.lines() {
        assert!(!train.lines().any(|t| t == line), "{line} in both lists");
    }
    assert_eq!(train.lines().count() + val.lines().count(), 23);
    // The lists train as they are.
    assert!(
        train
            .lines()
            .all(|l| root.join(l.split(' ').next().unwrap()).exists())
    );
}

#[test]
fn sigterm_stops_the_service_after_the_request_in_flight() {
    let mut server = Command::new(env!("CARGO_BIN_EXE_mobilevit"))
        .args([
            "serve",
            "--weights",
            path(&fixtures().join("timm_xxs_seed0.safetensors")),
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let banner = lines.next().unwrap().unwrap();
    // "... serving on http://127.0.0.1:PORT: POST /predict, ..."
    let after = banner.split("http://").nth(1).unwrap_or_default();
    let address = after.split(':').take(2).collect::<Vec<_>>().join(":");
    let image = std::fs::read(fixtures().join("images/chelsea.png")).unwrap();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /predict HTTP/1.1\r\nHost: {address}\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        image.len()
    )
    .unwrap();
    stream.write_all(&image).unwrap();
    // The request is in: SIGTERM now must still answer it, then exit cleanly.
    std::thread::sleep(std::time::Duration::from_millis(20));
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"topk\""), "{answer}");
    let status = server.wait().unwrap();
    assert!(status.success(), "{status}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|line| line == "stopped"), "{rest:?}");
}

#[test]
fn predict_into_a_closed_pipe_stops_quietly() {
    // `mobilevit predict many images | head -1`: the reader leaves after one line.
    let cat = fixtures().join("images/chelsea.png");
    let mut args = vec![
        "predict".to_string(),
        "--weights".into(),
        path(&fixtures().join("timm_xxs_seed0.safetensors")).to_string(),
    ];
    args.extend(std::iter::repeat_n(path(&cat).to_string(), 64));
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobilevit"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
}
