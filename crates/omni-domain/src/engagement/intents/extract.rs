//! Tokens and slots: each word tagged with its role (keyword, city, order number, size,
//! function word or content), the order number and city picked up on the way, and the run of
//! content words that names a product or a store.

use super::lexicon::Lexicon;
use super::score::{Scores, add};
use super::text::stem;

/// Longer messages are cut here; nobody asks where their order is in an essay.
const MAX_TOKENS: usize = 64;

/// What a word is to the recogniser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Content,
    Keyword,
    Stop,
    City,
    OrderNumber,
    Size,
}

/// One word of the message: as written (normalised), its stem and its role.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub(super) raw: &'a str,
    pub(super) stem: &'a str,
    pub(super) role: Role,
}

/// The message's words (the first [`MAX_TOKENS`]), each with its stem, all content so far.
pub(super) fn tokenize(norm: &str) -> Vec<Token<'_>> {
    let mut toks: Vec<Token<'_>> = Vec::with_capacity(16);
    for raw in norm.split_whitespace().take(MAX_TOKENS) {
        toks.push(Token {
            raw,
            stem: stem(raw),
            role: Role::Content,
        });
    }
    toks
}

/// Tags every token with its role and adds the weights of the keywords (each stem once) and
/// two-word phrases to `scores`; returns the first order number and the first known city.
pub(super) fn scan<'a>(
    lex: &Lexicon,
    toks: &mut [Token<'a>],
    scores: &mut Scores,
) -> (Option<&'a str>, Option<&'static str>) {
    let mut order_number = None;
    let mut city = None;
    for i in 0..toks.len() {
        let (raw, st) = (toks[i].raw, toks[i].stem);
        let first = !toks[..i].iter().any(|t| t.stem == st);
        if let Some(w) = lex.words.get(st) {
            if first {
                add(scores, w);
            }
            toks[i].role = Role::Keyword;
        }
        if let Some(c) = lex.cities.get(st) {
            city.get_or_insert(*c);
            toks[i].role = Role::City;
        }
        if raw.bytes().all(|b| b.is_ascii_digit()) {
            if (5..=10).contains(&raw.len()) {
                order_number.get_or_insert(raw);
                toks[i].role = Role::OrderNumber;
            } else if raw.len() <= 3 {
                toks[i].role = Role::Size;
            }
        }
        if toks[i].role == Role::Content && lex.stop.contains_key(raw) {
            toks[i].role = Role::Stop;
        }
        if let Some(pairs) = lex.pairs.get(st) {
            // The second word may follow at once or after one other ("send it back").
            let next = |k: usize| toks.get(i + k).map_or("", |t| t.stem);
            let (a, b) = (next(1), next(2));
            for (second, w) in pairs {
                if second == a || second == b {
                    add(scores, w);
                }
            }
        }
    }
    (order_number, city)
}

/// The first contiguous run of words that are neither keywords nor function words nor slots:
/// what the customer names ("есть ли **кроссовки nike** 42 в наличии").
pub(super) fn content_run(toks: &[Token<'_>]) -> Option<String> {
    let start = toks.iter().position(|t| t.role == Role::Content)?;
    let mut out = String::new();
    for t in &toks[start..] {
        match t.role {
            Role::Content => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(t.raw);
            }
            Role::Size => {}
            _ => break,
        }
    }
    Some(out)
}
