//! `--log-format`: the log on stderr, for people or as JSON lines.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    Human,
    Json,
}

pub(crate) fn init_logging(format: LogFormat) {
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
