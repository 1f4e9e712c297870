//! The minijinja environment: `views/` pages and `partials/` fragments, with the `t` (catalogue),
//! `asset` (hashed URL) and `money` helpers. Debug builds re-read templates from disk on every
//! render; release builds embed them.

use std::sync::Arc;

use minijinja::value::Kwargs;
use minijinja::{Environment, ErrorKind, State, Value};
use rust_embed::RustEmbed;

use super::assets::Assets;
use super::i18n::{I18n, Locale, interpolate};
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
    /// Printing, iterating or reading into an undefined value is an error rather than empty (the
    /// test harness; production is lenient).
    strict: bool,
    /// Re-read the files at each render, so a debug server shows edits at once.
    reload: bool,
}

impl Templates {
    pub fn new(i18n: Arc<I18n>, assets: Arc<Assets>) -> Self {
        let env = Arc::new(build(i18n.clone(), assets.clone(), false));
        Self {
            env,
            i18n,
            assets,
            strict: false,
            reload: cfg!(debug_assertions),
        }
    }

    /// The test harness's templates: failing on any use of an undefined value but a truth test
    /// (`UndefinedBehavior::SemiStrict`: `{% if errors.title %}` is how a template asks for an
    /// optional value; `{{ form.titel }}` is a mistake), and parsed once (tests render the same
    /// files throughout).
    pub fn strict(self) -> Self {
        let env = Arc::new(build(self.i18n.clone(), self.assets.clone(), true));
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
            let env = build(self.i18n.clone(), self.assets.clone(), self.strict);
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

fn build(i18n: Arc<I18n>, assets: Arc<Assets>, strict: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_loader(load);
    env.set_undefined_behavior(if strict {
        minijinja::UndefinedBehavior::SemiStrict
    } else {
        minijinja::UndefinedBehavior::Chainable
    });
    env.add_function("t", move |state: &State, key: &str, kwargs: Kwargs| {
        let text = i18n.t(locale_of(state), key);
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
            Money::new(amount_minor, currency).format(locale_of(state))
        },
    );
    env
}

fn locale_of(state: &State) -> Locale {
    state
        .lookup("locale")
        .and_then(|v| v.as_str().and_then(Locale::parse))
        .unwrap_or_default()
}
