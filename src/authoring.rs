//! Rule authoring: what `fenghuo rules check | test | eval` do, as library functions that
//! write their report to any writer and say whether the pack passed.
//!
//! Every verdict here comes from the same [`Matcher`] the workers use.

use std::io::{self, Write};
use std::path::Path;

use crate::matching::eval::{self, EvalError, Evaluation};
use crate::matching::risk::RiskScorer;
use crate::matching::{examples, Artefacts, Matcher};
use crate::rules::{self, RuleErrors, RuleProblem};

/// Why a command could not report on the pack at all.
#[derive(Debug, thiserror::Error)]
pub enum AuthoringError {
    #[error("rules rejected:\n{0}")]
    Rules(#[from] RuleErrors),
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {source}")]
    Labels {
        path: String,
        #[source]
        source: EvalError,
    },
    #[error("writing the report: {0}")]
    Write(#[from] io::Error),
}

/// Targets `eval` holds a pack to.
#[derive(Debug, Clone, Copy)]
pub struct Targets {
    pub min_recall: f64,
    pub min_precision: f64,
}

/// `rules check`: compiles and lints `dir`; true when it compiles.
pub fn check(dir: &Path, out: &mut dyn Write) -> Result<bool, AuthoringError> {
    let files = match rules::file::read_dir(dir) {
        Ok(files) => files,
        Err(problems) => return report_problems(&problems, out),
    };
    let rule_set = match rules::compile::compile(&files, 0) {
        Ok(rule_set) => rule_set,
        Err(problems) => return report_problems(&problems, out),
    };
    let scorer = match RiskScorer::load(dir, &files, &rule_set) {
        Ok(scorer) => scorer,
        Err(problems) => return report_problems(&problems, out),
    };
    for warning in rules::lint::lint(&files) {
        writeln!(out, "warning: {warning}")?;
    }
    writeln!(
        out,
        "{}: {} files, {} rules, {} lexicons, {} patterns in one database: ok",
        dir.display(),
        files.len(),
        rule_set.rules().len(),
        rule_set.lexicon_names().len(),
        rule_set.pattern_count()
    )?;
    if let Some(scorer) = scorer {
        let header = &scorer.model().header;
        writeln!(
            out,
            "scorer {}: trained on {} texts ({} risk), threshold {:.3}, domains {}",
            scorer.file,
            header.trained_on.texts,
            header.trained_on.risk,
            header.threshold,
            header.domains.join("/")
        )?;
    }
    Ok(true)
}

/// `rules test`: runs every rule's examples through the generation's matcher; true when
/// all pass.
pub fn test(dir: &Path, out: &mut dyn Write) -> Result<bool, AuthoringError> {
    let rule_set = match rules::compile_dir(dir, 0) {
        Ok(rule_set) => rule_set,
        Err(errors) => return report_problems(&errors.problems, out),
    };
    let mut total = examples::count(&rule_set);
    let artefacts = match Artefacts::load(dir, &rule_set) {
        Ok(artefacts) => artefacts,
        Err(problems) => return report_problems(&problems, out),
    };
    let matcher = Matcher::new(rule_set, artefacts);
    let mut failures = examples::run(&matcher);
    if let Some(scorer) = &matcher.artefacts().scorer {
        total += scorer.example_count();
        failures.extend(scorer.check(&matcher));
    }
    for failure in &failures {
        writeln!(out, "FAIL {failure}")?;
    }
    writeln!(
        out,
        "{} passed, {} failed",
        total - failures.len(),
        failures.len()
    )?;
    Ok(failures.is_empty())
}

/// `rules eval`: measures the generation of `dir` on the labelled TSV `tsv` as the engine
/// alerts (rule or scorer) and by the rules alone — or only the latter when `rules_only`;
/// lists the first one's misses and false alarms; true when it meets `targets`.
pub fn eval(
    tsv: &Path,
    dir: &Path,
    targets: Targets,
    rules_only: bool,
    out: &mut dyn Write,
) -> Result<bool, AuthoringError> {
    let matcher = Matcher::load(dir, 0)?;
    let path = tsv.display().to_string();
    let text = std::fs::read_to_string(tsv).map_err(|source| AuthoringError::Read {
        path: path.clone(),
        source,
    })?;
    let evaluations = eval::evaluate(&matcher, &text)
        .map_err(|source| AuthoringError::Labels { path, source })?;
    // Without a scorer the two countings are one.
    let with_model = !rules_only && matcher.artefacts().scorer.is_some();
    let headline = if with_model {
        &evaluations.engine
    } else {
        &evaluations.rules_only
    };
    for text in &headline.missed {
        writeln!(out, "MISSED       {text}")?;
    }
    for (text, fired) in &headline.false_alarms {
        writeln!(out, "FALSE ALARM  [{}] {text}", fired.join(","))?;
    }
    if with_model {
        write_figures(out, "rules or model (as the engine alerts)", headline)?;
        write_figures(out, "rules alone", &evaluations.rules_only)?;
        writeln!(
            out,
            "note: on texts the model was trained on (make train's corpora) its part is in-sample; `fenghuo model eval` cross-validates it"
        )?;
    } else {
        write_figures(out, "rules", headline)?;
    }
    writeln!(
        out,
        "targets: recall >= {:.0}%, precision >= {:.0}%",
        targets.min_recall * 100.0,
        targets.min_precision * 100.0
    )?;
    Ok(headline.recall() >= targets.min_recall && headline.precision() >= targets.min_precision)
}

/// One line of figures: discovery, precision and false alarms.
fn write_figures(out: &mut dyn Write, what: &str, evaluation: &Evaluation) -> io::Result<()> {
    let (hits, missed, alarms) = (
        evaluation.hits,
        evaluation.missed.len(),
        evaluation.false_alarms.len(),
    );
    writeln!(
        out,
        "{what}: discovery (recall) {:.1}% ({hits}/{}), precision {:.1}% ({hits}/{}), false alarms {alarms}/{} neutral",
        evaluation.recall() * 100.0,
        hits + missed,
        evaluation.precision() * 100.0,
        hits + alarms,
        alarms + evaluation.quiet,
    )
}

fn report_problems(problems: &[RuleProblem], out: &mut dyn Write) -> Result<bool, AuthoringError> {
    for problem in problems {
        writeln!(out, "error: {problem}")?;
    }
    Ok(false)
}
