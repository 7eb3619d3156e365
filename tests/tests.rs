//! All integration tests in one binary (faster builds on a 2-core machine).

mod support;

mod backlog;
mod bad_input;
mod cli;
mod clustering;
mod completion;
mod delivery;
mod deploy_files;
mod determinism;
mod feedback;
mod flood;
mod fuzz_corpus;
mod grading;
mod hot_reload;
mod input_bounds;
mod kafka;
mod layout;
mod listener;
mod notice_sizes;
mod officials;
mod operability;
mod outbox;
mod properties;
mod push;
mod replay;
mod reports;
mod rule_pack;
mod rules_test_abuse;
mod safe_defaults;
mod secrets;
mod wall_browser;
mod wall_socket;
mod websocket_client;
mod workflow;
