//! Links the `dossier` binary as a position-dependent executable on Linux.
//!
//! A one-shot `dossier search` is a few milliseconds of work, and a
//! position-independent executable first spends part of that applying
//! about 31,000 relocations to its own tables, faulting in every page they
//! sit on (about 170 page faults, 0.7–1 ms per search on the benchmark
//! machine; see BENCHMARKS.md). A position-dependent executable has them
//! resolved at link time. Only the binaries are linked this way: tests,
//! the library and proc-macro dependencies are untouched.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
