//! `fenghuo model train | eval | score`: the risk scorer's tooling, as library functions
//! that write their report to any writer.
//!
//! Training and cross-validation use the rules of a directory without its scorer (the
//! rules give the structure features; the model is what is being built).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::matching::crossval::{cross_validate, report};
use crate::matching::risk::{default_domains, samples};
use crate::matching::{Matcher, Session, Subject};
use crate::rules::{self, RuleErrors, RuleSet};
use crate::score::data::{parse_tsv, Labelled};
use crate::score::train::{fit, Settings};
use crate::score::ModelError;

/// Why a model command could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    #[error("rules rejected:\n{0}")]
    Rules(#[from] RuleErrors),
    #[error("{path}: {message}")]
    Data { path: String, message: String },
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("{0}: no [scoring] table in the rules")]
    NoScorer(String),
    #[error("writing the report: {0}")]
    Write(#[from] io::Error),
}

/// Reads labelled TSVs (the corpora's format, and the feedback export's).
pub fn read_labelled(paths: &[PathBuf]) -> Result<Vec<Labelled>, TrainingError> {
    let mut rows = Vec::new();
    for path in paths {
        let data = |message: String| TrainingError::Data {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| data(e.to_string()))?;
        rows.extend(parse_tsv(&text).map_err(data)?);
    }
    Ok(rows)
}

/// `model train`: trains on `data` with the rules of `dir` and writes the model to `out`.
pub fn train(
    data: &[PathBuf],
    dir: &Path,
    out_path: &Path,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<(), TrainingError> {
    let rules = rules::compile_dir(dir, 0)?;
    let rows = read_labelled(data)?;
    let mut domains = default_domains();
    let samples = samples(&rules, &rows, &mut domains, settings.instances);
    let refs: Vec<_> = samples.iter().collect();
    let files = data
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let model = fit(&refs, domains, settings, files);
    model.save(out_path)?;
    writeln!(
        out,
        "{}: trained on {} texts ({} risk), threshold {:.3}, seed {}",
        out_path.display(),
        model.header.trained_on.texts,
        model.header.trained_on.risk,
        model.header.threshold,
        settings.seed
    )?;
    Ok(())
}

/// `model eval`: k-fold cross-validation of rules, model and both on `data`; the
/// `train_only` files join every training fold and are never judged.
pub fn eval(
    data: &[PathBuf],
    train_only: &[PathBuf],
    dir: &Path,
    folds: usize,
    settings: &Settings,
    list: bool,
    out: &mut dyn Write,
) -> Result<(), TrainingError> {
    let rules: RuleSet = rules::compile_dir(dir, 0)?;
    let rows = read_labelled(data)?;
    let folds = folds.max(2);
    let extra = read_labelled(train_only)?;
    let outcomes = cross_validate(&rules, &rows, &extra, folds, settings);
    write!(out, "{}", report(&rows, &outcomes, &rules, folds, list))?;
    Ok(())
}

/// `model score`: each text's score under the generation of `dir`, and why.
pub fn score(texts: &[String], dir: &Path, out: &mut dyn Write) -> Result<(), TrainingError> {
    let matcher = Matcher::load(dir, 0)?;
    if matcher.artefacts().scorer.is_none() {
        return Err(TrainingError::NoScorer(dir.display().to_string()));
    }
    let mut session = Session::new();
    for text in texts {
        let explanation = matcher.explain(Subject::text(text), &mut session);
        let rules: Vec<&str> = explanation
            .verdict
            .rules
            .iter()
            .map(|m| m.rule.id.as_str())
            .collect();
        match &explanation.verdict.score {
            Some(s) => writeln!(
                out,
                "{:.3} {} (threshold {:.3}{}) rules {rules:?} because {}: {text}",
                s.risk,
                s.domain.as_deref().unwrap_or(""),
                s.threshold.unwrap_or(1.0),
                if s.passed { ", passed" } else { "" },
                s.why.join(", ")
            )?,
            None => writeln!(out, "not scored (no @police term) rules {rules:?}: {text}")?,
        }
    }
    Ok(())
}
