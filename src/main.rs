//! The `fenghuo` command line: a thin layer over the library. The commands and their
//! arguments live in [`cli`].

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    cli::logging::init_logging(cli.log_format);
    fenghuo::memory::tune_allocator();
    match cli::run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
