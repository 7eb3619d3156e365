//! `fenghuo gen`: a synthetic feed for benchmarks.

use std::process::ExitCode;

use anyhow::{Context, Result};

pub(crate) fn run(
    posts: Option<u64>,
    bytes: Option<u64>,
    seed: u64,
    output: String,
) -> Result<ExitCode> {
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
        let file = std::fs::File::create(&output).with_context(|| format!("creating {output}"))?;
        fenghuo::synth::generate(options, &mut std::io::BufWriter::new(file))?
    };
    eprintln!(
        "wrote {posts} posts ({:.1} MB) with seed {seed}",
        bytes as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

/// `1000`, `64K`, `100M`, `1G` → bytes.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
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
