//! `fenghuo rules`: check, test and measure a rule pack.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use fenghuo::authoring;

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// Compile and lint the rule files (duplicate ids, empty rules, regexes matching "").
    Check {
        #[arg(default_value = "rules")]
        dir: PathBuf,
    },
    /// Run every rule's examples; print each failure with the reason.
    Test {
        #[arg(default_value = "rules")]
        dir: PathBuf,
    },
    /// Measure the pack on labelled texts (TSV: label, source, text, reason; label `risk`
    /// or `neutral`): discovery (recall) and precision against the plan's targets.
    Eval {
        tsv: PathBuf,
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// Fail (exit 1) below this recall.
        #[arg(long, default_value_t = 0.95)]
        min_recall: f64,
        /// Fail (exit 1) below this precision.
        #[arg(long, default_value_t = 0.90)]
        min_precision: f64,
        /// Judge and list by the rules alone, leaving out the learned scorer's matches.
        #[arg(long)]
        rules_only: bool,
    },
}

pub(crate) fn run(command: RulesCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let passed = match command {
        RulesCommand::Check { dir } => authoring::check(&dir, &mut out)?,
        RulesCommand::Test { dir } => authoring::test(&dir, &mut out)?,
        RulesCommand::Eval {
            tsv,
            rules: dir,
            min_recall,
            min_precision,
            rules_only,
        } => authoring::eval(
            &tsv,
            &dir,
            authoring::Targets {
                min_recall,
                min_precision,
            },
            rules_only,
            &mut out,
        )?,
    };
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
