//! Training: L2-regularized logistic regression for risk and a softmax for the domain,
//! both by AdaGrad SGD over hashed features, deterministic for a seed.
//!
//! With [`Settings::bags`] above 1 the risk weights are the mean of that many fits on
//! differently shuffled orders (a linear model's mean is one model of the same size and
//! cost).
//!
//! With [`Settings::instances`] the risk model is multi-instance: a text's margin is its
//! whole-text features' plus its best police sentence's (see [`Bag`]), and each step
//! updates the whole text and that sentence.
//!
//! The data is small (thousands of texts) and imbalanced (~7 % risk), so risk texts weigh
//! more in the loss, and the threshold is not guessed: [`fit`] trains on inner folds,
//! scores their held-out parts, and keeps the threshold that maximizes F1 of "a rule fired
//! or the score passed" — the decision the engine makes.

use super::features::Bag;
use super::model::{bag_margin, sigmoid, Header, Model, TrainedOn};

/// One text ready to train on: its features, label, domain and whether a rule fired.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The whole text's features and its police sentences'.
    pub features: Bag,
    pub risk: bool,
    /// Index into the domain list, for risk texts whose domain is known.
    pub domain: Option<usize>,
    pub rule_fired: bool,
    /// Whether the text hits the `police` lexicon: only those are scored at run time.
    pub police: bool,
}

/// Training knobs. The defaults are what `fenghuo model train` uses.
#[derive(Debug, Clone)]
pub struct Settings {
    pub seed: u64,
    pub epochs: usize,
    pub dims_log2: u32,
    pub domain_dims_log2: u32,
    pub l2: f32,
    pub rate: f32,
    /// Weight of a risk text in the loss relative to a neutral one.
    pub risk_weight: f32,
    /// Folds for choosing the threshold.
    pub inner_folds: usize,
    /// Multi-instance: score each police sentence besides the whole text (the samples
    /// must have been extracted with instances; see [`Bag`]). The default: 5-fold
    /// cross-validated AP over the whole text alone 0.628 -> 0.645 (`make eval`), higher
    /// on every fold (`model train --instances false` trains a whole-text model).
    pub instances: bool,
    /// Models trained on different shuffles (seeds) whose weights are averaged: a linear
    /// model's average is one model of the same size and cost, with less of any one
    /// order's noise.
    pub bags: usize,
    /// How much a rare domain's texts weigh more in the domain model: each labelled text
    /// weighs `(mean texts per domain / texts of its domain) ^ domain_balance`. At 0 every
    /// text weighs the same and a domain with a handful of texts (重大安保) is hardly ever
    /// predicted; at 1 the domains weigh the same in total. Default 0: 0.5 helped on the
    /// rules of 30 Nov (domain right 67.3 -> 67.7 %, sample B-cubed 0.952 -> 0.957) but on
    /// the later rules it lost (67.3 -> 66.9 %) and moved a short post of
    /// `tests/scenarios/resurfacing_apart.ndjson` to 队伍管理, splitting its incident.
    pub domain_balance: f32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            seed: 20261130,
            epochs: 12,
            dims_log2: 18,
            domain_dims_log2: 14,
            l2: 1e-5,
            rate: 0.2,
            risk_weight: 1.0,
            inner_folds: 4,
            instances: true,
            bags: 1,
            domain_balance: 0.0,
        }
    }
}

/// A model trained on `samples`, its threshold chosen by inner cross-validation.
pub fn fit(
    samples: &[&Sample],
    domains: Vec<String>,
    settings: &Settings,
    files: Vec<String>,
) -> Model {
    let threshold = choose_threshold_by_cv(samples, settings);
    let risk = fit_risk(samples, settings);
    let domain = fit_domains(samples, domains.len(), settings);
    let header = Header {
        version: super::model::VERSION,
        dims_log2: settings.dims_log2,
        domain_dims_log2: settings.domain_dims_log2,
        domains,
        threshold,
        seed: settings.seed,
        instances: settings.instances,
        trained_on: TrainedOn {
            texts: samples.len(),
            risk: samples.iter().filter(|s| s.risk).count(),
            files,
        },
    };
    Model::new(header, risk, domain)
}

