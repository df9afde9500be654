//! `include/mobilevit.h` is what cbindgen generates from `src/lib.rs` today. To update it after
//! changing the API: `MOBILEVIT_WRITE_HEADER=1 cargo test -p mobilevit-capi --test header`.

use std::path::Path;

#[test]
fn the_committed_header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bindings = cbindgen::generate(crate_dir).expect("cbindgen reads src/lib.rs");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let header = crate_dir.join("include/mobilevit.h");
    if std::env::var_os("MOBILEVIT_WRITE_HEADER").is_some() {
        std::fs::write(&header, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is stale: regenerate it with MOBILEVIT_WRITE_HEADER=1 cargo test -p mobilevit-capi \
         --test header",
        header.display()
    );
}
