//! Compiles `lyre` again when the built web UI it takes in (`src/ui.rs`) changes: its files
//! are named by their content, so a new build adds files that nothing else would notice.

fn main() {
    println!("cargo::rerun-if-changed=../portal-ui/dist");
}
