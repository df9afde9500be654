//! Conversion: the way back to timm, channel order, and bad input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::{Device, Distribution, Tensor};
use mobilevit::convert::export::save_timm_safetensors;
use mobilevit::convert::readers::{read_state_dict, sniff};
use mobilevit::convert::swap_input_channels;
use mobilevit::weights::save_bpk;
use mobilevit::{ChannelOrder, LoadOptions, Source, Variant, WeightsError, load_weights};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn load(path: &Path) -> Result<mobilevit::LoadedWeights, WeightsError> {
    load_weights(path, LoadOptions::default(), &Device::flex())
}

/// Every tensor of a file, as raw float32 bits.
fn bits(path: &Path) -> BTreeMap<String, (Vec<usize>, Vec<u32>)> {
    let state = read_state_dict(path, sniff(path).unwrap()).unwrap();
    state
        .tensors
        .into_iter()
        .map(|(name, t)| {
            (
                name,
                (t.shape, t.values.iter().map(|v| v.to_bits()).collect()),
            )
        })
        .collect()
}

#[test]
fn timm_to_checkpoint_to_timm_is_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let original = fixture("timm_xxs_seed0.safetensors");
    let loaded = load(&original).unwrap();
    let checkpoint = dir.path().join("model.bpk");
    save_bpk(&loaded.model, loaded.info.as_ref(), &checkpoint).unwrap();
    let reloaded = load(&checkpoint).unwrap();
    assert_eq!(reloaded.info, loaded.info);
    let exported = dir.path().join("back.safetensors");
    save_timm_safetensors(&reloaded.model, reloaded.info.as_ref(), &exported).unwrap();
    assert_eq!(bits(&exported), bits(&original));
    // The step counters (int64, skipped when reading) are written too, so timm's strict
    // load_state_dict finds every key it expects.
    let skipped = read_state_dict(&exported, sniff(&exported).unwrap())
        .unwrap()
        .skipped;
    assert_eq!(skipped.len(), 32);
}

#[test]
fn to_rgb_permutes_the_stem_so_rgb_input_gives_the_bgr_logits() {
    let device = Device::flex();
    let loaded = load(&fixture("hf_xxs_seed0.safetensors")).unwrap();
    let mut info = loaded.info.clone().unwrap();
    assert_eq!(info.channel_order(), ChannelOrder::Bgr);
    let bgr = Tensor::<4>::random([1, 3, 64, 64], Distribution::Default, &device);
    let expected = loaded.model.forward(bgr.clone());
    let model = swap_input_channels(loaded.model, &mut info);
    assert_eq!(info.channel_order(), ChannelOrder::Rgb);
    let logits = model.forward(bgr.flip([1]));
    let diff = (logits - expected).abs().max().into_scalar::<f32>();
    assert!(diff < 1e-5, "max |diff| {diff}");
}

#[test]
fn the_source_can_be_forced_and_must_then_fit() {
    let path = fixture("cvnets_xxs_seed0.pt");
    let forced = LoadOptions {
        from: Some(Source::Cvnets),
        expected: None,
    };
    assert!(load_weights(&path, forced, &Device::flex()).is_ok());
    let wrong = LoadOptions {
        from: Some(Source::Paddle),
        expected: None,
    };
    let error = load_weights(&path, wrong, &Device::flex()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no tensor maps to timm's 'stem.conv.weight'")
            && error.to_string().contains("from paddle"),
        "{error}"
    );
}

fn error_of(path: &Path) -> String {
    let error = load(path).unwrap_err().to_string();
    assert!(error.contains(&path.display().to_string()), "{error}");
    error
}

fn truncated_copy(dir: &Path, name: &str) -> PathBuf {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let path = dir.join(format!("truncated-{name}"));
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    path
}

#[test]
fn truncated_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "timm_xxs_seed0.safetensors",
        "timm_xxs_seed0.pth",
        "paddle_xxs_seed0.pdparams",
    ] {
        let message = error_of(&truncated_copy(dir.path(), name));
        println!("{name}: {message}");
    }
}

