//! The `pasarela` binary: parse the command line and hand over to the library.

fn main() {
    println!("pasarela {}", env!("CARGO_PKG_VERSION"));
}
