//! A trained risk model: hashed weights for "is this risk" and for "which domain", the
//! threshold training chose, and the file format they live in beside the rules.
//!
//! The file holds no text: a magic line, one JSON header line (shape, domains, threshold,
//! how it was trained), then the weights. Version 2 stores them sparse and half-precision
//! (a bitmap of the non-zero weights, then each of those as a little-endian IEEE `f16`):
//! a third of version 1's `f32` table, which keeps the shipped model inside a Kubernetes
//! ConfigMap (1 MiB) — `f16`'s 11 significant bits are far finer than anything training
//! can tell apart. Version 1 files still load. A file that does not add up (wrong size,
//! non-finite weights, unknown version) is rejected when loaded, so a broken model never
//! goes live; the rule loader also runs the pack's scoring examples through it.

use std::io::Write;
use std::path::Path;

use half::f16;
use serde::{Deserialize, Serialize};

use super::features::{Bag, FeatureBuffer};

const MAGIC: &str = "fenghuo-risk-model";
/// The version [`Model::save`] writes.
pub(super) const VERSION: u32 = 2;
/// Dense little-endian `f32` weights: still read.
const VERSION_DENSE_F32: u32 = 1;

/// Why a model file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
}

/// The header line: everything but the weights.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub version: u32,
    /// The risk table holds `2^dims_log2` weights.
    pub dims_log2: u32,
    /// Each domain's table holds `2^domain_dims_log2` weights.
    pub domain_dims_log2: u32,
    pub domains: Vec<String>,
    /// Probability at or above which a post is risk, chosen in training by inner
    /// cross-validation (F1 of rules-or-model on held-out folds).
    pub threshold: f32,
    pub seed: u64,
    /// Whether the model scores police sentences as instances besides the whole text
    /// (multi-instance, `model train --instances`). Absent in files of whole-text models,
    /// so those stay as they were.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub instances: bool,
    /// How many texts and how many risk texts trained it, and from which files.
    pub trained_on: TrainedOn,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TrainedOn {
    pub texts: usize,
    pub risk: usize,
    pub files: Vec<String>,
}

/// A loaded model, shared read-only by every worker.
#[derive(Debug, Clone)]
pub struct Model {
    pub header: Header,
    risk: Vec<f32>,
    /// `domains.len()` tables of `2^domain_dims_log2` weights, one after another.
    domain: Vec<f32>,
}

/// What the model says about one text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Probability that the text is risk.
    pub score: f32,
    /// Index into [`Header::domains`] of the likeliest domain.
    pub domain: usize,
}

/// One feature's share of a score (its weight times its value), for explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub feature: String,
    pub weight: f32,
}

impl Model {
    pub fn new(header: Header, risk: Vec<f32>, domain: Vec<f32>) -> Model {
        Model {
            header,
            risk,
            domain,
        }
    }

    fn risk_mask(&self) -> u64 {
        (1u64 << self.header.dims_log2) - 1
    }

    fn domain_mask(&self) -> u64 {
        (1u64 << self.header.domain_dims_log2) - 1
    }

    /// The raw risk margin (log-odds) of `features`: the whole text's plus its best
    /// instance's.
    pub fn margin(&self, features: &FeatureBuffer) -> f32 {
        bag_margin(&self.risk, self.risk_mask(), features.bag()).0
    }

    /// Risk probability and likeliest domain. Allocates nothing.
    pub fn predict(&self, features: &FeatureBuffer) -> Prediction {
        Prediction {
            score: sigmoid(self.margin(features)),
            domain: self.domain(features),
        }
    }

    /// The likeliest domain (index into [`Header::domains`]). Costs one table look-up per
    /// feature and domain: the scorer asks only when the risk could pass some threshold.
    pub fn domain(&self, features: &FeatureBuffer) -> usize {
        let size = 1usize << self.header.domain_dims_log2;
        let mask = self.domain_mask();
        let mut best = (0usize, f32::NEG_INFINITY);
        for d in 0..self.header.domains.len() {
            let table = &self.domain[d * size..(d + 1) * size];
            let margin: f32 = features
                .pairs()
                .iter()
                .map(|&(h, v)| table[(h & mask) as usize] * v)
                .sum();
            if margin > best.1 {
                best = (d, margin);
            }
        }
        best.0
    }

    pub fn domain_name(&self, domain: usize) -> &str {
        self.header.domains.get(domain).map_or("", String::as_str)
    }