fn choose_threshold_by_cv(samples: &[&Sample], settings: &Settings) -> f32 {
    let labels: Vec<bool> = samples.iter().map(|s| s.risk).collect();
    let fold_of = stratified_folds(&labels, settings.inner_folds, settings.seed ^ 0x5eed);
    let mut scored = Vec::with_capacity(samples.len());
    for fold in 0..settings.inner_folds {
        let train: Vec<&Sample> = samples
            .iter()
            .zip(&fold_of)
            .filter(|(_, &f)| f != fold)
            .map(|(s, _)| *s)
            .collect();
        let weights = fit_risk(&train, settings);
        let mask = (1u64 << settings.dims_log2) - 1;
        for (sample, _) in samples.iter().zip(&fold_of).filter(|(_, &f)| f == fold) {
            let margin = bag_margin(&weights, mask, &sample.features).0;
            let score = if sample.police { sigmoid(margin) } else { 0.0 };
            scored.push((score, sample.risk, sample.rule_fired));
        }
    }
    best_threshold(&mut scored)
}

/// The threshold maximizing F1 of `rule_fired || score >= t` over `(score, risk,
/// rule_fired)`; ties go to the lower threshold (more recall).
pub fn best_threshold(scored: &mut [(f32, bool, bool)]) -> f32 {
    let positives = scored.iter().filter(|s| s.1).count() as f32;
    let f1 = |tp: f32, fp: f32| 2.0 * tp / (positives + tp + fp).max(1.0);
    let mut best = (f32::NEG_INFINITY, 1.0f32);
    sweep_rule_or_score(scored, |tp, fp, threshold| {
        let f = f1(tp as f32, fp as f32);
        if f >= best.0 {
            best = (f, threshold.min(1.0));
        }
    });
    best.1.clamp(0.0, 1.0)
}

/// Walks every threshold of "a rule fired or the score passed" over `(score, risk,
/// rule_fired)`, from above every score (only rules decide) down, calling `at` with the
/// true and false positives at each: the one sweep behind choosing a threshold and the
/// precision-at-recall report. Sorts `scored` by descending score; a score of
/// `NEG_INFINITY` (a text no model scored) is never passed.
pub fn sweep_rule_or_score(scored: &mut [(f32, bool, bool)], mut at: impl FnMut(f64, f64, f32)) {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut tp = scored.iter().filter(|s| s.2 && s.1).count() as f64;
    let mut fp = scored.iter().filter(|s| s.2 && !s.1).count() as f64;
    at(tp, fp, f32::INFINITY);
    for (i, &(score, risk, fired)) in scored.iter().enumerate() {
        if score == f32::NEG_INFINITY {
            break;
        }
        if !fired {
            if risk {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
        }
        // Only between distinct scores is there a threshold.
        if scored.get(i + 1).is_some_and(|next| next.0 == score) {
            continue;
        }
        at(tp, fp, score);
    }
}

/// Risk weights: the mean of [`Settings::bags`] fits on differently shuffled orders.
pub fn fit_risk(samples: &[&Sample], settings: &Settings) -> Vec<f32> {
    let bags = settings.bags.max(1);
    let mut weights = fit_risk_once(samples, settings);
    for bag in 1..bags {
        let reseeded = Settings {
            seed: bag_seed(settings.seed, bag),
            ..settings.clone()
        };
        for (w, other) in weights.iter_mut().zip(fit_risk_once(samples, &reseeded)) {
            *w += other;
        }
    }
    if bags > 1 {
        for w in &mut weights {
            *w /= bags as f32;
        }
    }
    weights
}

/// The seed of the `bag`-th fit (the first uses the seed itself).
fn bag_seed(seed: u64, bag: usize) -> u64 {
    seed.wrapping_add(0x9e37_79b9u64.wrapping_mul(bag as u64))
}

/// One fit of the risk weights: logistic loss, AdaGrad, L2 applied to the weights each
/// step touches.
fn fit_risk_once(samples: &[&Sample], settings: &Settings) -> Vec<f32> {
    let size = 1usize << settings.dims_log2;
    let mask = (size - 1) as u64;
    let mut weights = vec![0f32; size];
    let mut squares = vec![1e-6f32; size];
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let mut rng = SplitMix(settings.seed);
    for _ in 0..settings.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let sample = samples[i];
            let (margin, best) = bag_margin(&weights, mask, &sample.features);
            let (target, weight) = if sample.risk {
                (1.0, settings.risk_weight)
            } else {
                (0.0, 1.0)
            };
            let g = (sigmoid(margin) - target) * weight;
            // Multi-instance: the gradient of the max flows into the best instance only,
            // so a risk text teaches its riskiest police sentence, not all of them.
            let instance = best
                .and_then(|b| sample.features.instances().nth(b))
                .unwrap_or_default();
            for &(h, v) in sample.features.global.iter().chain(instance) {
                let j = (h & mask) as usize;
                let grad = g * v + settings.l2 * weights[j];
                squares[j] += grad * grad;
                weights[j] -= settings.rate * grad / squares[j].sqrt();
            }
        }
    }
    weights
}

