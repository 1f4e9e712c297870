//! The minijinja environment: `views/` pages and `partials/` fragments, with the `t` (catalogue,
//! plural forms chosen by `count=`), `asset` (hashed URL), `money` and `when` (a stored time in
//! the viewer's zone) helpers. Debug builds re-read templates from disk on every render; release
//! builds embed them.

use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::{Environment, ErrorKind, State, Value};
use rust_embed::RustEmbed;

use super::assets::Assets;
use super::i18n::{I18n, Locale, interpolate};
use super::time::{Style, TimeZone};
use crate::money::Money;

#[derive(RustEmbed)]
#[folder = "views/"]
#[prefix = "views/"]
struct Views;

#[derive(RustEmbed)]
#[folder = "partials/"]
#[prefix = "partials/"]
struct Partials;

/// Renders templates by their path from the project root (`views/pages/home.html`).
#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
    i18n: Arc<I18n>,
    assets: Arc<Assets>,
    /// The platform's zone, for templates rendered without a viewer (e-mails to a visitor).
    zone: TimeZone,
    /// Printing, iterating or reading into an undefined value is an error rather than empty (the
    /// test harness; production is lenient).
    strict: bool,
    /// Re-read the files at each render, so a debug server shows edits at once.
    reload: bool,
}

impl Templates {
    pub fn new(i18n: Arc<I18n>, assets: Arc<Assets>, zone: TimeZone) -> Self {
        let env = Arc::new(build(i18n.clone(), assets.clone(), zone.clone(), false));
        Self {
            env,
            i18n,
            assets,
            zone,
            strict: false,
            reload: cfg!(debug_assertions),
        }
    }

    /// The test harness's templates: failing on any use of an undefined value but a truth test
    /// (`UndefinedBehavior::SemiStrict`: `{% if errors.title %}` is how a template asks for an
    /// optional value; `{{ form.titel }}` is a mistake), and parsed once (tests render the same
    /// files throughout).
    pub fn strict(self) -> Self {
        let env = Arc::new(build(
            self.i18n.clone(),
            self.assets.clone(),
            self.zone.clone(),
            true,
        ));
        Self {
            env,
            strict: true,
            reload: false,
            ..self
        }
    }

    /// Renders `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String, minijinja::Error> {
        if self.reload {
            let env = build(
                self.i18n.clone(),
                self.assets.clone(),
                self.zone.clone(),
                self.strict,
            );
            env.get_template(name)?.render(ctx)
        } else {
            self.env.get_template(name)?.render(ctx)
        }
    }
}

fn load(name: &str) -> Result<Option<String>, minijinja::Error> {
    let file = Views::get(name).or_else(|| Partials::get(name));
    match file {
        None => Ok(None),
        Some(f) => String::from_utf8(f.data.into_owned())
            .map(Some)
            .map_err(|e| {
                minijinja::Error::new(ErrorKind::InvalidOperation, "template is not UTF-8")
                    .with_source(e)
            }),
    }
}

fn build(
    i18n: Arc<I18n>,
    assets: Arc<Assets>,
    zone: TimeZone,
    strict: bool,
) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(load);
    env.set_undefined_behavior(if strict {
        minijinja::UndefinedBehavior::SemiStrict
    } else {
        minijinja::UndefinedBehavior::Chainable
    });
    // `{{ n|bytes }}`: a file size as a reader says it ("850 Ko", "2,5 Mo"), as the data saver does.
    let units = i18n.clone();
    env.add_filter("bytes", move |state: &State, n: i64| {
        crate::profile::data_saver::size_label(&units, locale_of(state), n.max(0).unsigned_abs())
    });
    env.add_function("t", move |state: &State, key: &str, kwargs: Kwargs| {
        let locale = locale_of(state);
        // `count=` picks the plural form of a key that has them (`one`, `other`).
        let count: Option<Value> = kwargs.get("count")?;
        let text = count
            .and_then(|c| plural_count(&c))
            .and_then(|n| i18n.plural_text(locale, key, n))
            .unwrap_or_else(|| i18n.t(locale, key));
        let mut args = Vec::new();
        for name in kwargs.args() {
            let value: Value = kwargs.get(name)?;
            args.push((name.to_owned(), value.to_string()));
        }
        let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Ok::<_, minijinja::Error>(interpolate(text, &pairs))
    });
    // Asset URLs are ours (path + hex hash): safe to emit unescaped.
    env.add_function("asset", move |name: &str| {
        Value::from_safe_string(assets.url(name))
    });
    env.add_filter(
        "money",
        |state: &State, amount_minor: i64, currency: &str| {
            Money::parse(amount_minor, currency)
                .map(|m| m.format(locale_of(state)))
                .map_err(|e| {
                    minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, e.to_string())
                })
        },
    );
    // `{{ at|when }}` "3 déc. 2026 à 11:04", `|when("date")`, `|when("ago")`, `|when("clock")`:
    // a stored UTC time in the zone and language of the context, as `t()` reads the locale.
    env.add_filter(
        "when",
        move |state: &State, stored: Value, style: Option<&str>| -> String {
            let Some(text) = stored.as_str() else {
                return String::new();
            };
            let viewer = state
                .lookup("timezone")
                .and_then(|v| v.as_str().and_then(TimeZone::parse));
            super::time::format(
                text,
                Style::parse(style.unwrap_or("")),
                viewer.as_ref().unwrap_or(&zone),
                locale_of(state),
                super::time::now(),
            )
        },
    );
    env
}

/// A `count=` value as a number (templates pass integers, sometimes their text).
fn plural_count(value: &Value) -> Option<f64> {
    if let Ok(n) = i64::try_from(value.clone()) {
        return Some(n as f64);
    }
    if let Ok(n) = f64::try_from(value.clone()) {
        return Some(n);
    }
    value.as_str().and_then(|s| s.trim().parse().ok())
}

fn locale_of(state: &State) -> Locale {
    state
        .lookup("locale")
        .and_then(|v| v.as_str().and_then(Locale::parse))
        .unwrap_or_default()
}