    /// The `n` features that pushed the score up most, named where `features` records
    /// names (n-grams are shown as `n-gram`). For people asking why, not the hot path.
    pub fn top_contributions(&self, features: &FeatureBuffer, n: usize) -> Vec<Contribution> {
        let mask = self.risk_mask();
        let bag = features.bag();
        let best = bag_margin(&self.risk, mask, bag)
            .1
            .and_then(|i| bag.instances().nth(i))
            .unwrap_or_default();
        let mut shares: Vec<(f32, u64)> = features
            .pairs()
            .iter()
            .chain(best)
            .map(|&(h, v)| (self.risk[(h & mask) as usize] * v, h))
            .filter(|(w, _)| *w > 0.0)
            .collect();
        shares.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut named: Vec<Contribution> = Vec::new();
        let mut ngrams = 0f32;
        for (weight, hash) in shares {
            match features.name_of(hash) {
                Some(name) if named.len() < n => named.push(Contribution {
                    feature: name.to_owned(),
                    weight,
                }),
                Some(_) => {}
                None => ngrams += weight,
            }
        }
        if ngrams > 0.0 {
            named.push(Contribution {
                feature: "n-grams".to_owned(),
                weight: ngrams,
            });
            named.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            named.truncate(n);
        }
        named
    }

    /// Writes the model file (version 2: sparse `f16` weights).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let io = |source| ModelError::Io {
            path: path.display().to_string(),
            source,
        };
        let header = Header {
            version: VERSION,
            ..self.header.clone()
        };
        let header = serde_json::to_string(&header).map_err(|e| ModelError::Format {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let weights: Vec<f16> = self
            .risk
            .iter()
            .chain(&self.domain)
            .map(|&w| f16::from_f32(w))
            .collect();
        let mut bitmap = vec![0u8; weights.len().div_ceil(8)];
        let mut values = Vec::new();
        for (i, w) in weights.iter().enumerate() {
            // Weights too small for f16 are zero: they never moved a score anyway.
            if *w != f16::ZERO && *w != f16::NEG_ZERO {
                bitmap[i / 8] |= 1 << (i % 8);
                values.extend_from_slice(&w.to_le_bytes());
            }
        }
        let mut bytes = Vec::with_capacity(64 + header.len() + bitmap.len() + values.len());
        writeln!(bytes, "{MAGIC} {VERSION}").map_err(io)?;
        writeln!(bytes, "{header}").map_err(io)?;
        bytes.extend_from_slice(&bitmap);
        bytes.extend_from_slice(&values);
        std::fs::write(path, bytes).map_err(io)
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Model::parse(&bytes).map_err(|message| ModelError::Format {
            path: path.display().to_string(),
            message,
        })
    }

    fn parse(bytes: &[u8]) -> Result<Model, String> {
        let mut lines = bytes.splitn(3, |&b| b == b'\n');
        let magic = lines.next().unwrap_or_default();
        let version = [VERSION, VERSION_DENSE_F32]
            .into_iter()
            .find(|v| magic == format!("{MAGIC} {v}").as_bytes())
            .ok_or_else(|| {
                format!("not a {MAGIC} file of version {VERSION_DENSE_F32} or {VERSION}")
            })?;
        let header: Header = serde_json::from_slice(lines.next().unwrap_or_default())
            .map_err(|e| format!("bad header: {e}"))?;
        if header.version != version {
            return Err(format!(
                "header says version {}, the file is version {version}",
                header.version
            ));
        }
        if header.dims_log2 > 24 || header.domain_dims_log2 > 20 {
            return Err("tables larger than the format allows".into());
        }
        if !(0.0..=1.0).contains(&header.threshold) {
            return Err(format!("threshold {} outside 0..=1", header.threshold));
        }
        let risk_len = 1usize << header.dims_log2;
        let len = risk_len + (header.domains.len() << header.domain_dims_log2);
        let body = lines.next().unwrap_or_default();
        let weights = if version == VERSION_DENSE_F32 {
            dense_f32(body, len)?
        } else {
            sparse_f16(body, len)?
        };
        if weights.iter().any(|w| !w.is_finite()) {
            return Err("non-finite weight".into());
        }
        let (risk, domain) = weights.split_at(risk_len);
        Ok(Model {
            header,
            risk: risk.to_vec(),
            domain: domain.to_vec(),
        })
    }
}

