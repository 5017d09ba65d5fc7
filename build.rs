//! The demo archive and the rule pack are embedded with `include_dir!`, which stable Rust cannot
//! track: tell cargo to rebuild when anything under `assets/` changes.
fn main() {
    println!("cargo:rerun-if-changed=assets");
}
