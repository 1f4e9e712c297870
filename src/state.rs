//! Application state shared by every handler.

use std::sync::Arc;

use crate::certificates::Signer;
use crate::config::Config;
use crate::db::Db;
use crate::mail::Mailer;
use crate::payments::Payments;
use crate::pdf::PdfEngine;
use crate::realtime::Hub;
use crate::web::assets::Assets;
use crate::web::i18n::I18n;
use crate::web::page_cache::PageCache;
use crate::web::rate_limit::RateLimits;
use crate::web::templates::Templates;

#[derive(Clone)]
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
    /// Database reads of the public pages, shared by every visitor (`web::page_cache`).
    pub page_cache: Arc<PageCache>,
}

impl AppState {
    /// Connects to the database, applies migrations and loads catalogues, templates and assets.
    pub async fn new(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)?;
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        let i18n = Arc::new(I18n::load()?);
        let assets = Arc::new(Assets::load());
        let templates = Templates::new(i18n.clone(), assets.clone(), config.timezone.clone());
        let mailer = Mailer::from_config(&config)?;
        let hub = Hub::start(db.clone(), &config.database_url).await?;
        let pdf = Arc::new(PdfEngine::new()?);
        let signer = Arc::new(Signer::load_or_create(&config)?);
        let payments = Arc::new(Payments::from_config(&config)?);
        Ok(Self {
            config: Arc::new(config),
            db,
            templates,
            i18n,
            assets,
            mailer,
            limits: Arc::new(RateLimits::default()),
            hub,
            pdf,
            signer,
            payments,
            page_cache: Arc::new(PageCache::default()),
        })
    }
}