/// Version 1's body: `len` little-endian `f32`s.
fn dense_f32(body: &[u8], len: usize) -> Result<Vec<f32>, String> {
    if body.len() != 4 * len {
        return Err(format!(
            "expected {} bytes of weights, found {}",
            4 * len,
            body.len()
        ));
    }
    Ok(body
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Version 2's body: a bitmap of which of the `len` weights are non-zero (bit `i % 8` of
/// byte `i / 8`), then those weights in order as little-endian `f16`s.
fn sparse_f16(body: &[u8], len: usize) -> Result<Vec<f32>, String> {
    let bitmap_len = len.div_ceil(8);
    let Some((bitmap, values)) = body.split_at_checked(bitmap_len) else {
        return Err(format!(
            "expected a {bitmap_len}-byte bitmap of weights, found {} bytes",
            body.len()
        ));
    };
    let set: usize = bitmap.iter().map(|b| b.count_ones() as usize).sum();
    if !len.is_multiple_of(8) && bitmap[bitmap_len - 1] >> (len % 8) != 0 {
        return Err(format!("the bitmap marks weights past the last of {len}"));
    }
    if values.len() != 2 * set {
        return Err(format!(
            "expected {} bytes of weights after the bitmap, found {}",
            2 * set,
            values.len()
        ));
    }
    let mut values = values
        .chunks_exact(2)
        .map(|c| f16::from_le_bytes([c[0], c[1]]).to_f32());
    Ok((0..len)
        .map(|i| {
            if bitmap[i / 8] & (1 << (i % 8)) != 0 {
                values.next().unwrap_or(0.0)
            } else {
                0.0
            }
        })
        .collect())
}

/// The margin of `bag` under `weights`: the whole-text block's dot product plus the
/// highest instance's, and which instance that was. Allocates nothing.
pub fn bag_margin(weights: &[f32], mask: u64, bag: &Bag) -> (f32, Option<usize>) {
    let dot = |pairs: &[(u64, f32)]| -> f32 {
        pairs
            .iter()
            .map(|&(h, v)| weights[(h & mask) as usize] * v)
            .sum()
    };
    let mut best: Option<(usize, f32)> = None;
    for (i, instance) in bag.instances().enumerate() {
        let m = dot(instance);
        if best.is_none_or(|(_, b)| m > b) {
            best = Some((i, m));
        }
    }
    (
        dot(&bag.global) + best.map_or(0.0, |(_, m)| m),
        best.map(|(i, _)| i),
    )
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            version: VERSION,
            dims_log2: 4,
            domain_dims_log2: 2,
            domains: vec!["a".into(), "b".into()],
            threshold: 0.5,
            seed: 7,
            instances: false,
            trained_on: TrainedOn::default(),
        }
    }

    #[test]
    fn margin_is_the_whole_text_plus_the_best_instance() {
        let weights: Vec<f32> = (0..16).map(|i| i as f32 / 10.0).collect();
        let bag = Bag {
            global: vec![(1, 1.0), (2, 0.5)],
            instances: vec![(3, 1.0), (9, 1.0), (4, 1.0)],
            ends: vec![1, 2, 3],
        };
        let (margin, best) = bag_margin(&weights, 15, &bag);
        assert_eq!(best, Some(1));
        assert!((margin - (0.1 + 0.1 + 0.9)).abs() < 1e-6, "{margin}");
        let plain = Bag {
            global: bag.global.clone(),
            ..Bag::default()
        };
        assert_eq!(bag_margin(&weights, 15, &plain), (0.2, None));
    }

    #[test]
    fn save_load_round_trip_and_corruption_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        let model = Model::new(header(), (0..16).map(|i| i as f32).collect(), vec![0.5; 8]);
        model.save(&path).unwrap();
        let loaded = Model::load(&path).unwrap();
        assert_eq!(loaded.header, model.header);
        assert_eq!(loaded.risk, model.risk);
        assert_eq!(loaded.domain, model.domain);

        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        std::fs::write(&path, &bytes).unwrap();
        let error = Model::load(&path).unwrap_err().to_string();
        assert!(error.contains("bytes of weights"), "{error}");
        std::fs::write(&path, b"something else\n{}\n").unwrap();
        assert!(Model::load(&path).is_err());
    }

    #[test]
    fn weights_are_stored_sparse_in_half_precision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        let mut risk = vec![0.0f32; 16];
        risk[3] = 0.123_456_79;
        risk[9] = -2.5;
        risk[15] = 1e-9; // below f16's smallest: stored as zero
        let model = Model::new(header(), risk, vec![0.0; 8]);
        model.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let body = bytes.splitn(3, |&b| b == b'\n').nth(2).unwrap();
        assert_eq!(body.len(), 3 + 2 * 2, "a 24-bit bitmap and two f16 weights");
        let loaded = Model::load(&path).unwrap();
        assert_eq!(loaded.header.version, VERSION);
        assert!((loaded.risk[3] - 0.123_456_79).abs() < 1e-4);
        assert_eq!(loaded.risk[9], -2.5);
        assert_eq!(loaded.risk[15], 0.0);
        assert!(loaded.domain.iter().all(|&w| w == 0.0));
    }

    #[test]
    fn version_1_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        let header = Header {
            version: VERSION_DENSE_F32,
            ..header()
        };
        let mut bytes = format!(
            "{MAGIC} {VERSION_DENSE_F32}\n{}\n",
            serde_json::to_string(&header).unwrap()
        )
        .into_bytes();
        for w in (0..16).map(|i| i as f32 * 0.1).chain([0.5; 8]) {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        std::fs::write(&path, &bytes).unwrap();
        let loaded = Model::load(&path).unwrap();
        assert_eq!(loaded.risk[7], 0.7f32);
        assert_eq!(loaded.domain, vec![0.5; 8]);

        // A stray bit past the last weight, or a header that disagrees, is refused.
        bytes[MAGIC.len() + 1] = b'2';
        std::fs::write(&path, &bytes).unwrap();
        let error = Model::load(&path).unwrap_err().to_string();
        assert!(error.contains("header says version 1"), "{error}");
    }
}
