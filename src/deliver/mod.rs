//! Deliver: alerts reach people, durably.
//!
//! - [`commit`]: every alert is routed and committed to the [`outbox`] first.
//! - [`dispatch`]: one task per [`receivers`] (generic webhook, DingTalk, WeCom, Feishu)
//!   with its own cursor, [`backlog`] (urgent first, updates collapsed), retries and dead
//!   letters; [`route`]s and silences pick who.
//! - [`deadlines`]: steps of the plan not taken in time are chased; [`joint`]: the
//!   departments that must join a response, chased by name.
//! - [`retention`]: old notices and incidents are pruned every hour.

pub mod backlog;
pub mod commit;
pub mod deadlines;
pub mod dispatch;
pub mod joint;
pub mod outbox;
pub mod receivers;
pub mod redact;
pub mod retention;
pub mod route;
