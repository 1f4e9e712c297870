//! Application state shared by every handler; each service in it is also a `FromRef` substate.

use std::sync::Arc;

use axum::extract::FromRef;

use crate::certificates::Signer;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::mail::{Email, Mailer};
use crate::payments::Payments;
use crate::pdf::PdfEngine;
use crate::realtime::Hub;
use crate::storage::Storage;
use crate::tasks::Tasks;
use crate::web::assets::Assets;
use crate::web::i18n::I18n;
use crate::web::page_cache::PageCache;
use crate::web::rate_limit::RateLimits;
use crate::web::response_cache::{self, ResponseCache};
use crate::web::templates::Templates;

/// Everything a handler may need. The services (`Mailer`, `Signer`, `Payments`, `Hub`,
/// `PdfEngine`, `Storage`) know nothing of it: each is built from configuration pieces, and a handler that
/// needs only one takes it as `State<Mailer>` (or `State<Arc<Signer>>`, …).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub templates: Templates,
    pub i18n: Arc<I18n>,
    pub assets: Arc<Assets>,
    pub mailer: Mailer,
    pub limits: Arc<RateLimits>,
    pub hub: Hub,
    pub pdf: Arc<PdfEngine>,
    pub signer: Arc<Signer>,
    pub payments: Arc<Payments>,
    /// Uploaded and generated files: the data dir or the database (`storage`).
    pub files: Storage,
    /// Database reads of the public pages, shared by every visitor (`web::page_cache`).
    pub page_cache: Arc<PageCache>,
    /// Anonymous pages, finished and compressed (`web::response_cache`).
    pub response_cache: Arc<ResponseCache>,
    /// "Now" for every deadline and delay (tests move it instead of sleeping).
    pub clock: Clock,
    /// Background work started by requests (tests wait for it to settle).
    pub tasks: Tasks,
}

/// How the state is built: production's defaults, or what the test harness needs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub clock: Clock,
    /// Templates fail on an undefined value instead of rendering it empty.
    pub strict_templates: bool,
}

impl Options {
    /// A clock the test moves, strict templates.
    pub fn for_tests() -> Self {
        Self {
            clock: Clock::adjustable(),
            strict_templates: true,
        }
    }
}

impl AppState {
    /// Connects to the database, applies migrations and loads catalogues, templates and assets.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        Self::with_options(config, Options::default()).await
    }

    /// [`AppState::new`] with the test harness's choices ([`Options::for_tests`]).
    pub async fn with_options(config: Config, options: Options) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let db = Db::connect(&config.database_url)
            .await?
            .with_clock(options.clock.clone());
        db.migrate().await?;
        // Before anything starts: an instance with another certificate key must not run.
        let signer = Arc::new(Signer::for_platform(&config, &db).await?);
        let i18n = Arc::new(I18n::load()?);
        let assets = Arc::new(Assets::load());
        let mut templates = Templates::new(i18n.clone(), assets.clone(), config.timezone.clone());
        if options.strict_templates {
            templates = templates.strict();
        }
        let mailer = Mailer::from_config(&config)?;
        let hub = Hub::start(db.clone(), &config.database_url, options.clock.clone()).await?;
        let pdf = Arc::new(PdfEngine::new()?);
        let payments = Arc::new(Payments::from_config(&config)?);
        let limits = Arc::new(RateLimits::for_db(&db));
        let files = Storage::from_config(&config, &db);
        let page_cache = Arc::new(PageCache::default());
        let response_cache = Arc::new(ResponseCache::default());
        response_cache::spawn_listener(&hub, page_cache.clone(), response_cache.clone());
        Ok(Self {
            config: Arc::new(config),
            db,
            templates,
            i18n,
            assets,
            mailer,
            limits,
            hub,
            pdf,
            signer,
            payments,
            files,
            page_cache,
            response_cache,
            clock: options.clock,
            tasks: Tasks::default(),
        })
    }
}

impl AppState {
    /// What every visitor sees changed: forget the ready-made pages and the reads behind them
    /// on this instance (a request that changes them also tells the other instances:
    /// `web::response_cache`).
    pub fn forget_public_pages(&self) {
        self.page_cache.invalidate();
        self.response_cache.clear();
    }
}

/// Sends a user an e-mail whose subject is a catalogue key, in the request's language; a failure
/// is logged, not returned (the page the user sees does not depend on the mail server).
pub async fn send_logged(
    state: &AppState,
    ctx: &crate::web::RequestContext,
    to: &str,
    name: &str,
    subject_key: &str,
    body: String,
) {
    let email = Email {
        to_name: name.to_owned(),
        to_address: to.to_owned(),
        subject: state.i18n.t(ctx.locale, subject_key).to_owned(),
        body,
    };
    state.mailer.send_logged(email).await;
}
