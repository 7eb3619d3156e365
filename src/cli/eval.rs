//! `fenghuo eval`: the engine measured against labelled feeds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;

use fenghuo::config::Config;

#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Clustering: replay each labelled feed in order and compare its events with the true
    /// incidents (pairwise and B-cubed precision/recall, split and merged incidents, alerts
    /// lost to merges). Labels: `FEED.labels.tsv` beside the feed (columns platform, id,
    /// incident), else an `incident` field on each line.
    Clusters {
        /// NDJSON feeds in any configured platform shape.
        #[arg(required = true)]
        feeds: Vec<PathBuf>,
        /// Configuration whose mappings, [events] and grading policy are used.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        /// Fail (exit 1) when a feed's B-cubed F1 is below this.
        #[arg(long, default_value_t = 0.0)]
        min_f1: f64,
        /// Fail (exit 1) when a feed merges two incidents or loses an incident's alerts to a
        /// merge.
        #[arg(long)]
        no_merges: bool,
    },
}

pub(crate) fn run(command: EvalCommand) -> Result<ExitCode> {
    match command {
        EvalCommand::Clusters {
            feeds,
            config,
            rules,
            min_f1,
            no_merges,
        } => eval_clusters(&feeds, config.as_deref(), &rules, min_f1, no_merges),
    }
}

fn eval_clusters(
    feeds: &[PathBuf],
    config: Option<&Path>,
    rules_dir: &Path,
    min_f1: f64,
    no_merges: bool,
) -> Result<ExitCode> {
    use fenghuo::cluster_eval as eval;
    let config = match config {
        Some(path) => Config::load(path)?,
        None => Config::embedded(),
    };
    let policy = match &config.grading.policy {
        None => fenghuo::grade::Policy::embedded(),
        Some(path) => fenghuo::grade::Policy::load(path)?,
    };
    let matcher = fenghuo::matching::matcher::Matcher::load(rules_dir, 1)?;
    let local = fenghuo::events::local::Local::load(rules_dir)?;
    let decoder = fenghuo::decode::Decoder::new(&config.mappings, config.engine.max_post_bytes);
    let mut passed = true;
    for feed in feeds {
        let bytes = std::fs::read(feed).with_context(|| format!("reading {}", feed.display()))?;
        let labels_path = feed.with_extension("labels.tsv");
        let labels = if labels_path.is_file() {
            let text = std::fs::read_to_string(&labels_path)
                .with_context(|| format!("reading {}", labels_path.display()))?;
            eval::Labels::from_tsv(&text).with_context(|| labels_path.display().to_string())?
        } else {
            eval::Labels::from_feed(&bytes, &decoder)
        };
        let clustering = eval::cluster_feed(
            &bytes,
            &decoder,
            &matcher,
            config.events.clone(),
            policy.clone(),
            local.clone(),
        );
        let scores = eval::score(&labels, &clustering);
        println!("{}", feed.display());
        for incident in &scores.incidents {
            let events: Vec<String> = incident
                .events
                .iter()
                .map(|(e, n)| format!("{e}:{n}"))
                .collect();
            println!(
                "  {:<12} {:>4} posts, {:>4} tracked, {} event(s){}{}{}  [{}]",
                incident.incident,
                incident.posts,
                incident.tracked,
                incident.events.len(),
                if incident.merged_with.is_empty() {
                    String::new()
                } else {
                    format!(", MERGED with {}", incident.merged_with.join(","))
                },
                if incident.alerted { ", alerted" } else { "" },
                if incident.lost_to_merge {
                    ", ALERTS LOST TO A MERGE"
                } else {
                    ""
                },
                events.join(" "),
            );
            // A split incident: what opened each of its events, so the strays' who/where/
            // what reads against the main one's (RUST_LOG=fenghuo::events=trace lists every
            // candidate a post was compared with and the reason it could join by).
            if incident.events.len() > 1 {
                for (event, _) in &incident.events {
                    if let Some(opener) = clustering.openers.get(event) {
                        println!("      {event} opened by: {opener}");
                    }
                }
            }
        }
        println!(
            "  B-cubed P {:.3} R {:.3} F1 {:.3} | pairwise P {:.3} R {:.3} F1 {:.3} | \
             {} incidents: {} split, {} merged, {} lost to a merge | {} intruders, {} noise events, {} alerts",
            scores.bcubed_precision,
            scores.bcubed_recall,
            scores.bcubed_f1(),
            scores.pairwise_precision,
            scores.pairwise_recall,
            scores.pairwise_f1(),
            scores.incidents.len(),
            scores.split(),
            scores.merged(),
            scores.lost_to_merge(),
            scores.intruders,
            scores.noise_events,
            clustering.alerts.len(),
        );
        if scores.bcubed_f1() < min_f1
            || (no_merges && (scores.merged() > 0 || scores.lost_to_merge() > 0))
        {
            passed = false;
        }
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
