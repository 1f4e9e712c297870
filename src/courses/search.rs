//! Catalogue search that forgives: accents, case and punctuation are ignored on both engines
//! (one normalisation in Rust, stored in `courses.search_text`, see migration 0018), and the
//! words are looked up in a full-text index over that column (migration 0026: FTS5 on SQLite,
//! a `tsvector` with a GIN index on PostgreSQL), each query word as a prefix so a word being
//! typed already matches ("resea" finds "Réseaux"). PostgreSQL uses the `simple`
//! configuration, not `french`: the text is already lower-case and accent-free (no `unaccent`
//! extension needed), and without stemming both engines find the same courses; "réseau",
//! "reseaux" and "Réseaux" still meet, the singular as a prefix of the plural and the plural
//! one letter away from the singular. When the index finds nothing, the query's words are
//! compared with the index's vocabulary (the distinct words, not every course): a word inside
//! a longer one, or one with a missing, doubled, swapped or wrong letter ("entreprenariat" →
//! "Entrepreneuriat") becomes the words it stands for, and the index is asked again.

use crate::db::Engine;

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
/// category, each between spaces (`" reseaux informatiques "`), which the full-text index
/// reads word by word. (Not the description: the demo's, and many trainers', share whole
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

/// How a word of the index stands for a query word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closeness {
    /// The query word is part of it ("seau" in "reseaux").
    Exact,
    /// Within [`tolerance`] edits of it or of its beginning (a word being typed).
    Approximate,
}

/// Whether `word` (a word of the index) stands for the query word `q`, and how.
pub fn closeness(q: &str, word: &str) -> Option<Closeness> {
    if word.contains(q) {
        return Some(Closeness::Exact);
    }
    let k = tolerance(q.len());
    let (q, w) = (q.as_bytes(), word.as_bytes());
    let close = k > 0
        && w.len() + k >= q.len()
        && (distance_within(q, w, k)
            || (w.len() > q.len() + 1 && distance_within(q, &w[..q.len() + 1], k))
            || (w.len() > q.len() && distance_within(q, &w[..q.len()], k)));
    close.then_some(Closeness::Approximate)
}

/// The words of the index each query word stands for: `exact` (it is part of them) and
/// `close` (a letter or two away). A course matches the query when, for every query word, it
/// holds one of that word's alternatives.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Alternatives {
    pub exact: Vec<String>,
    pub close: Vec<String>,
}

/// The [`Alternatives`] of every query word among `vocabulary`, in the query's order.
pub fn alternatives(query: &[String], vocabulary: &[String]) -> Vec<Alternatives> {
    query
        .iter()
        .map(|q| {
            let mut found = Alternatives::default();
            for word in vocabulary {
                match closeness(q, word) {
                    Some(Closeness::Exact) => found.exact.push(word.clone()),
                    Some(Closeness::Approximate) => found.close.push(word.clone()),
                    None => {}
                }
            }
            found
        })
        .collect()
}

/// The index query for `engine` that finds every query word as the beginning of a word, all
/// of them required: FTS5 `"reseau"* AND "info"*`, PostgreSQL `reseau:* & info:*`. Words
/// are lower-case ASCII letters and digits ([`words`]), so they need no escaping beyond the
/// quotes FTS5 takes.
pub fn prefix_query(engine: Engine, query: &[String]) -> String {
    let terms = query.iter().map(|w| match engine {
        Engine::Sqlite => format!("\"{w}\"*"),
        Engine::Postgres => format!("{w}:*"),
    });
    join(engine, terms)
}

/// The index query for `engine` that requires, for every group, one of its words (whole
/// words: they come from the index's vocabulary): FTS5 `("a" OR "b") AND ("c")`,
/// PostgreSQL `(a | b) & (c)`. `None` when a group is empty (nothing can match).
pub fn any_of_query(engine: Engine, groups: &[Vec<&str>]) -> Option<String> {
    if groups.is_empty() || groups.iter().any(Vec::is_empty) {
        return None;
    }
    let (or, quote) = match engine {
        Engine::Sqlite => (" OR ", "\""),
        Engine::Postgres => (" | ", ""),
    };
    let terms = groups.iter().map(|group| {
        let words: Vec<String> = group.iter().map(|w| format!("{quote}{w}{quote}")).collect();
        format!("({})", words.join(or))
    });
    Some(join(engine, terms))
}

/// Terms joined by the engine's AND.
fn join(engine: Engine, terms: impl Iterator<Item = String>) -> String {
    let and = match engine {
        Engine::Sqlite => " AND ",
        Engine::Postgres => " & ",
    };
    terms.collect::<Vec<_>>().join(and)
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

    /// Whether the course whose `search_text` is `text` matches the approximate pass: every
    /// query word stands for one of its words.
    fn fuzzy_matches(query: &[String], text: &str) -> bool {
        let vocabulary: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
        !query.is_empty()
            && alternatives(query, &vocabulary)
                .iter()
                .all(|a| !a.exact.is_empty() || !a.close.is_empty())
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
    fn a_word_inside_another_is_exact_and_a_letter_away_approximate() {
        assert_eq!(closeness("seau", "reseaux"), Some(Closeness::Exact));
        assert_eq!(closeness("reseaux", "reseau"), Some(Closeness::Approximate));
        assert_eq!(closeness("matadi", "matadi"), Some(Closeness::Exact));
        assert_eq!(closeness("maddi", "matadi"), None);
        assert_eq!(closeness("pur", "pour"), None);
        let vocabulary: Vec<String> = ["reseau", "reseaux", "sociaux", "python"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            alternatives(&q("eseau pithon"), &vocabulary),
            [
                Alternatives {
                    exact: vec!["reseau".into(), "reseaux".into()],
                    close: vec![],
                },
                Alternatives {
                    exact: vec![],
                    close: vec!["python".into()],
                },
            ]
        );
    }

    #[test]
    fn index_queries_take_prefixes_or_alternatives_on_both_engines() {
        let words = q("Réseaux info");
        assert_eq!(
            prefix_query(Engine::Sqlite, &words),
            "\"reseaux\"* AND \"info\"*"
        );
        assert_eq!(prefix_query(Engine::Postgres, &words), "reseaux:* & info:*");
        let groups = [vec!["reseau", "reseaux"], vec!["python"]];
        assert_eq!(
            any_of_query(Engine::Sqlite, &groups).as_deref(),
            Some("(\"reseau\" OR \"reseaux\") AND (\"python\")")
        );
        assert_eq!(
            any_of_query(Engine::Postgres, &groups).as_deref(),
            Some("(reseau | reseaux) & (python)")
        );
        assert_eq!(any_of_query(Engine::Sqlite, &[vec!["a"], vec![]]), None);
        assert_eq!(any_of_query(Engine::Postgres, &[]), None);
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