/// Domain weights: softmax over the domains, trained on risk texts whose domain is known,
/// rare domains weighing more ([`Settings::domain_balance`]).
pub fn fit_domains(samples: &[&Sample], domains: usize, settings: &Settings) -> Vec<f32> {
    let size = 1usize << settings.domain_dims_log2;
    let mask = (size - 1) as u64;
    let mut weights = vec![0f32; size * domains];
    let mut squares = vec![1e-6f32; size * domains];
    let labelled: Vec<(&Sample, usize)> = samples
        .iter()
        .filter_map(|s| s.domain.filter(|&d| d < domains).map(|d| (*s, d)))
        .collect();
    if labelled.is_empty() {
        return weights;
    }
    let balance = domain_weights(&labelled, domains, settings.domain_balance);
    let mut order: Vec<usize> = (0..labelled.len()).collect();
    let mut rng = SplitMix(settings.seed ^ 0xd0);
    let mut probabilities = vec![0f32; domains];
    for _ in 0..settings.epochs * 2 {
        rng.shuffle(&mut order);
        for &i in &order {
            let (sample, target) = labelled[i];
            for (d, p) in probabilities.iter_mut().enumerate() {
                let table = &weights[d * size..(d + 1) * size];
                *p = sample
                    .features
                    .global
                    .iter()
                    .map(|&(h, v)| table[(h & mask) as usize] * v)
                    .sum();
            }
            let max = probabilities
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max);
            let mut total = 0.0;
            for p in probabilities.iter_mut() {
                *p = (*p - max).exp();
                total += *p;
            }
            for (d, p) in probabilities.iter().enumerate() {
                let g = (p / total - if d == target { 1.0 } else { 0.0 }) * balance[target];
                for &(h, v) in &sample.features.global {
                    let j = d * size + (h & mask) as usize;
                    let grad = g * v + settings.l2 * weights[j];
                    squares[j] += grad * grad;
                    weights[j] -= settings.rate * grad / squares[j].sqrt();
                }
            }
        }
    }
    weights
}

/// Each domain's weight in the domain model's loss: `(mean / count) ^ power`, the mean
/// taken over the domains that have labelled texts (see [`Settings::domain_balance`]).
fn domain_weights(labelled: &[(&Sample, usize)], domains: usize, power: f32) -> Vec<f32> {
    let mut counts = vec![0usize; domains];
    for &(_, d) in labelled {
        counts[d] += 1;
    }
    let present = counts.iter().filter(|&&c| c > 0).count().max(1);
    let mean = labelled.len() as f32 / present as f32;
    counts
        .iter()
        .map(|&c| (mean / c.max(1) as f32).powf(power))
        .collect()
}

