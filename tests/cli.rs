//! The `fenghuo` binary itself: replay, rule tooling, signals.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{read_output, FIXTURE_FEED, FIXTURE_RULES};

/// The binary, with its outbox in a fresh temporary directory.
fn fenghuo() -> Command {
    let data = tempfile::tempdir().unwrap().keep();
    let mut command = Command::new(env!("CARGO_BIN_EXE_fenghuo"));
    command.env("FENGHUO_DATA_DIR", data);
    command
}

#[test]
fn replay_command_writes_matches_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.ndjson");
    let result = fenghuo()
        .args([
            "replay",
            FIXTURE_FEED,
            "--rules",
            FIXTURE_RULES,
            "--output",
            "/dev/null",
            "--matches",
        ])
        .arg(&output)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(stderr.contains("replayed 11 posts"), "{stderr}");
    assert_eq!(read_output(&output).len(), 7);
}

#[test]
fn replay_of_a_missing_file_fails_clearly() {
    let result = fenghuo()
        .args([
            "replay",
            "/nonexistent/feed.ndjson",
            "--rules",
            FIXTURE_RULES,
        ])
        .output()
        .unwrap();
    assert!(!result.status.success());
    assert!(String::from_utf8_lossy(&result.stderr).contains("/nonexistent/feed.ndjson"));
}

