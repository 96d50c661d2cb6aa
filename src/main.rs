//! The `pasarela` binary: parse the command line and hand over to the library.

use clap::Parser;

fn main() {
    let cli = pasarela::cli::Cli::parse();
    if let Err(error) = pasarela::cli::run(cli) {
        eprintln!("pasarela: {error:#}");
        std::process::exit(1);
    }
}
