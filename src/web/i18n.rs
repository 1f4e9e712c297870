//! Message catalogues (French by default, English available) and the request's locale.

use std::collections::HashMap;

use anyhow::{Context, bail};
use rust_embed::RustEmbed;
use serde::Serialize;

/// `locales/<lang>/<feature>.toml`: one file per feature and language, merged at start-up.
#[derive(RustEmbed)]
#[folder = "locales/"]
struct Catalogues;

/// A language the interface is available in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    Fr,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// Both catalogues, flattened to `section.key` → text. A key with plural forms is stored as
/// `key.one` and `key.other` (a TOML table `[section.key] one = "…" other = "…"`).
#[derive(Debug)]
pub struct I18n {
    fr: HashMap<String, String>,
    en: HashMap<String, String>,
}

/// The plural category of a count (CLDR's "one" and "other"; our two languages need no more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluralForm {
    One,
    Other,
}

impl PluralForm {
    /// French counts 0 and 1 as singular ("0 cours trouvé", "1,5 heure"); English only 1.
    pub fn of(locale: Locale, n: f64) -> Self {
        let one = match locale {
            Locale::Fr => (0.0..2.0).contains(&n.abs()),
            Locale::En => n == 1.0,
        };
        if one { Self::One } else { Self::Other }
    }

    fn suffix(self) -> &'static str {
        match self {
            Self::One => "one",
            Self::Other => "other",
        }
    }
}

impl I18n {
    /// Loads the catalogues embedded in the binary; both languages must hold the same keys
    /// (plural forms included), and French gets its non-breaking spaces here.
    pub fn load() -> anyhow::Result<Self> {
        let fr = load_language("fr")?
            .into_iter()
            .map(|(k, v)| (k, typography(Locale::Fr, &v)))
            .collect::<HashMap<_, _>>();
        let en = load_language("en")?
            .into_iter()
            .map(|(k, v)| (k, typography(Locale::En, &v)))
            .collect::<HashMap<_, _>>();
        let missing: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
        let extra: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            bail!(
                "catalogues fr/en différents : manquent en anglais {missing:?}, en trop {extra:?}"
            );
        }
        Ok(Self { fr, en })
    }

    fn map(&self, locale: Locale) -> &HashMap<String, String> {
        match locale {
            Locale::Fr => &self.fr,
            Locale::En => &self.en,
        }
    }

    /// The text of `key` in `locale`; the key itself when unknown (visible, never a crash).
    pub fn t<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        self.map(locale).get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text of `key` with `{name}` placeholders replaced.
    pub fn format(&self, locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
        interpolate(self.t(locale, key), args)
    }

    /// The form of `key` for `count` in `locale`, when the key has plural forms.
    pub fn plural_text(&self, locale: Locale, key: &str, count: f64) -> Option<&str> {
        let map = self.map(locale);
        let form = PluralForm::of(locale, count);
        map.get(&format!("{key}.{}", form.suffix()))
            .or_else(|| map.get(&format!("{key}.other")))
            .map(String::as_str)
    }

    /// The form of `key` for `n` with `{count}` and the other `{name}` placeholders filled
    /// ("1 cours trouvé", "12 cours trouvés"); a key without plural forms is used as is.
    pub fn plural(&self, locale: Locale, key: &str, n: i64, args: &[(&str, &str)]) -> String {
        let text = self
            .plural_text(locale, key, n as f64)
            .unwrap_or_else(|| self.t(locale, key));
        let count = n.to_string();
        let mut all = vec![("count", count.as_str())];
        all.extend_from_slice(args);
        interpolate(text, &all)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.fr.contains_key(key)
    }
}