#[test]
fn rules_check_and_test_report_problems_with_file_and_rule() {
    let ok = fenghuo()
        .args(["rules", "test", FIXTURE_RULES])
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("passed, 0 failed"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[rule]]\nid = \"r1\"\nname = \"n\"\ndomain = \"d\"\nseverity = \"low\"\nkeywords = [\"警察\"]\n[rule.examples]\nmatch = [\"民警\"]\n",
    )
    .unwrap();
    let check = fenghuo()
        .args(["rules", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "it compiles");
    let test = fenghuo()
        .args(["rules", "test"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(!test.status.success());
    assert!(
        stdout.contains("bad.toml: rule r1") && stdout.contains("should match but did not"),
        "{stdout}"
    );
}

#[test]
fn run_reloads_on_sighup_and_drains_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::copy(
        format!("{FIXTURE_RULES}/police.toml"),
        rules.join("police.toml"),
    )
    .unwrap();
    let config = dir.path().join("fenghuo.toml");
    std::fs::write(
        &config,
        format!("sources = []\n[http]\naddr = \"127.0.0.1:0\"\n[rules]\nwatch = false\n[storage]\ndir = {:?}\n", dir.path().join("data").display().to_string()),
    )
    .unwrap();
    let mut child = fenghuo()
        .args(["run", "--config"])
        .arg(&config)
        .arg("--rules")
        .arg(&rules)
        .args(["--output", "-"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut wait_for = |needle: &str| -> String {
        for line in log.by_ref() {
            let line = line.unwrap();
            if line.contains(needle) {
                return line;
            }
        }
        panic!("the log ended before {needle:?}");
    };
    wait_for("fenghuo running");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    let reloaded = wait_for("rules reloaded");
    assert!(reloaded.contains("generation=2"), "{reloaded}");
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    wait_for("shutting down");
    assert!(child.wait().unwrap().success());
}

/// Flags are an overlay validated like a file (regression: `--mapping nope` exited 0 with
/// every post rejected).
#[test]
fn replay_with_an_unknown_mapping_fails_clearly() {
    let result = fenghuo()
        .args([
            "replay",
            FIXTURE_FEED,
            "--rules",
            FIXTURE_RULES,
            "--output",
            "/dev/null",
            "--mapping",
            "nope",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{stderr}");
    assert!(stderr.contains("unknown mapping \"nope\""), "{stderr}");
    assert!(!stderr.contains("replayed"), "{stderr}");
}

/// A flag's value is held to the file's rules: an empty token is refused, not "none".
#[test]
fn an_empty_flag_value_is_refused_like_a_file_value() {
    let result = fenghuo()
        .args(["replay", FIXTURE_FEED, "--rules", FIXTURE_RULES])
        .env("FENGHUO_HTTP_TOKEN", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{stderr}");
    assert!(stderr.contains("http.token is empty"), "{stderr}");
}

/// `model eval DATA --train-only A B`: both A and B only train (regression: the second
/// file after `--train-only` was taken as data to judge, silently mixing authored texts
/// into the cross-validated figures).
#[test]
fn model_eval_takes_several_train_only_files_and_judges_only_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = |name: &str, rows: &[(&str, &str)]| {
        let mut text = String::from("label\tsource\ttext\treason\tdomain\n");
        for (label, body) in rows {
            let domain = if *label == "risk" { "执法办案" } else { "" };
            text.push_str(&format!("{label}\ttest\t{body}\tr\t{domain}\n"));
        }
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let judged = tsv(
        "judged.tsv",
        &[
            ("risk", "民警当街殴打路人"),
            ("risk", "派出所抓错人关了三天"),
            ("neutral", "民警救起落水儿童"),
            ("neutral", "交警提醒雨天慢行"),
        ],
    );
    let first = tsv(
        "first.tsv",
        &[("risk", "辅警打人"), ("neutral", "辅警扶老人过马路")],
    );
    let second = tsv(
        "second.tsv",
        &[("risk", "警察打人"), ("neutral", "警察送锦旗")],
    );
    let result = fenghuo()
        .args(["model", "eval"])
        .arg(&judged)
        .args(["--rules", FIXTURE_RULES, "--folds", "2", "--train-only"])
        .arg(&first)
        .arg(&second)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(
        stdout.contains("cross-validated on 4 texts (2 risk)"),
        "only the data file is judged: {stdout}"
    );
}

#[test]
fn rules_eval_counts_what_the_engine_alerts_on_and_the_rules_alone() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("police.toml"),
        "[lexicon]\npolice = [\"警察\", \"民警\"]\n\n[[rule]]\nid = \"t.violence\"\nname = \"n\"\ndomain = \"执法办案\"\nseverity = \"high\"\nkeywords = [\"警察打人\"]\n",
    )
    .unwrap();
    // A threshold of 0 passes every text naming the police: the scorer's part is certain
    // whatever the tiny model learns.
    std::fs::write(
        rules.join("scoring.toml"),
        "[scoring]\nmodel = \"model.bin\"\nthreshold = 0.0\n",
    )
    .unwrap();
    let corpus = dir.path().join("corpus.tsv");
    std::fs::write(
        &corpus,
        "label\tsource\ttext\treason\tdomain\nrisk\tt\t警察打人\tr\t执法办案\nrisk\tt\t民警推倒老人\tr\t执法办案\nneutral\tt\t民警救起落水儿童\tr\t\nneutral\tt\t今天天气很好\tr\t\n",
    )
    .unwrap();
    let trained = fenghuo()
        .args(["model", "train"])
        .arg(&corpus)
        .arg("--rules")
        .arg(&rules)
        .arg("--out")
        .arg(rules.join("model.bin"))
        .output()
        .unwrap();
    assert!(
        trained.status.success(),
        "{}",
        String::from_utf8_lossy(&trained.stderr)
    );
    let eval = |extra: &[&str]| {
        let result = fenghuo()
            .args(["rules", "eval"])
            .arg(&corpus)
            .arg("--rules")
            .arg(&rules)
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8_lossy(&result.stdout).into_owned()
    };

    let both = eval(&[]);
    assert!(
        both.contains("rules or model (as the engine alerts): discovery (recall) 100.0% (2/2), precision 66.7% (2/3), false alarms 1/2 neutral"),
        "{both}"
    );
    assert!(
        both.contains("rules alone: discovery (recall) 50.0% (1/2), precision 100.0% (1/1), false alarms 0/2 neutral"),
        "{both}"
    );
    assert!(
        both.contains("FALSE ALARM  [model.risk] 民警救起落水儿童"),
        "{both}"
    );
    assert!(!both.contains("MISSED"), "{both}");

    let rules_only = eval(&["--rules-only"]);
    assert!(
        rules_only.contains("rules: discovery (recall) 50.0% (1/2)")
            && rules_only.contains("MISSED       民警推倒老人")
            && !rules_only.contains("FALSE ALARM"),
        "{rules_only}"
    );
}
