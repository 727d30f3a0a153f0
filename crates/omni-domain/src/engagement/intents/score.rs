//! Scoring: the weight each intent collects from the matched keywords and phrases, the
//! one-typo second pass, and the softmax-style confidence against the "unknown" baseline.

use super::Intent;
use super::extract::{Role, Token};
use super::lexicon::Lexicon;
use super::text::{doubled_letter, within_one_edit};

/// Scores at or below this are "not recognised"; it is also the unknown class's logit.
pub(super) const BASELINE: f32 = 1.5;
/// Softmax temperature: higher makes confidences sharper.
const SHARPNESS: f32 = 1.5;
/// An order number in the text adds this much to [`Intent::OrderStatus`].
pub(super) const ORDER_NUMBER_BOOST: f32 = 1.5;
/// A keyword matched with one typo counts this share of its weight.
const TYPO_FACTOR: f32 = 0.8;

/// Scored intents, in score-array order ([`Intent::Unknown`] is the baseline, not scored).
pub(super) const SCORED: [Intent; 7] = [
    Intent::OrderStatus,
    Intent::StoreHours,
    Intent::StockNearby,
    Intent::ReturnPolicy,
    Intent::PointsBalance,
    Intent::Human,
    Intent::Greeting,
];
/// The greeting's index in [`Scores`] (it never competes with a request).
pub(super) const GREETING: usize = 6;
/// One score per [`SCORED`] intent.
pub(super) type Scores = [f32; 7];

/// The index of `i` in [`Scores`].
pub(super) fn slot(i: Intent) -> usize {
    SCORED.iter().position(|x| *x == i).unwrap_or(GREETING)
}

/// Adds a keyword's weights to the running scores.
pub(super) fn add(scores: &mut Scores, w: &Scores) {
    for (s, w) in scores.iter_mut().zip(w) {
        *s += w;
    }
}

/// The best task intent (everything but the greeting) and its score.
pub(super) fn best_task(scores: &Scores) -> (usize, f32) {
    let mut best = (0, f32::MIN);
    for (i, s) in scores.iter().enumerate().take(GREETING) {
        if *s > best.1 {
            best = (i, *s);
        }
    }
    best
}

/// Softmax over the scored intents and the unknown baseline. A greeting next to a request
/// ("hi, where is my order") does not compete with the request.
pub(super) fn confidence(scores: &Scores, intent: Intent) -> f32 {
    let with_greeting = matches!(intent, Intent::Greeting | Intent::Unknown);
    let mut z = (SHARPNESS * BASELINE).exp();
    for (i, s) in scores.iter().enumerate() {
        if i != GREETING || with_greeting {
            z += (SHARPNESS * s).exp();
        }
    }
    let chosen = match intent {
        Intent::Unknown => BASELINE,
        i => scores[slot(i)],
    };
    ((SHARPNESS * chosen).exp() / z).clamp(0.0, 1.0)
}

/// Keywords with one typo ("мгазин", "odrer"), tried only when nothing matched outright.
pub(super) fn typo_pass(lex: &Lexicon, toks: &mut [Token<'_>], scores: &mut Scores) {
    for t in toks.iter_mut() {
        let len = t.stem.chars().count();
        if t.role != Role::Content || len < 3 {
            continue;
        }
        let hit = lex.words.iter().find(|(k, _)| {
            (len >= 5 && k.chars().count() >= 5 && within_one_edit(k, t.stem))
                || doubled_letter(k, t.stem)
        });
        if let Some((_, w)) = hit {
            for (s, w) in scores.iter_mut().zip(w) {
                *s += w * TYPO_FACTOR;
            }
            t.role = Role::Keyword;
        }
    }
}
