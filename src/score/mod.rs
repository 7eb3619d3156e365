//! The learned risk scorer: a linear model over hashed character n-grams and the
//! structure the rule pack's lexicons reveal, run on posts that mention the police.
//!
//! Rules catch phrasings someone wrote down; the scorer catches the ones nobody did, from
//! labelled texts. A post matches when a rule fires **or** its score passes the threshold
//! of its predicted domain.
//!
//! - [`lexicon`]: what each lexicon of the pack means to the scorer (police, acts, …).
//! - [`features`]: text + lexicon cues + fired rules → hashed features, in a reused buffer.
//! - [`model`]: the weights, the file they live in beside the rules, and prediction.
//! - [`train`]: L2-regularized logistic regression (risk) and softmax (domain), seeded.
//! - [`data`]: the labelled TSV format shared by the corpora and analyst feedback.
//!
//! Nothing here knows about hyperscan or rule files: the rules module hands over the cues
//! and fired rules, so the scorer can be trained, tested and benchmarked on its own.

pub mod data;
pub mod features;
pub mod lexicon;
pub mod model;
pub mod train;

pub use features::{extract, FeatureBuffer};
pub use lexicon::LexiconRoles;
pub use model::{Contribution, Model, ModelError, Prediction};

/// A lexicon term found in a text: which lexicon (an index into the pack's lexicon
/// names), and where (byte offsets of the normalized text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    pub lexicon: usize,
    pub start: usize,
    pub end: usize,
}
