//! The command line: its argument types and one module per command.
//!
//! - [`serve`]: `run`, the engine as a service; [`replay`]: a file through it to its end.
//!   Both take the [`overrides`] flags and run on [`runtime`].
//! - [`synthetic`]: `gen`, a synthetic feed.
//! - [`rules`]: `rules check | test | eval`; [`eval`]: `eval clusters`; [`model`]: `model
//!   score | train | eval`; [`config`]: `config check | defaults`.
//! - The log's format on stderr (`--log-format`): [`logging`].

mod config;
mod eval;
pub(crate) mod logging;
mod model;
mod overrides;
mod replay;
mod rules;
mod runtime;
mod serve;
mod synthetic;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

use config::ConfigCommand;
use eval::EvalCommand;
use logging::LogFormat;
use model::ModelCommand;
use overrides::Overrides;
use rules::RulesCommand;

/// 烽火 fenghuo: watches social-media feeds for police-related public-opinion risk.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub(crate) struct Cli {
    /// Log format on stderr.
    #[arg(
        long,
        global = true,
        env = "FENGHUO_LOG_FORMAT",
        default_value = "human"
    )]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the engine: configured sources, HTTP API, hot-reloading rules. Without --config
    /// it runs on the embedded defaults (bundled rules dir `rules/`, bundled sample feed).
    Run {
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Replay an NDJSON file (`-` for stdin) through the pipeline and exit at its end,
    /// printing a throughput summary on stderr.
    Replay {
        /// NDJSON file, `-` for stdin, `@sample` for the bundled feed.
        file: String,
        /// Pace the replay at this multiple of the posts' timestamps (default: full speed).
        #[arg(long)]
        speed: Option<f64>,
        /// Restrict decoding to these mappings (comma-separated).
        #[arg(long, value_delimiter = ',')]
        mapping: Vec<String>,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Write a synthetic feed (NDJSON) for benchmarks: several platforms' shapes, ~1 %
    /// police-related negative posts (some disguised), re-sends, bursts.
    Gen {
        /// Number of posts (default 100000 unless --bytes is given).
        #[arg(long)]
        posts: Option<u64>,
        /// Approximate size instead: a number with an optional K, M or G suffix.
        #[arg(long, value_parser = synthetic::parse_size)]
        bytes: Option<u64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file; `-` for stdout.
        #[arg(long, short, default_value = "-")]
        output: String,
    },
    /// Rule pack tooling for rule authors.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Measure the engine against labelled feeds.
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
    },
    /// The learned risk scorer: train it, cross-validate it.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Configuration tooling.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

pub(crate) fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Run { overrides } => serve::run(overrides),
        Command::Replay {
            file,
            speed,
            mapping,
            overrides,
        } => replay::run(file, speed, mapping, overrides),
        Command::Rules { command } => rules::run(command),
        Command::Eval { command } => eval::run(command),
        Command::Model { command } => model::run(command),
        Command::Gen {
            posts,
            bytes,
            seed,
            output,
        } => synthetic::run(posts, bytes, seed, output),
        Command::Config { command } => config::run(command),
    }
}
