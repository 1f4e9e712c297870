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

/// Both catalogues, flattened to `section.key` → text.
#[derive(Debug)]
pub struct I18n {
    fr: HashMap<String, String>,
    en: HashMap<String, String>,
}

impl I18n {
    /// Loads the catalogues embedded in the binary; both languages must hold the same keys.
    pub fn load() -> anyhow::Result<Self> {
        let fr = load_language("fr")?;
        let en = load_language("en")?;
        let missing: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
        let extra: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            bail!(
                "catalogues fr/en différents : manquent en anglais {missing:?}, en trop {extra:?}"
            );
        }
        Ok(Self { fr, en })
    }

    /// The text of `key` in `locale`; the key itself when unknown (visible, never a crash).
    pub fn t<'a>(&'a self, locale: Locale, key: &'a str) -> &'a str {
        let map = match locale {
            Locale::Fr => &self.fr,
            Locale::En => &self.en,
        };
        map.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text of `key` with `{name}` placeholders replaced.
    pub fn format(&self, locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
        interpolate(self.t(locale, key), args)
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
}
