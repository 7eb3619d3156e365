//! `fenghuo config`: check a configuration file, print the defaults.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use fenghuo::config::Config;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Validate a configuration file, reporting every problem at once.
    Check { file: PathBuf },
    /// Print the embedded default configuration (annotated).
    Defaults,
}

pub(crate) fn run(command: ConfigCommand) -> Result<ExitCode> {
    match command {
        ConfigCommand::Check { file } => match Config::load(&file) {
            Ok(_) => {
                println!("{}: ok", file.display());
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                for problem in &e.problems {
                    println!("{problem}");
                }
                Ok(ExitCode::FAILURE)
            }
        },
        ConfigCommand::Defaults => {
            print!("{}", fenghuo::config::DEFAULT_CONFIG);
            Ok(ExitCode::SUCCESS)
        }
    }
}
