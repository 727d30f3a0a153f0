//! Words as the recogniser compares them: normalisation, language detection, a light
//! Russian/English stemmer, and the one-edit and doubled-letter typo tests.

use super::Lang;

/// Lower case, `ё`→`е`, apostrophes dropped ("what's" → "whats"), other punctuation → space.
pub(super) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\'' || c == '’' {
            continue;
        }
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                out.push(if l == 'ё' { 'е' } else { l });
            }
        } else {
            out.push(' ');
        }
    }
    out
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

pub(super) fn detect_lang(norm: &str) -> Lang {
    let (mut ru, mut en) = (0usize, 0usize);
    for c in norm.chars() {
        if is_cyrillic(c) {
            ru += 1;
        } else if c.is_ascii_alphabetic() {
            en += 1;
        }
    }
    if en > ru { Lang::En } else { Lang::Ru }
}

/// A word's stem: Russian words lose one inflectional ending (and a reflexive `-ся`), English
/// ones `-ing`/`-ed`/`-s` and a final `e`. Light on purpose: only forms of the same word need
/// to meet, and keywords are stemmed by the same function.
pub(super) fn stem(w: &str) -> &str {
    if w.chars().any(is_cyrillic) {
        stem_ru(w)
    } else if w.bytes().all(|b| b.is_ascii_lowercase()) {
        stem_en(w)
    } else {
        w
    }
}

const RU_ENDINGS: [&str; 81] = [
    "аете", "яете", //
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ает", "яет", "ают", "яют", "ать",
    "ять", "еть", "ить", "уть", "ешь", "ишь", "ете", "ите", "ала", "али", "ало", "ила", "или",
    "ило", "ела", "ели", "ело", "ует", "уют", //
    "ам", "ям", "ах", "ях", "ов", "ев", "ей", "ой", "ом", "ем", "ый", "ий", "ая", "яя", "ое", "ее",
    "ые", "ие", "ую", "юю", "ых", "их", "ым", "им", "ет", "ют", "ут", "ят", "ат", "ит", "ал", "ил",
    "ел", "ть", "ия", "ию", "ии", //
    "а", "я", "о", "е", "ы", "и", "у", "ю", "ь", "й",
];

fn stem_ru(w: &str) -> &str {
    let mut s = w;
    for refl in ["ся", "сь"] {
        if let Some(r) = s.strip_suffix(refl)
            && r.chars().count() >= 4
        {
            s = r;
            break;
        }
    }
    for end in RU_ENDINGS {
        if let Some(r) = s.strip_suffix(end)
            && r.chars().count() >= 3
        {
            return r;
        }
    }
    s
}

fn stem_en(w: &str) -> &str {
    let mut s = w;
    for end in ["ing", "ed"] {
        if let Some(r) = s.strip_suffix(end)
            && r.len() >= 3
        {
            s = r;
            break;
        }
    }
    if s.len() == w.len()
        && let Some(r) = s.strip_suffix('s')
        && r.len() >= 3
        && !r.ends_with(['s', 'u', 'i'])
    {
        s = r;
    }
    match s.strip_suffix('e') {
        Some(r) if r.len() >= 3 => r,
        _ => s,
    }
}
/// A word's characters on the stack (longer words are never typo-matched).
fn chars(s: &str) -> Option<([char; 24], usize)> {
    let mut buf = ['\0'; 24];
    let mut n = 0;
    for c in s.chars() {
        *buf.get_mut(n)? = c;
        n += 1;
    }
    Some((buf, n))
}

/// Optimal string alignment distance ≤ 1 (one insertion, deletion, substitution or swap).
pub(super) fn within_one_edit(a: &str, b: &str) -> bool {
    if a.len().abs_diff(b.len()) > 4 {
        return false;
    }
    let (Some((a, na)), Some((b, nb))) = (chars(a), chars(b)) else {
        return false;
    };
    let (a, b) = (&a[..na], &b[..nb]);
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match (a.len(), b.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            a[1..] == b[1..] || (x >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        (x, y) if x > y => a[1..] == *b,
        _ => b[1..] == *a,
    }
}

/// One word is the other with a letter doubled or undoubled ("балов" for "баллов").
pub(super) fn doubled_letter(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 4 {
        return false;
    }
    let (Some((l, nl)), Some((s, ns))) = (chars(long), chars(short)) else {
        return false;
    };
    let (long, short) = (&l[..nl], &s[..ns]);
    if long.len() != short.len() + 1 {
        return false;
    }
    let prefix = long.iter().zip(short).take_while(|(x, y)| x == y).count();
    prefix > 0 && long[prefix] == long[prefix - 1] && long[prefix + 1..] == short[prefix..]
}
