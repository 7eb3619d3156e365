//! `fenghuo model`: train, cross-validate and try the learned risk scorer.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use fenghuo::training;

#[derive(Debug, Subcommand)]
pub(crate) enum ModelCommand {
    /// Score texts with the rules directory's model and explain each score.
    Score {
        #[arg(required = true)]
        texts: Vec<String>,
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
    },
    /// Train the risk model on labelled TSVs (label, source, text, reason, domain — the
    /// corpora's format and `GET /api/v1/feedback/export`'s) and write the model file.
    Train {
        #[arg(required = true)]
        data: Vec<PathBuf>,
        /// Rules directory whose lexicons and rules give the structure features.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        #[arg(long, default_value = "rules/model.bin")]
        out: PathBuf,
        #[command(flatten)]
        training: TrainingArgs,
    },
    /// k-fold cross-validated recall, precision and F1 of rules alone, the model alone and
    /// both, overall and per domain; `--list` prints the held-out misses and false alarms.
    Eval {
        #[arg(required = true)]
        data: Vec<PathBuf>,
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Labelled files that join every training fold and are never judged (texts
        /// written for training, like rules/corpus/*.tsv): `--train-only a.tsv b.tsv`
        /// takes them all, so a second file is never mistaken for one to judge.
        #[arg(long, num_args = 1..)]
        train_only: Vec<PathBuf>,
        #[command(flatten)]
        training: TrainingArgs,
        #[arg(long)]
        list: bool,
    },
}

/// Training knobs (defaults: `fenghuo::score::train::Settings::default()`).
#[derive(Debug, clap::Args)]
pub(crate) struct TrainingArgs {
    #[arg(long, default_value_t = 20261130)]
    seed: u64,
    #[arg(long)]
    epochs: Option<usize>,
    /// L2 regularization strength.
    #[arg(long)]
    l2: Option<f32>,
    /// AdaGrad learning rate.
    #[arg(long)]
    rate: Option<f32>,
    /// Weight of a risk text in the loss relative to a neutral one.
    #[arg(long)]
    risk_weight: Option<f32>,
    /// Multi-instance: also score each sentence that names the police, and add the best
    /// one's margin to the whole text's (`--instances` or `--instances true`).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    instances: Option<bool>,
    /// log2 of the risk table's size.
    #[arg(long)]
    dims_log2: Option<u32>,
    /// Fits on differently shuffled orders (seeds) whose weights are averaged into one
    /// model of the same size.
    #[arg(long)]
    bags: Option<usize>,
}

impl TrainingArgs {
    fn settings(&self) -> fenghuo::score::train::Settings {
        let defaults = fenghuo::score::train::Settings::default();
        fenghuo::score::train::Settings {
            seed: self.seed,
            epochs: self.epochs.unwrap_or(defaults.epochs),
            l2: self.l2.unwrap_or(defaults.l2),
            rate: self.rate.unwrap_or(defaults.rate),
            risk_weight: self.risk_weight.unwrap_or(defaults.risk_weight),
            instances: self.instances.unwrap_or(defaults.instances),
            bags: self.bags.unwrap_or(defaults.bags),
            dims_log2: self.dims_log2.unwrap_or(defaults.dims_log2),
            ..defaults
        }
    }
}

pub(crate) fn run(command: ModelCommand) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match command {
        ModelCommand::Score { texts, rules: dir } => training::score(&texts, &dir, &mut out)?,
        ModelCommand::Train {
            data,
            rules: dir,
            out: path,
            training: args,
        } => training::train(&data, &dir, &path, &args.settings(), &mut out)?,
        ModelCommand::Eval {
            data,
            rules: dir,
            folds,
            train_only,
            training: args,
            list,
        } => training::eval(
            &data,
            &train_only,
            &dir,
            folds,
            &args.settings(),
            list,
            &mut out,
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
