//! The C API from C: `examples/c/classify.c` and `tests/c/forward_check.c` built with the
//! system C compiler against `libmobilevit.so` (and `.a`), run, compared with the Rust engine
//! and the committed timm fixture, and run under valgrind, which must find no leak.
//!
//! The library comes from the workspace's release build (`scripts/test.sh` runs
//! `cargo build --release --workspace` first).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mobilevit_eval::Classifier;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// `target/release`, where the test binary's own directory (`deps`) is.
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    for file in ["libmobilevit.so", "libmobilevit.a"] {
        assert!(
            dir.join(file).is_file(),
            "{} is missing: build it first with `cargo build --release --workspace` \
             (scripts/test.sh does)",
            dir.join(file).display()
        );
    }
    dir
}

/// Compiles C `sources` into `output`, linked with libmobilevit (shared, or static).
fn compile(sources: &[PathBuf], output: &Path, static_library: bool) {
    let lib = library_dir();
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()));
    cc.args(["-O2", "-Wall", "-Wextra", "-Werror", "-std=c11"])
        .arg("-I")
        .arg(repo().join("crates/mobilevit-capi/include"))
        .args(sources)
        .arg("-o")
        .arg(output);
    if static_library {
        cc.arg(lib.join("libmobilevit.a"))
            .args(["-lpthread", "-ldl", "-lm", "-lrt"]);
    } else {
        cc.arg("-L")
            .arg(&lib)
            .arg("-lmobilevit")
            .arg(format!("-Wl,-rpath,{}", lib.display()));
    }
    let status = cc.status().expect("a C compiler (cc)");
    assert!(status.success(), "cc failed on {sources:?}");
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn read_npy(path: &Path) -> (Vec<u64>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<f32>().unwrap())
}

fn write_f32(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

/// chelsea.png as a binary PPM, and as decoded RGB.
fn chelsea_ppm(dir: &Path) -> (PathBuf, mobilevit_data::Image) {
    let image = Classifier::open_image(&fixtures().join("images/chelsea.png")).unwrap();
    let mut ppm = format!("P6\n# chelsea\n{} {}\n255\n", image.width, image.height).into_bytes();
    ppm.extend_from_slice(&image.pixels);
    let path = dir.join("chelsea.ppm");
    std::fs::write(&path, ppm).unwrap();
    (path, image)
}

#[test]
fn forward_equals_timm_and_bad_arguments_fail_with_messages() {
    let dir = tempfile::tempdir().unwrap();
    let program = dir.path().join("forward_check");
    let source = repo().join("crates/mobilevit-capi/tests/c/forward_check.c");
    compile(&[source], &program, false);
    let (shape, input) = read_npy(&fixtures().join("timm_xxs_input_256x256.npy"));
    let (_, expected) = read_npy(&fixtures().join("timm_xxs_logits_256x256.npy"));
    let (input_path, output_path) = (dir.path().join("input.f32"), dir.path().join("out.f32"));
    write_f32(&input_path, &input);
    let output = run(Command::new(&program)
        .arg(fixtures().join("timm_xxs_seed0.safetensors"))
        .arg(&input_path)
        .args([shape[0], shape[2], shape[3]].map(|dim| dim.to_string()))
        .arg(&output_path));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    let logits: Vec<f32> = std::fs::read(&output_path)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(logits.len(), expected.len());
    let worst = logits
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-4, "logits differ from timm's by {worst:e}");
}

#[test]
fn the_example_prints_the_engine_s_top5_linked_shared_and_static() {
    let dir = tempfile::tempdir().unwrap();
    let (ppm, image) = chelsea_ppm(dir.path());
    let weights = fixtures().join("timm_xxs_seed0.safetensors");
    let expected = Classifier::load(&weights, None)
        .unwrap()
        .classify(vec![image], 5)
        .unwrap()
        .remove(0);
    for static_library in [false, true] {
        let program = dir.path().join(format!("classify_{static_library}"));
        compile(
            &[repo().join("examples/c/classify.c")],
            &program,
            static_library,
        );
        let output = run(Command::new(&program).arg(&weights).arg(&ppm));
        let lines: Vec<(usize, usize, f32)> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                (
                    fields[0].parse().unwrap(),
                    fields[1].parse().unwrap(),
                    fields[2].parse().unwrap(),
                )
            })
            .collect();
        assert_eq!(lines.len(), 5);
        for (rank, ((place, class_id, score), scored)) in lines.iter().zip(&expected).enumerate() {
            assert_eq!(*place, rank + 1);
            assert_eq!(*class_id, scored.class_id, "static {static_library}");
            assert!(
                (score - scored.score).abs() < 1e-5,
                "{score} against {}",
                scored.score
            );
        }
    }
}

#[test]
fn valgrind_finds_no_leak() {
    let dir = tempfile::tempdir().unwrap();
    let (ppm, _) = chelsea_ppm(dir.path());
    let classify = dir.path().join("classify");
    compile(&[repo().join("examples/c/classify.c")], &classify, false);
    let check = dir.path().join("forward_check");
    compile(
        &[repo().join("crates/mobilevit-capi/tests/c/forward_check.c")],
        &check,
        false,
    );
    let input = dir.path().join("input.f32");
    write_f32(&input, &vec![0.5; 3 * 64 * 64]);
    let weights = fixtures().join("timm_xxs_seed0.safetensors");
    let runs: [Vec<PathBuf>; 2] = [
        vec![classify, weights.clone(), ppm],
        vec![
            check,
            weights,
            input,
            "1".into(),
            "64".into(),
            "64".into(),
            dir.path().join("out.f32"),
        ],
    ];
    for args in runs {
        let output = Command::new("valgrind")
            .args([
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--error-exitcode=99",
            ])
            .args(&args)
            .output()
            .expect("valgrind (apt-get install valgrind; .ci/run installs it)");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "valgrind on {:?}: {}\n{stderr}",
            args[0],
            output.status
        );
        assert!(
            stderr.contains("definitely lost: 0 bytes") || stderr.contains("no leaks are possible"),
            "{stderr}"
        );
    }
}

#[test]
fn the_header_compiles_as_c_plus_plus() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("use.cpp");
    std::fs::write(
        &source,
        "#include \"mobilevit.h\"\nint main() { return mobilevit_num_classes(nullptr) == 0 ? 0 : 1; }\n",
    )
    .unwrap();
    let lib = library_dir();
    let program = dir.path().join("use");
    let status = Command::new(std::env::var("CXX").unwrap_or_else(|_| "c++".into()))
        .args(["-std=c++17", "-Wall", "-Werror", "-I"])
        .arg(repo().join("crates/mobilevit-capi/include"))
        .arg(&source)
        .arg("-o")
        .arg(&program)
        .arg("-L")
        .arg(&lib)
        .arg("-lmobilevit")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .status()
        .expect("a C++ compiler (c++)");
    assert!(status.success());
    run(&mut Command::new(&program));
}