/// Replaces each `{name}` in `text` by its value in `args`.
pub fn interpolate(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// Units written after a number (or a `{placeholder}` holding one).
/// (No one-letter unit that starts French words with an apostrophe, such as `s` or `j`.)
const UNITS: [&str; 11] = [
    "%", "h", "min", "Ko", "Mo", "Go", "KB", "MB", "GB", "FC", "$US",
];

/// Typography applied once to every catalogue text, so no string has to remember it: in both
/// languages a number (or a `{placeholder}`) and its unit are held together by a non-breaking
/// space (`7 h`, `100 %`, `12 Mo`); in French a non-breaking space also comes before `: ; ! ?`
/// and `»` and after `«`. Only spaces change, so placeholders and URLs stay intact.
pub fn typography(locale: Locale, text: &str) -> String {
    const NBSP: char = '\u{a0}';
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c != ' ' {
            out.push(c);
            continue;
        }
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let french = locale == Locale::Fr
            && (matches!(after, Some(':' | ';' | '!' | '?' | '»')) || before == Some('«'));
        let unit = matches!(before, Some(b) if b.is_ascii_digit() || b == '}')
            && UNITS.iter().any(|unit| {
                let rest: String = chars[i + 1..]
                    .iter()
                    .take(unit.chars().count() + 1)
                    .collect();
                rest.strip_prefix(unit)
                    .is_some_and(|end| end.chars().all(|e| !e.is_alphanumeric()))
            });
        out.push(if french || unit { NBSP } else { ' ' });
    }
    out
}

fn load_language(lang: &str) -> anyhow::Result<HashMap<String, String>> {
    let mut all = HashMap::new();
    let prefix = format!("{lang}/");
    for name in Catalogues::iter().filter(|n| n.starts_with(&prefix) && n.ends_with(".toml")) {
        let file = Catalogues::get(&name).context("catalogue vanished")?;
        let source = std::str::from_utf8(&file.data).with_context(|| format!("locales/{name}"))?;
        let entries = flatten(source).with_context(|| format!("locales/{name}"))?;
        for (key, text) in entries {
            if all.insert(key.clone(), text).is_some() {
                bail!("locales/{name} : la clé {key} est déjà définie dans un autre fichier");
            }
        }
    }
    Ok(all)
}

