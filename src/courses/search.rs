//! Catalogue search that forgives: accents, case and punctuation are ignored on both engines
//! (one normalisation in Rust, stored in `courses.search_text`, see migration 0018), and when
//! nothing matches exactly, a word with a missing, doubled, swapped or wrong letter still finds
//! its course ("entreprenariat" → "Entrepreneuriat") through an edit distance computed here
//! over the (small) set of published courses.

/// The words of `text`, lower-case ASCII: accents and ligatures transliterated with the same
/// `slug`/`deunicode` transliteration as the platform's slugs ("Réseaux & Économie" →
/// `["reseaux", "economie"]`); anything that is not a letter or digit separates words.
pub fn words(text: &str) -> Vec<String> {
    slug::slugify(text)
        .split('-')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What `courses.search_text` holds for a course: the words of its title, summary and
/// category, each between spaces (`" reseaux informatiques "`), so a word can be matched
/// anywhere with LIKE. (Not the description: the demo's, and many trainers', share whole
/// paragraphs, which would make every course match their words.)
pub fn search_text(title: &str, summary: &str, category: &str) -> String {
    let mut out = String::from(" ");
    for part in [title, summary, category] {
        for word in words(part) {
            out.push_str(&word);
            out.push(' ');
        }
    }
    out
}

/// The query's words, at most [`MAX_QUERY_WORDS`] of them (the rest of a long query is ignored).
pub fn query_words(q: &str) -> Vec<String> {
    let mut w = words(q);
    w.truncate(MAX_QUERY_WORDS);
    w
}

/// Words of a query taken into account.
pub const MAX_QUERY_WORDS: usize = 8;

/// How many letters may differ for a query word of `len` letters: none under 4 letters (too
/// many short words are one letter apart), one up to 7, two from 8 ("entreprenariat" is two
/// edits from "entrepreneuriat").
fn tolerance(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether every query word is found in `text` (a `search_text`), exactly as a part of a word
/// or, for words of 4 letters or more, within [`tolerance`] edits of a word of the text or of
/// its beginning (a word being typed).
pub fn fuzzy_matches(query: &[String], text: &str) -> bool {
    if query.is_empty() {
        return false;
    }
    let text_words: Vec<&str> = text.split_whitespace().collect();
    query.iter().all(|q| {
        if text_words.iter().any(|w| w.contains(q.as_str())) {
            return true;
        }
        let k = tolerance(q.len());
        if k == 0 {
            return false;
        }
        let q = q.as_bytes();
        text_words.iter().any(|w| {
            let w = w.as_bytes();
            if w.len() + k < q.len() {
                return false;
            }
            distance_within(q, w, k)
                || (w.len() > q.len() + 1 && distance_within(q, &w[..q.len() + 1], k))
                || (w.len() > q.len() && distance_within(q, &w[..q.len()], k))
        })
    })
}

/// Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps)
/// between ASCII words, `true` when it is at most `k`.
fn distance_within(a: &[u8], b: &[u8], k: usize) -> bool {
    if a.len().abs_diff(b.len()) > k {
        return false;
    }
    let width = b.len() + 1;
    let mut prev2: Vec<usize> = vec![0; width];
    let mut prev: Vec<usize> = (0..width).collect();
    let mut cur: Vec<usize> = vec![0; width];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > k {
            return false;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Vec<String> {
        query_words(s)
    }

    #[test]
    fn accents_case_and_punctuation_are_ignored() {
        assert_eq!(
            words("Réseaux & ÉCONOMIE, l'œuvre"),
            ["reseaux", "economie", "l", "oeuvre"]
        );
        assert_eq!(
            search_text("Réseaux informatiques", "Les bases", "Réseaux"),
            " reseaux informatiques les bases reseaux "
        );
        assert!(words("!!!").is_empty());
    }

    #[test]
    fn a_missing_doubled_or_wrong_letter_is_forgiven_on_long_enough_words() {
        let text = search_text(
            "Entrepreneuriat pour tous",
            "Créer son entreprise",
            "Économie",
        );
        assert!(fuzzy_matches(&q("entreprenariat"), &text));
        assert!(fuzzy_matches(&q("economi"), &text));
        assert!(fuzzy_matches(&q("econnomie"), &text));
        assert!(fuzzy_matches(&q("ecnoomie"), &text));
        assert!(fuzzy_matches(&q("entreprenneur"), &text));
        assert!(fuzzy_matches(&q("creer entrprise"), &text));
        // Every word must be found; short words must be exact; unrelated words do not match.
        assert!(!fuzzy_matches(&q("creer cuisine"), &text));
        assert!(!fuzzy_matches(&q("pur"), &text));
        assert!(!fuzzy_matches(&q("jardinage"), &text));
        assert!(!fuzzy_matches(&q(""), &text));
    }

    #[test]
    fn distance_counts_edits() {
        assert!(distance_within(b"abc", b"abc", 0));
        assert!(distance_within(b"abcd", b"abdc", 1));
        assert!(distance_within(b"reseaux", b"reseau", 1));
        assert!(!distance_within(b"reseaux", b"resa", 2));
        assert!(distance_within(b"entreprenariat", b"entrepreneuriat", 2));
        assert!(!distance_within(b"entreprenariat", b"entrepreneuriat", 1));
        assert!(distance_within(b"", b"ab", 2));
    }
}
