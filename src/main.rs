//! The `fenghuo` command line: a thin layer over the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use fenghuo::config::Config;
use fenghuo::engine::Engine;
use fenghuo::telemetry;
use fenghuo::{authoring, training};

/// 烽火 fenghuo: watches social-media feeds for police-related public-opinion risk.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Log format on stderr.
    #[arg(
        long,
        global = true,
        env = "FENGHUO_LOG_FORMAT",
        default_value = "human"
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
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
        #[arg(long, value_parser = parse_size)]
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

#[derive(Debug, clap::Args)]
struct Overrides {
    /// Configuration file laid over the embedded defaults.
    #[arg(long, env = "FENGHUO_CONFIG")]
    config: Option<PathBuf>,
    /// Rules directory.
    #[arg(long, env = "FENGHUO_RULES_DIR")]
    rules: Option<PathBuf>,
    /// Where alerts go (JSON lines): `-` (stdout) or a file.
    #[arg(long, env = "FENGHUO_OUTPUT")]
    output: Option<String>,
    /// Where matched posts go (JSON lines, one per post): `-` (stdout) or a file.
    #[arg(long, env = "FENGHUO_MATCHES")]
    matches: Option<String>,
    /// HTTP listen address.
    #[arg(long, env = "FENGHUO_HTTP_ADDR")]
    http_addr: Option<std::net::SocketAddr>,
    /// Match worker threads (0 = one per core).
    #[arg(long, env = "FENGHUO_WORKERS")]
    workers: Option<usize>,
    /// Bearer token for the changing endpoints (keeps the secret out of the config file).
    #[arg(long, env = "FENGHUO_HTTP_TOKEN", hide_env_values = true)]
    http_token: Option<String>,
    /// Directory of the durable outbox.
    #[arg(long, env = "FENGHUO_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ModelCommand {
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
struct TrainingArgs {
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

#[derive(Debug, Subcommand)]
enum RulesCommand {
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

#[derive(Debug, Subcommand)]
enum EvalCommand {
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

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file, reporting every problem at once.
    Check { file: PathBuf },
    /// Print the embedded default configuration (annotated).
    Defaults,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    fenghuo::memory::tune_allocator();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    match format {
        // A feed's text in a field must not forge a log line (JSON escapes on its own).
        LogFormat::Human => builder
            .with_writer(fenghuo::log_escape::EscapedStderr { ansi })
            .init(),
        LogFormat::Json => builder.with_writer(std::io::stderr).json().init(),
    }
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Run { overrides } => {
            let config = overrides.apply(toml::Table::new())?;
            let runtime = runtime()?;
            let served = runtime.block_on(serve(config));
            // Everything accepted is drained by now; a blocking task still running (a
            // readiness probe stuck on a full disk) must not hold the exit past SIGTERM.
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
            served?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay {
            file,
            speed,
            mapping,
            overrides,
        } => {
            if file != "-" && file != "@sample" && !Path::new(&file).is_file() {
                bail!("{file}: no such file");
            }
            // The replay is an overlay like any other: `--mapping nope` is refused as an
            // unknown mapping in a file would be.
            let mut source = toml::Table::new();
            source.insert("kind".into(), "replay".into());
            source.insert("name".into(), "replay".into());
            source.insert("path".into(), file.into());
            if let Some(speed) = speed {
                source.insert("speed".into(), speed.into());
            }
            source.insert("mappings".into(), mapping.into());
            let mut command: toml::Table = toml::toml! {
                [http]
                enabled = false
                [rules]
                watch = false
                [grading]
                clock = "feed"
                [events]
                checkpoint_secs = 0
                [output]
                when_full = "wait"
            };
            command.insert("sources".into(), vec![toml::Value::Table(source)].into());
            let config = overrides.apply(command)?;
            runtime()?.block_on(replay(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { command } => rules_command(command),
        Command::Eval {
            command:
                EvalCommand::Clusters {
                    feeds,
                    config,
                    rules,
                    min_f1,
                    no_merges,
                },
        } => eval_clusters(&feeds, config.as_deref(), &rules, min_f1, no_merges),
        Command::Model { command } => model_command(command),
        Command::Gen {
            posts,
            bytes,
            seed,
            output,
        } => {
            let options = fenghuo::synth::GenOptions {
                seed,
                posts: posts.or(bytes.is_none().then_some(100_000)),
                bytes,
            };
            let (posts, bytes) = if output == "-" {
                fenghuo::synth::generate(
                    options,
                    &mut std::io::BufWriter::new(std::io::stdout().lock()),
                )?
            } else {
                let file =
                    std::fs::File::create(&output).with_context(|| format!("creating {output}"))?;
                fenghuo::synth::generate(options, &mut std::io::BufWriter::new(file))?
            };
            eprintln!(
                "wrote {posts} posts ({:.1} MB) with seed {seed}",
                bytes as f64 / 1e6
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => match Config::load(&file) {
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
        Command::Config {
            command: ConfigCommand::Defaults,
        } => {
            print!("{}", fenghuo::config::DEFAULT_CONFIG);
            Ok(ExitCode::SUCCESS)
        }
    }
}

impl Overrides {
    /// The configuration: embedded defaults, the `--config` file, then these flags and
    /// `command` (what the subcommand itself sets), validated together.
    fn apply(self, command: toml::Table) -> Result<Config> {
        let mut flags = toml::Table::new();
        let mut set = |section: &str, key: &str, value: toml::Value| {
            let table = flags
                .entry(section)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(table) = table {
                table.insert(key.into(), value);
            }
        };
        let path = |p: PathBuf| toml::Value::String(p.display().to_string());
        if let Some(rules) = self.rules {
            set("rules", "dir", path(rules));
        }
        if let Some(output) = self.output {
            set("output", "alerts", output.into());
        }
        if let Some(matches) = self.matches {
            set("output", "matches", matches.into());
        }
        if let Some(addr) = self.http_addr {
            set("http", "addr", addr.to_string().into());
        }
        if let Some(workers) = self.workers {
            set("engine", "workers", (workers as i64).into());
        }
        if let Some(token) = self.http_token {
            set("http", "token", token.into());
        }
        if let Some(dir) = self.data_dir {
            set("storage", "dir", path(dir));
        }
        let mut layers = command;
        merge_into(&mut layers, flags);
        Ok(Config::load_layers(self.config.as_deref(), layers)?)
    }
}

/// `overlay` laid over `base`, tables merged key by key.
fn merge_into(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(base)), toml::Value::Table(overlay)) => {
                merge_into(base, overlay)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// `1000`, `64K`, `100M`, `1G` → bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, ""),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size"))?;
    let scale = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" => 1 << 10,
        "M" | "MB" => 1 << 20,
        "G" | "GB" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?} (K, M or G)")),
    };
    Ok(number * scale)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    // Tokio serves I/O only; matching has its own threads. Two runtime threads suffice.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

async fn serve(config: Config) -> Result<()> {
    let engine = Engine::start(&config, telemetry::install_prometheus()).await?;
    let rules = engine.rules().current();
    tracing::info!(
        generation = rules.generation,
        rules = rules.rules().rules().len(),
        dir = %config.rules.dir.display(),
        workers = config.worker_count(),
        "fenghuo running; Ctrl-C to stop"
    );
    wait_for_signal().await?;
    tracing::info!("shutting down: draining the queue");
    engine.shutdown().await?;
    Ok(())
}

async fn wait_for_signal() -> Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

async fn replay(config: Config) -> Result<()> {
    let compiling = Instant::now();
    let mut engine = Engine::start(&config, None).await?;
    if engine.rules().current().generation == 0 {
        let errors = engine.rules().last_error().unwrap_or_default();
        engine.shutdown().await?;
        bail!("rules failed to load:\n{errors}");
    }
    eprintln!(
        "rules compiled and tested in {:.2} s",
        compiling.elapsed().as_secs_f64()
    );
    // Throughput counts the pipeline only, not the one-off rule compile.
    let started = Instant::now();
    let stats = engine.stats().clone();
    tokio::select! {
        _ = engine.sources_finished() => {}
        result = wait_for_signal() => result?,
    }
    engine.shutdown().await?;
    let seconds = started.elapsed().as_secs_f64();
    let received = stats.received.load(Ordering::Relaxed);
    let bytes = stats.bytes.load(Ordering::Relaxed);
    eprintln!(
        "replayed {received} posts ({:.1} MB) in {seconds:.2} s: {:.0} posts/s, {:.1} MB/s; \
         decoded {}, rejected {}, matched {} ({} workers)",
        bytes as f64 / 1e6,
        received as f64 / seconds,
        bytes as f64 / 1e6 / seconds,
        stats.decoded.load(Ordering::Relaxed),
        stats.rejected.load(Ordering::Relaxed),
        stats.matched.load(Ordering::Relaxed),
        config.worker_count(),
    );
    for (source, reason, count) in stats.rejects() {
        eprintln!("  rejected {count} from {source}: {reason}");
    }
    Ok(())
}

fn rules_command(command: RulesCommand) -> Result<ExitCode> {
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

fn model_command(command: ModelCommand) -> Result<ExitCode> {
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