fn flatten(source: &str) -> anyhow::Result<HashMap<String, String>> {
    let table: toml::Table = toml::from_str(source)?;
    let mut out = HashMap::new();
    fn walk(
        prefix: &str,
        table: &toml::Table,
        out: &mut HashMap<String, String>,
    ) -> anyhow::Result<()> {
        for (key, value) in table {
            let full = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::String(s) => {
                    out.insert(full, s.clone());
                }
                // A plural key is a table of forms (`one`, `other`): its entries become
                // `key.one` and `key.other`, so the fr/en key check covers them too.
                toml::Value::Table(t) => walk(&full, t, out)?,
                other => bail!("{full} : chaîne attendue, reçu {other}"),
            }
        }
        Ok(())
    }
    walk("", &table, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_load_with_the_same_keys() {
        let i18n = I18n::load().expect("catalogues are valid");
        assert_eq!(
            i18n.t(Locale::Fr, "site.slogan"),
            "Apprendre ici, réussir partout."
        );
        assert_ne!(i18n.t(Locale::En, "site.slogan"), "site.slogan");
    }

    #[test]
    fn unknown_keys_show_themselves_and_placeholders_are_filled() {
        let i18n = I18n::load().expect("catalogues are valid");
        assert_eq!(i18n.t(Locale::Fr, "no.such.key"), "no.such.key");
        assert_eq!(
            interpolate("Bonjour {name} !", &[("name", "Jess")]),
            "Bonjour Jess !"
        );
    }

    #[test]
    fn french_counts_zero_and_one_as_singular_and_english_only_one() {
        assert_eq!(PluralForm::of(Locale::Fr, 0.0), PluralForm::One);
        assert_eq!(PluralForm::of(Locale::Fr, 1.0), PluralForm::One);
        assert_eq!(PluralForm::of(Locale::Fr, 1.5), PluralForm::One);
        assert_eq!(PluralForm::of(Locale::Fr, 2.0), PluralForm::Other);
        assert_eq!(PluralForm::of(Locale::Fr, 12.0), PluralForm::Other);
        assert_eq!(PluralForm::of(Locale::En, 0.0), PluralForm::Other);
        assert_eq!(PluralForm::of(Locale::En, 1.0), PluralForm::One);
        assert_eq!(PluralForm::of(Locale::En, 2.0), PluralForm::Other);
    }

    #[test]
    fn a_plural_key_picks_its_form_from_the_count() {
        let i18n = I18n::load().expect("catalogues are valid");
        assert_eq!(
            i18n.plural(Locale::Fr, "catalogue.count", 0, &[]),
            "0 cours trouvé"
        );
        assert_eq!(
            i18n.plural(Locale::Fr, "catalogue.count", 1, &[]),
            "1 cours trouvé"
        );
        assert_eq!(
            i18n.plural(Locale::Fr, "catalogue.count", 12, &[]),
            "12 cours trouvés"
        );
        assert_eq!(
            i18n.plural(Locale::En, "catalogue.count", 1, &[]),
            "1 course found"
        );
        assert_eq!(
            i18n.plural(Locale::En, "catalogue.count", 0, &[]),
            "0 courses found"
        );
    }

    #[test]
    fn no_catalogue_text_hedges_a_plural_with_parentheses() {
        let i18n = I18n::load().expect("catalogues are valid");
        for (key, text) in i18n.fr.iter().chain(i18n.en.iter()) {
            assert!(!text.contains("(s)"), "{key}: {text}");
        }
    }

    #[test]
    fn french_punctuation_and_units_get_a_non_breaking_space() {
        assert_eq!(
            typography(Locale::Fr, "Score : {percent} % ; « bravo » ! Fini ?"),
            "Score\u{a0}: {percent}\u{a0}%\u{a0}; «\u{a0}bravo\u{a0}»\u{a0}! Fini\u{a0}?"
        );
        assert_eq!(typography(Locale::Fr, "{size} Mo"), "{size}\u{a0}Mo");
        assert_eq!(typography(Locale::Fr, "7 h 30 min"), "7\u{a0}h 30\u{a0}min");
        assert_eq!(typography(Locale::En, "{size} MB"), "{size}\u{a0}MB");
        // English keeps its punctuation; a unit-like word start is not a unit.
        assert_eq!(typography(Locale::En, "Done : ok ?"), "Done : ok ?");
        assert_eq!(typography(Locale::Fr, "{count} sujets"), "{count} sujets");
        assert_eq!(typography(Locale::Fr, "{count} heures"), "{count} heures");
    }

    #[test]
    fn english_texts_have_no_space_before_colons_and_marks() {
        let i18n = I18n::load().expect("catalogues are valid");
        let mut wrong = Vec::new();
        for (key, text) in &i18n.en {
            let chars: Vec<char> = text.chars().collect();
            let spaced = chars.windows(2).any(|w| {
                matches!(w[0], ' ' | '\u{a0}' | '\u{202f}') && matches!(w[1], ':' | ';' | '!' | '?')
            });
            if spaced {
                wrong.push(format!("{key}: {text:?}"));
            }
        }
        wrong.sort();
        assert!(wrong.is_empty(), "English with French spacing: {wrong:#?}");
        assert_eq!(i18n.t(Locale::En, "site.colon"), ":");
        assert_eq!(i18n.t(Locale::Fr, "site.colon"), "\u{a0}:");
    }

    #[test]
    fn typography_leaves_placeholders_and_urls_alone() {
        assert_eq!(
            typography(Locale::Fr, "Lien : https://example.org/a?b=1 {url}"),
            "Lien\u{a0}: https://example.org/a?b=1 {url}"
        );
        let i18n = I18n::load().expect("catalogues are valid");
        let score = i18n.plural(
            Locale::Fr,
            "quiz.score",
            3,
            &[("percent", "80"), ("total", "4")],
        );
        assert_eq!(score, "Score\u{a0}: 80\u{a0}% (3 bonnes réponses sur 4)");
    }
}