/// Assigns each item a fold in `0..k`, risk and neutral items spread evenly, reproducibly.
pub fn stratified_folds(labels: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut fold_of = vec![0; labels.len()];
    let mut rng = SplitMix(seed);
    for class in [true, false] {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut members);
        for (n, i) in members.into_iter().enumerate() {
            fold_of[i] = n % k;
        }
    }
    fold_of
}

/// SplitMix64: a tiny, stable generator (its output never changes with a crate version).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(features: &[u64], risk: bool, domain: Option<usize>) -> Sample {
        Sample {
            features: Bag {
                global: features.iter().map(|&h| (h, 1.0)).collect(),
                ..Bag::default()
            },
            risk,
            domain,
            rule_fired: false,
            police: true,
        }
    }

    #[test]
    fn learns_a_separable_signal_deterministically() {
        let mut samples = Vec::new();
        for i in 0..40u64 {
            samples.push(sample(&[1, 100 + i], true, Some((i % 2) as usize)));
            samples.push(sample(&[2, 200 + i], false, None));
        }
        // Domain signal: feature 3 for domain 1.
        for s in samples.iter_mut().filter(|s| s.domain == Some(1)) {
            s.features.global.push((3, 1.0));
        }
        let refs: Vec<&Sample> = samples.iter().collect();
        let settings = Settings {
            dims_log2: 10,
            domain_dims_log2: 8,
            ..Settings::default()
        };
        let domains = vec!["a".to_owned(), "b".to_owned()];
        let model = fit(&refs, domains.clone(), &settings, vec![]);
        let again = fit(&refs, domains, &settings, vec![]);
        assert_eq!(model.header, again.header);
        let mut buffer = crate::score::FeatureBuffer::new();
        let mut predict = |features: &[u64]| {
            crate::score::features::fill_for_test(&mut buffer, features);
            model.predict(&buffer)
        };
        let risky = predict(&[1, 3]);
        let calm = predict(&[2]);
        assert!(risky.score > model.header.threshold, "{risky:?}");
        assert!(calm.score < model.header.threshold, "{calm:?}");
        assert_eq!(risky.domain, 1);
        assert_eq!(predict(&[1]).domain, 0);
    }

    /// A text of `sentences` police sentences of neutral filler, with `signal` as one more.
    fn long_text(filler: u64, sentences: u64, signal: Option<u64>, risk: bool) -> Sample {
        let mut bag = Bag::default();
        bag.global.push((filler, 1.0));
        for n in 0..sentences {
            bag.instances.push((1000 + filler * 10 + n, 1.0));
            bag.ends.push(bag.instances.len());
        }
        if let Some(signal) = signal {
            bag.instances.push((signal, 1.0));
            bag.ends.push(bag.instances.len());
        }
        Sample {
            features: bag,
            risk,
            domain: risk.then_some(0),
            rule_fired: false,
            police: true,
        }
    }

    #[test]
    fn one_risky_sentence_in_a_long_text_is_learned_and_found() {
        // Risk texts and neutral ones share their filler; only one sentence of each risk
        // text carries the signal (hash 7).
        let mut samples = Vec::new();
        for i in 0..40 {
            samples.push(long_text(i % 5, 6, Some(7), true));
            samples.push(long_text(i % 5, 6, None, false));
            samples.push(long_text(i % 5, 6, Some(8), false));
        }
        let refs: Vec<&Sample> = samples.iter().collect();
        let settings = Settings {
            dims_log2: 12,
            domain_dims_log2: 8,
            instances: true,
            ..Settings::default()
        };
        let model = fit(&refs, vec!["a".to_owned()], &settings, vec![]);
        let mut buffer = crate::score::FeatureBuffer::new();
        let mut score = |sample: &Sample| {
            buffer.set_bag(&sample.features);
            model.predict(&buffer).score
        };
        // A longer text than any seen, the signal in its last sentence, still passes.
        let risky = score(&long_text(2, 12, Some(7), true));
        let calm = score(&long_text(2, 12, Some(8), false));
        assert!(risky > model.header.threshold, "{risky}");
        assert!(calm < model.header.threshold, "{calm}");
    }

    #[test]
    fn a_rare_domain_weighs_more_with_domain_balance() {
        // Domain 0: 60 texts, all with the shared cue 1. Domain 1: 3 texts with cue 1 and
        // their own cue 2. A text with both cues is domain 1's only when its few texts
        // count for more.
        let mut samples = Vec::new();
        for i in 0..60u64 {
            samples.push(sample(&[1, 100 + i], true, Some(0)));
        }
        for i in 0..3u64 {
            samples.push(sample(&[1, 2, 200 + i], true, Some(1)));
        }
        let refs: Vec<&Sample> = samples.iter().collect();
        let weights = |balance: f32| {
            let settings = Settings {
                domain_dims_log2: 10,
                epochs: 2,
                domain_balance: balance,
                ..Settings::default()
            };
            fit_domains(&refs, 2, &settings)
        };
        let margin = |w: &[f32], d: usize| {
            let table = &w[d * 1024..(d + 1) * 1024];
            table[1] + table[2]
        };
        let plain = weights(0.0);
        let balanced = weights(1.0);
        let lead = |w: &[f32]| margin(w, 1) - margin(w, 0);
        assert!(
            lead(&balanced) > lead(&plain),
            "{} vs {}",
            lead(&balanced),
            lead(&plain)
        );
        assert!(lead(&balanced) > 0.0, "{}", lead(&balanced));
        let labelled: Vec<(&Sample, usize)> =
            refs.iter().map(|s| (*s, s.domain.unwrap())).collect();
        let w = domain_weights(&labelled, 3, 1.0);
        assert!(
            (w[0] - 31.5 / 60.0).abs() < 1e-5 && (w[1] - 31.5 / 3.0).abs() < 1e-4,
            "{w:?}"
        );
        assert_eq!(domain_weights(&labelled, 3, 0.0)[..2], [1.0, 1.0]);
    }

    #[test]
    fn bagging_averages_fits_on_reshuffled_orders_deterministically() {
        let mut samples = Vec::new();
        for i in 0..30u64 {
            samples.push(sample(&[1, 100 + i % 7], true, None));
            samples.push(sample(&[2, 100 + i % 5], false, None));
        }
        let refs: Vec<&Sample> = samples.iter().collect();
        let single = Settings {
            dims_log2: 10,
            bags: 1,
            ..Settings::default()
        };
        let bagged = Settings {
            bags: 3,
            ..single.clone()
        };
        let weights = fit_risk(&refs, &bagged);
        assert_eq!(weights, fit_risk(&refs, &bagged), "same seed, same model");
        let fits: Vec<Vec<f32>> = (0..3)
            .map(|b| {
                let reseeded = Settings {
                    seed: bag_seed(single.seed, b),
                    ..single.clone()
                };
                fit_risk(&refs, &reseeded)
            })
            .collect();
        assert_ne!(fits[0], fits[1], "each bag sees another order");
        for (j, w) in weights.iter().enumerate() {
            let mean = fits.iter().map(|f| f[j]).sum::<f32>() / 3.0;
            assert!((w - mean).abs() < 1e-6, "weight {j}: {w} vs {mean}");
        }
        // Still a model of the signal: risk's feature up, neutral's down.
        assert!(weights[1] > 0.0 && weights[2] < 0.0);
    }

    #[test]
    fn threshold_maximizes_f1_of_rules_or_score() {
        // Two risk texts a rule caught, one risk at 0.6, a neutral at 0.4 and at 0.7.
        let mut scored = vec![
            (0.1, true, true),
            (0.2, true, true),
            (0.6, true, false),
            (0.4, false, false),
            (0.7, false, false),
        ];
        let t = best_threshold(&mut scored);
        assert!(t > 0.4 && t <= 0.6, "{t}");
    }

    #[test]
    fn folds_are_stratified() {
        let labels: Vec<bool> = (0..100).map(|i| i % 10 == 0).collect();
        let folds = stratified_folds(&labels, 5, 1);
        for f in 0..5 {
            let risk = (0..100).filter(|&i| folds[i] == f && labels[i]).count();
            assert_eq!(risk, 2);
        }
    }
}