#[test]
fn files_that_are_not_weights_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.pth");
    std::fs::write(&text, "these are not weights\n").unwrap();
    assert!(error_of(&text).contains("not a weights file"));
    let empty = dir.path().join("empty.safetensors");
    std::fs::write(&empty, "").unwrap();
    assert!(error_of(&empty).contains("not a weights file"));
    assert!(error_of(&dir.path().join("absent.pt")).contains("No such file"));
}

#[test]
fn a_pickle_naming_an_unexpected_global_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // pickle.dumps(os.system, protocol=2): what a malicious .pdparams could carry.
    let hostile = dir.path().join("hostile.pdparams");
    std::fs::write(&hostile, b"\x80\x02cposix\nsystem\nq\x00.").unwrap();
    let message = error_of(&hostile);
    assert!(
        message.contains("refusing the pickled global 'posix.system'"),
        "{message}"
    );

    // The same inside a PyTorch zip checkpoint's data.pkl.
    let zipped = dir.path().join("hostile.pth");
    let file = std::fs::File::create(&zipped).unwrap();
    let mut archive = zip::ZipWriter::new(file);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    archive.start_file("hostile/data.pkl", stored).unwrap();
    std::io::Write::write_all(&mut archive, b"\x80\x02cbuiltins\neval\nq\x00.").unwrap();
    archive.finish().unwrap();
    let message = error_of(&zipped);
    assert!(message.contains("'builtins.eval'"), "{message}");
}

#[test]
fn weights_of_another_variant_say_which_they_are() {
    let options = LoadOptions {
        from: None,
        expected: Some(Variant::S),
    };
    let path = fixture("paddle_xxs_seed0.pdparams");
    let error = load_weights(&path, options, &Device::flex()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("holds MobileViT_XXS weights, not MobileViT_S"),
        "{error}"
    );
}

#[test]
fn a_missing_or_extra_tensor_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let state = read_state_dict(
        &fixture("timm_xxs_seed0.safetensors"),
        sniff(&fixture("timm_xxs_seed0.safetensors")).unwrap(),
    )
    .unwrap();
    let write = |path: &Path, drop: &str, extra: Option<&str>| {
        let mut tensors: Vec<(String, Vec<u8>, Vec<usize>)> = state
            .tensors
            .iter()
            .filter(|(name, _)| name.as_str() != drop)
            .map(|(name, t)| {
                let bytes = t.values.iter().flat_map(|v| v.to_le_bytes()).collect();
                (name.clone(), bytes, t.shape.clone())
            })
            .collect();
        if let Some(extra) = extra {
            tensors.push((extra.to_string(), vec![0; 4], vec![1]));
        }
        let views: Vec<_> = tensors
            .iter()
            .map(|(name, bytes, shape)| {
                let view = safetensors::tensor::TensorView::new(
                    safetensors::Dtype::F32,
                    shape.clone(),
                    bytes,
                )
                .unwrap();
                (name.clone(), view)
            })
            .collect();
        safetensors::serialize_to_file(views, None, path).unwrap();
    };
    let missing = dir.path().join("missing.safetensors");
    write(&missing, "stages.3.1.transformer.2.attn.qkv.bias", None);
    let message = error_of(&missing);
    assert!(message.contains("missing from the file"), "{message}");
    assert!(
        message.contains("stages.3.1.transformer.2.attn.qkv.bias"),
        "{message}"
    );

    let extra = dir.path().join("extra.safetensors");
    write(&extra, "", Some("stages.9.0.surprise.weight"));
    let message = error_of(&extra);
    assert!(message.contains("stages.9.0.surprise.weight"), "{message}");
}

#[test]
fn a_safetensors_header_length_starting_with_the_pickle_byte_is_still_safetensors() {
    // timm's random mobilevit_xs state dict has a 0x7980-byte header: its first byte is 0x80,
    // pickle's PROTO opcode. Same here with a 0x180-byte header.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.safetensors");
    let mut header = r#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#.to_string();
    while header.len() < 0x180 {
        header.push(' ');
    }
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    assert_eq!(bytes[0], 0x80);
    bytes.extend(header.as_bytes());
    bytes.extend(1.5f32.to_le_bytes());
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(
        sniff(&path).unwrap(),
        mobilevit::convert::readers::FileFormat::Safetensors
    );
    let state = read_state_dict(&path, sniff(&path).unwrap()).unwrap();
    assert_eq!(state.tensors.len(), 1);
}
