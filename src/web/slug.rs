//! URL slugs of titles and category names: one transliteration (`slug`/`deunicode`) for the
//! whole platform, so "Éducation" gives the same slug in the catalogue, the forum and the demo.

/// Longest slug, in characters (the `slug` columns hold more; URLs stay readable).
pub const MAX_LEN: usize = 120;

/// Lower-case ASCII slug: accents and ligatures transliterated, anything else becomes one `-`,
/// no `-` at either end, at most [`MAX_LEN`] characters; empty when nothing is left.
pub fn slugify(text: &str) -> String {
    let slug = slug::slugify(text);
    if slug.len() <= MAX_LEN {
        return slug;
    }
    // The slug is ASCII, so byte and character counts agree.
    slug[..MAX_LEN].trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_punctuation_become_a_plain_slug() {
        assert_eq!(slugify("Bureautique & Office"), "bureautique-office");
        assert_eq!(
            slugify("  Éducation à l'économie "),
            "education-a-l-economie"
        );
        assert_eq!(slugify("Entraide générale !"), "entraide-generale");
        assert_eq!(
            slugify("Développement Web : les bases"),
            "developpement-web-les-bases"
        );
        assert_eq!(slugify("  Œuvre & Ça  "), "oeuvre-ca");
        assert_eq!(slugify("Rust 2024!"), "rust-2024");
    }

    #[test]
    fn nothing_left_gives_an_empty_slug() {
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify("«»"), "");
    }

    #[test]
    fn long_titles_are_cut_without_a_trailing_dash() {
        assert_eq!(slugify(&"a".repeat(300)).len(), MAX_LEN);
        let cut = slugify(&"ab ".repeat(100));
        assert!(cut.len() <= MAX_LEN && !cut.ends_with('-'), "{cut}");
    }
}
