//! Integration tests of the mobile-money adapters against strict fake providers (the
//! embedded sandbox). No database involved: these tests run the same on both engines.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use techlearnjess::money::Currency;
use techlearnjess::payments::providers::{
    self, PaymentLookup, PaymentRequest, Provider, ProviderError, ProviderKind, ProviderSettings,
    ProviderStatus, Wallet,
};
use techlearnjess::payments::sandbox::{Fault, MPESA_ACTIVATION, Sandbox, SandboxOutcome};

use crate::helpers::eventually;

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

struct Rig {
    sandbox: Sandbox,
    providers: HashMap<ProviderKind, Arc<dyn Provider>>,
    received: Received,
    callback_base: String,
}

/// Starts the sandbox and a callback receiver standing in for the platform.
async fn rig() -> Rig {
    rig_with(|_| {}).await
}

async fn rig_with(tweak: impl FnOnce(&mut ProviderSettings)) -> Rig {
    let sandbox = Sandbox::start().expect("sandbox");
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/payments/callback/{provider}",
            axum::routing::post(
                |State(r): State<Received>, Path(p): Path<String>, body: Bytes| async move {
                    r.lock().expect("lock").push((p, body.to_vec()));
                    "OK"
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let callback_base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    sandbox.set_callback_base(&callback_base);
    let mut settings = sandbox.settings();
    tweak(&mut settings);
    let providers = providers::build(&settings);
    assert_eq!(providers.len(), 4, "the four adapters are built");
    Rig {
        sandbox,
        providers,
        received,
        callback_base,
    }
}

fn reference() -> String {
    format!(
        "T{}",
        techlearnjess::web::tokens::random_hex(6).to_uppercase()
    )
}

impl Rig {
    fn provider(&self, kind: ProviderKind) -> Arc<dyn Provider> {
        self.providers.get(&kind).expect("provider").clone()
    }

    fn request(&self, kind: ProviderKind, currency: Currency, amount_minor: i64) -> PaymentRequest {
        PaymentRequest {
            reference: reference(),
            wallet: match kind {
                ProviderKind::Orange => Wallet::Orange,
                ProviderKind::Airtel => Wallet::Airtel,
                _ => Wallet::Mpesa,
            },
            currency,
            amount_minor,
            msisdn_e164: "+243991234567".into(),
            description: "Cours : Excel pour débutants".into(),
            callback_url: format!("{}/payments/callback/{}", self.callback_base, kind.code()),
            return_url: "http://127.0.0.1/payments/return".into(),
        }
    }

    /// Waits for the `n`-th callback received for `provider`.
    async fn callback(&self, provider: &str, n: usize) -> Vec<u8> {
        let found = || -> Vec<Vec<u8>> {
            self.received
                .lock()
                .expect("lock")
                .iter()
                .filter(|(p, _)| p == provider)
                .map(|(_, b)| b.clone())
                .collect()
        };
        eventually(&format!("callback #{n} for {provider}"), || async {
            found().len() >= n
        })
        .await;
        found()[n - 1].clone()
    }

    fn callbacks(&self, provider: &str) -> usize {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter(|(p, _)| p == provider)
            .count()
    }
}

fn lookup(request: &PaymentRequest, provider_ref: Option<String>) -> PaymentLookup {
    PaymentLookup {
        reference: request.reference.clone(),
        provider_ref,
        currency: request.currency,
        amount_minor: request.amount_minor,
    }
}

fn headers() -> HeaderMap {
    HeaderMap::new()
}

async fn wait_status(p: &Arc<dyn Provider>, l: &PaymentLookup, want: ProviderStatus) {
    eventually(&format!("the provider says {want:?}"), || async {
        p.query(l).await.expect("query").status == want
    })
    .await;
}

// ------------------------------------------------------------------------------- Orange

#[tokio::test]
async fn orange_success_with_notification_and_query_back() {
    let rig = rig().await;
    let orange = rig.provider(ProviderKind::Orange);
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 2_860_000);
    let init = orange.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
    let pay_token = init.provider_ref.clone().expect("pay_token");
    assert!(
        init.redirect_url
            .as_deref()
            .is_some_and(|u| u.contains(&pay_token))
    );
    let secret = init.callback_secret.clone().expect("notif_token");

    // Sent as a JSON number in whole francs; Orange gets no MSISDN.
    let fake = rig.sandbox.payment(&req.reference).expect("fake payment");
    assert_eq!(fake.amount, "28600");
    assert_eq!(fake.currency, "CDF");
    assert_eq!(fake.msisdn, "");
    assert_eq!(rig.sandbox.pending().len(), 1);

    let l = lookup(&req, init.provider_ref.clone());
    assert_eq!(
        orange.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );

    rig.sandbox
        .resolve(&pay_token, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    let body = rig.callback("orange", 1).await;
    let hint = orange.parse_callback(&headers(), &body).expect("parse");
    assert_eq!(hint.claimed, ProviderStatus::Succeeded);
    assert_eq!(hint.secret.as_deref(), Some(secret.as_str()));
    let report = orange.query(&l).await.expect("query");
    assert_eq!(report.status, ProviderStatus::Succeeded);
    assert_eq!(report.provider_ref.as_deref(), Some(pay_token.as_str()));
    assert!(
        report.raw["txnid"]
            .as_str()
            .is_some_and(|t| t.starts_with("MP"))
    );
    assert!(rig.sandbox.pending().is_empty());
    // The token (expires_in as a string) is cached.
    assert_eq!(rig.sandbox.hits("orange.token"), 1);
}

#[tokio::test]
async fn orange_failure_expiry_and_pending_then_success() {
    let rig = rig().await;
    let orange = rig.provider(ProviderKind::Orange);

    let req = rig.request(ProviderKind::Orange, Currency::Usd, 1250);
    let init = orange.initiate(&req).await.expect("initiate");
    assert_eq!(
        rig.sandbox.payment(&req.reference).expect("fake").amount,
        "12.5"
    );
    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Refuse)
        .await
        .expect("resolve");
    let hint = orange
        .parse_callback(&headers(), &rig.callback("orange", 1).await)
        .expect("parse");
    assert_eq!(hint.claimed, ProviderStatus::Failed);
    let l = lookup(&req, init.provider_ref);
    assert_eq!(
        orange.query(&l).await.expect("query").status,
        ProviderStatus::Failed
    );

    rig.sandbox.set_auto(
        ProviderKind::Orange,
        Some((SandboxOutcome::Confirm, Duration::from_millis(1000))),
    );
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 1_000_000);
    let init = orange.initiate(&req).await.expect("initiate");
    let l = lookup(&req, init.provider_ref);
    let first = orange.query(&l).await.expect("query");
    assert_eq!(first.status, ProviderStatus::Pending);
    assert_eq!(first.raw["status"], "PENDING");
    wait_status(&orange, &l, ProviderStatus::Succeeded).await;
    rig.sandbox.set_auto(ProviderKind::Orange, None);

    rig.sandbox.set_orange_ttl(Duration::from_millis(100));
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 1_000_000);
    let init = orange.initiate(&req).await.expect("initiate");
    // The fake is an HTTP server on its own (system) clock: its 100 ms must really pass.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let l = lookup(&req, init.provider_ref);
    assert_eq!(
        orange.query(&l).await.expect("query").status,
        ProviderStatus::Expired
    );
}

#[tokio::test]
async fn orange_faults_duplicates_and_forged_notifications() {
    let rig = rig_with(|s| {
        if let Some(o) = s.orange.as_mut() {
            o.timeout = Duration::from_millis(1500);
        }
    })
    .await;
    let orange = rig.provider(ProviderKind::Orange);

    rig.sandbox.push_fault(ProviderKind::Orange, Fault::Http500);
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 500_000);
    assert!(matches!(
        orange.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));

    // A timeout is Unavailable, yet the provider went on and created the session.
    rig.sandbox.push_fault(
        ProviderKind::Orange,
        Fault::Delay(Duration::from_millis(2500)),
    );
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 500_000);
    assert!(matches!(
        orange.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    // The timed-out request reached the fake (which does the work, then answers late).
    eventually("the fake received the timed-out request", || async {
        rig.sandbox.payment(&req.reference).is_some()
    })
    .await;
    assert!(rig.sandbox.payment(&req.reference).is_some());

    // Same order_id twice: refused.
    assert!(matches!(
        orange.initiate(&req).await,
        Err(ProviderError::Rejected(_))
    ));

    // A status query must carry the original amount.
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 500_000);
    let init = orange.initiate(&req).await.expect("initiate");
    let mut wrong = lookup(&req, init.provider_ref.clone());
    wrong.amount_minor = 400_000;
    assert!(matches!(
        orange.query(&wrong).await,
        Err(ProviderError::Rejected(_))
    ));

    // Ambiguous answer → still pending.
    rig.sandbox
        .push_fault(ProviderKind::Orange, Fault::Ambiguous);
    let l = lookup(&req, init.provider_ref.clone());
    assert_eq!(
        orange.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );

    // A forged notification carries a notif_token that is not the stored one; an early one
    // claims success while the status says otherwise.
    let status = rig
        .sandbox
        .send_callback(&req.reference, SandboxOutcome::Confirm, true)
        .await
        .expect("send");
    assert_eq!(status, 200);
    let hint = orange
        .parse_callback(&headers(), &rig.callback("orange", 1).await)
        .expect("parse");
    assert_ne!(hint.secret, init.callback_secret);
    rig.sandbox
        .send_callback(&req.reference, SandboxOutcome::Confirm, false)
        .await
        .expect("send");
    let hint = orange
        .parse_callback(&headers(), &rig.callback("orange", 2).await)
        .expect("parse");
    assert_eq!(hint.secret, init.callback_secret);
    assert_eq!(hint.claimed, ProviderStatus::Succeeded);
    assert_eq!(
        orange.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );

    assert!(matches!(
        orange.parse_callback(&headers(), br#"{"status":"SUCCESS","txnid":"MP1"}"#),
        Err(ProviderError::InvalidCallback(_))
    ));
    assert!(matches!(
        orange.parse_callback(&headers(), b"status=SUCCESS"),
        Err(ProviderError::InvalidCallback(_))
    ));
}

#[tokio::test]
async fn orange_wrong_credentials_are_not_configured() {
    let rig = rig_with(|s| {
        if let Some(o) = s.orange.as_mut() {
            o.client_secret = "wrong".into();
        }
    })
    .await;
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 500_000);
    let result = rig.provider(ProviderKind::Orange).initiate(&req).await;
    assert!(
        matches!(result, Err(ProviderError::NotConfigured(_))),
        "{result:?}"
    );
    assert!(rig.sandbox.payments().is_empty());
}

// ------------------------------------------------------------------------------- Airtel

#[tokio::test]
async fn airtel_success_with_hashed_callback() {
    let rig = rig().await;
    let airtel = rig.provider(ProviderKind::Airtel);
    let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 2_500_000);
    let init = airtel.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
    let fake = rig.sandbox.payment(&req.reference).expect("fake");
    assert_eq!(fake.msisdn, "991234567", "9 digits, no country code");
    assert_eq!(fake.amount, "25000");
    assert_eq!(fake.currency, "CDF");

    let l = lookup(&req, None);
    assert_eq!(
        airtel.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    let body = rig.callback("airtel", 1).await;
    let hint = airtel
        .parse_callback(&headers(), &body)
        .expect("hash verifies");
    assert_eq!(hint.reference.as_deref(), Some(req.reference.as_str()));
    assert_eq!(hint.claimed, ProviderStatus::Succeeded);
    let report = airtel.query(&l).await.expect("query");
    assert_eq!(report.status, ProviderStatus::Succeeded);
    assert_eq!(report.provider_ref, hint.provider_ref);
    assert!(report.provider_ref.is_some());
    assert_eq!(rig.sandbox.hits("airtel.token"), 1);
}

#[tokio::test]
async fn airtel_failure_pending_then_success_and_ambiguous() {
    let rig = rig().await;
    let airtel = rig.provider(ProviderKind::Airtel);

    let req = rig.request(ProviderKind::Airtel, Currency::Usd, 1000);
    airtel.initiate(&req).await.expect("initiate");
    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Refuse)
        .await
        .expect("resolve");
    let hint = airtel
        .parse_callback(&headers(), &rig.callback("airtel", 1).await)
        .expect("parse");
    assert_eq!(hint.claimed, ProviderStatus::Failed);
    assert_eq!(
        airtel
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Failed
    );

    rig.sandbox.set_auto(
        ProviderKind::Airtel,
        Some((SandboxOutcome::Confirm, Duration::from_millis(1000))),
    );
    let req = rig.request(ProviderKind::Airtel, Currency::Usd, 1000);
    airtel.initiate(&req).await.expect("initiate");
    let l = lookup(&req, None);
    assert_eq!(
        airtel.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    wait_status(&airtel, &l, ProviderStatus::Succeeded).await;
    rig.sandbox.set_auto(ProviderKind::Airtel, None);

    // TA on enquiry: unknown, never failed.
    let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 100_000);
    airtel.initiate(&req).await.expect("initiate");
    rig.sandbox
        .push_fault(ProviderKind::Airtel, Fault::Ambiguous);
    let l = lookup(&req, None);
    let report = airtel.query(&l).await.expect("query");
    assert_eq!(report.status, ProviderStatus::Unknown);
    assert_eq!(report.raw["data"]["transaction"]["status"], "TA");
    assert_eq!(
        airtel.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );

    // Ambiguous initiation (ESB000001): unknown, and the push may well have gone out.
    rig.sandbox
        .push_fault(ProviderKind::Airtel, Fault::Ambiguous);
    let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 100_000);
    let init = airtel.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Unknown);
    assert_eq!(
        airtel
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Pending
    );
}

#[tokio::test]
async fn airtel_faults_duplicates_and_forged_callbacks() {
    let rig = rig_with(|s| {
        if let Some(a) = s.airtel.as_mut() {
            a.timeout = Duration::from_millis(1500);
        }
    })
    .await;
    let airtel = rig.provider(ProviderKind::Airtel);

    rig.sandbox.push_fault(ProviderKind::Airtel, Fault::Http500);
    let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 100_000);
    assert!(matches!(
        airtel.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    rig.sandbox.push_fault(
        ProviderKind::Airtel,
        Fault::Delay(Duration::from_millis(2500)),
    );
    assert!(matches!(
        airtel.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    // The timed-out request reached the fake (which does the work, then answers late).
    eventually("the fake received the timed-out request", || async {
        rig.sandbox.payment(&req.reference).is_some()
    })
    .await;
    // The timed-out push did go out: a re-send is a duplicate (ESB000041) → unknown, query.
    let again = airtel.initiate(&req).await.expect("duplicate answer");
    assert_eq!(again.status, ProviderStatus::Unknown);
    assert_eq!(again.raw["status"]["result_code"], "ESB000041");
    assert_eq!(
        airtel
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Pending
    );

    rig.sandbox.push_fault(ProviderKind::Airtel, Fault::Http500);
    assert!(matches!(
        airtel.query(&lookup(&req, None)).await,
        Err(ProviderError::Unavailable(_))
    ));

    // Forged (bad hash) and unsigned callbacks are refused when callback auth is on.
    rig.sandbox
        .send_callback(&req.reference, SandboxOutcome::Confirm, true)
        .await
        .expect("send");
    let forged = rig.callback("airtel", 1).await;
    assert!(matches!(
        airtel.parse_callback(&headers(), &forged),
        Err(ProviderError::InvalidCallback(_))
    ));
    let unsigned = json!({"transaction": {"id": req.reference, "status_code": "TS",
        "message": "Paid", "airtel_money_id": "MP1"}})
    .to_string();
    assert!(matches!(
        airtel.parse_callback(&headers(), unsigned.as_bytes()),
        Err(ProviderError::InvalidCallback(_))
    ));
    // A well-signed early callback parses, but the enquiry still says in progress.
    let (_, good) = rig
        .sandbox
        .callback_body(&req.reference, SandboxOutcome::Confirm, false)
        .expect("body");
    assert_eq!(
        airtel
            .parse_callback(&headers(), &good)
            .expect("parse")
            .claimed,
        ProviderStatus::Succeeded
    );
    assert_eq!(
        airtel
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Pending
    );

    // Without callback authentication configured, the hash is not required.
    let mut settings = rig.sandbox.settings();
    if let Some(a) = settings.airtel.as_mut() {
        a.callback_key = None;
    }
    let plain = providers::build(&settings)
        .remove(&ProviderKind::Airtel)
        .expect("airtel");
    assert!(
        plain
            .parse_callback(&headers(), unsigned.as_bytes())
            .is_ok()
    );
}

#[tokio::test]
async fn airtel_fake_checks_headers_msisdn_and_amount_types() {
    let rig = rig().await;
    let base = format!("{}/airtel", rig.sandbox.base_url());
    let http = reqwest::Client::new();
    // Token: JSON only, `expires_in` a string.
    let form = http
        .post(format!("{base}/auth/oauth2/token"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("send");
    assert_eq!(form.status(), 400);
    let token: Value = http
        .post(format!("{base}/auth/oauth2/token"))
        .json(
            &json!({"client_id": techlearnjess::payments::sandbox::AIRTEL_CLIENT_ID,
            "client_secret": techlearnjess::payments::sandbox::AIRTEL_CLIENT_SECRET,
            "grant_type": "client_credentials"}),
        )
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(token["expires_in"], "180");
    let bearer = token["access_token"].as_str().expect("token").to_string();
    let pay = |body: Value, country: &'static str| {
        http.post(format!("{base}/merchant/v1/payments/"))
            .bearer_auth(&bearer)
            .header("X-Country", country)
            .header("X-Currency", "CDF")
            .json(&body)
            .send()
    };
    let body = |msisdn: Value, amount: Value| {
        json!({"reference": "Cours", "subscriber": {"country": "CD", "currency": "CDF", "msisdn": msisdn},
               "transaction": {"amount": amount, "country": "CD", "currency": "CDF", "id": reference()}})
    };
    let twelve = pay(body(json!("243991234567"), json!(1000)), "CD")
        .await
        .expect("send");
    assert_eq!(twelve.status(), 400);
    let string_amount = pay(body(json!("991234567"), json!("1000")), "CD")
        .await
        .expect("send");
    assert_eq!(string_amount.status(), 400);
    let wrong_country = pay(body(json!("991234567"), json!(1000)), "CG")
        .await
        .expect("send");
    assert_eq!(wrong_country.status(), 400);
    let mismatch = http
        .post(format!("{base}/merchant/v1/payments/"))
        .bearer_auth(&bearer)
        .header("X-Country", "CD")
        .header("X-Currency", "USD")
        .json(&body(json!("991234567"), json!(1000)))
        .send()
        .await
        .expect("send");
    assert_eq!(mismatch.status(), 400);
    let ok = pay(body(json!("991234567"), json!(1000)), "CD")
        .await
        .expect("send");
    assert_eq!(ok.status(), 200);
    assert!(rig.sandbox.payments().len() == 1);
}

// ------------------------------------------------------------------------------- M-Pesa

#[tokio::test]
async fn mpesa_single_stage_blocks_until_the_customer_confirms() {
    let rig = rig().await;
    let mpesa = rig.provider(ProviderKind::Mpesa);
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    let task = {
        let (mpesa, req) = (mpesa.clone(), req.clone());
        tokio::spawn(async move { mpesa.initiate(&req).await })
    };
    eventually("the PIN prompt is pending", || async {
        rig.sandbox.payment(&req.reference).is_some()
    })
    .await;
    let fake = rig
        .sandbox
        .payment(&req.reference)
        .expect("the PIN prompt is pending");
    assert_eq!(fake.msisdn, "243991234567");
    assert_eq!(fake.amount, "10", "a string in major units");
    assert_eq!(rig.sandbox.pending().len(), 1);
    assert!(!task.is_finished(), "single stage blocks during the prompt");

    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    let init = task.await.expect("join").expect("initiate");
    assert_eq!(init.status, ProviderStatus::Succeeded, "INS-0 is final");
    assert_eq!(init.provider_ref, fake.provider_ref);
    let report = mpesa
        .query(&lookup(&req, init.provider_ref.clone()))
        .await
        .expect("query");
    assert_eq!(report.status, ProviderStatus::Succeeded);
    // One session for both calls, sent RSA-encrypted.
    assert_eq!(rig.sandbox.hits("mpesa.session"), 1);
    // No callback for the synchronous flow.
    assert_eq!(rig.callbacks("mpesa"), 0);
}

#[tokio::test]
async fn mpesa_refusal_timeouts_ambiguous_and_pending_then_success() {
    let rig = rig().await;
    let mpesa = rig.provider(ProviderKind::Mpesa);

    rig.sandbox.set_auto(
        ProviderKind::Mpesa,
        Some((SandboxOutcome::Refuse, Duration::from_millis(100))),
    );
    let req = rig.request(ProviderKind::Mpesa, Currency::Cdf, 2_000_000);
    let init = mpesa.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Failed);
    assert_eq!(init.raw["output_ResponseCode"], "INS-5");
    assert_eq!(
        mpesa
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Failed
    );
    rig.sandbox.set_auto(ProviderKind::Mpesa, None);

    // The prompt times out at the provider (INS-9): unknown; the customer confirms later.
    rig.sandbox.set_mpesa_prompt(Duration::from_millis(150));
    let req = rig.request(ProviderKind::Mpesa, Currency::Cdf, 2_000_000);
    let init = mpesa.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Unknown);
    assert_eq!(init.raw["output_ResponseCode"], "INS-9");
    let l = lookup(&req, None);
    assert_eq!(
        mpesa.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    assert_eq!(
        mpesa.query(&l).await.expect("query").status,
        ProviderStatus::Succeeded
    );

    // Scripted INS-9 right away; query says N/A → unknown.
    rig.sandbox
        .push_fault(ProviderKind::Mpesa, Fault::Ambiguous);
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 500);
    assert_eq!(
        mpesa.initiate(&req).await.expect("initiate").status,
        ProviderStatus::Unknown
    );
    rig.sandbox
        .push_fault(ProviderKind::Mpesa, Fault::Ambiguous);
    assert_eq!(
        mpesa
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Unknown
    );
    // Same reference again: INS-10 duplicate → unknown (query), never a new payment.
    let again = mpesa.initiate(&req).await.expect("duplicate");
    assert_eq!(again.status, ProviderStatus::Unknown);
    assert_eq!(again.raw["output_ResponseCode"], "INS-10");
    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Expire)
        .await
        .expect("resolve");
    assert_eq!(
        mpesa
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Expired
    );
}

#[tokio::test]
async fn mpesa_http_500_client_timeout_bad_reference_and_key() {
    let rig = rig_with(|s| {
        if let Some(m) = s.mpesa.as_mut() {
            m.timeout = Duration::from_millis(1500);
        }
    })
    .await;
    let mpesa = rig.provider(ProviderKind::Mpesa);
    rig.sandbox.push_fault(ProviderKind::Mpesa, Fault::Http500);
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    assert!(matches!(
        mpesa.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    // Client-side timeout while the customer is prompted: unavailable (query later).
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    assert!(matches!(
        mpesa.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    assert!(rig.sandbox.payment(&req.reference).is_some());

    let mut long = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    long.reference = "R".repeat(21);
    assert!(matches!(
        mpesa.initiate(&long).await,
        Err(ProviderError::Rejected(_))
    ));
    let mut bad_number = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    bad_number.msisdn_e164 = "0991234567".into();
    assert!(matches!(
        mpesa.initiate(&bad_number).await,
        Err(ProviderError::Rejected(_))
    ));

    let mut settings = rig.sandbox.settings();
    if let Some(m) = settings.mpesa.as_mut() {
        m.api_key = "wrong".into();
    }
    let wrong = providers::build(&settings)
        .remove(&ProviderKind::Mpesa)
        .expect("mpesa");
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    assert!(matches!(
        wrong.initiate(&req).await,
        Err(ProviderError::NotConfigured(_))
    ));
}

#[tokio::test]
async fn mpesa_fake_checks_encryption_string_fields_msisdn_and_reference() {
    use techlearnjess::payments::providers::mpesa;
    let rig = rig().await;
    let settings = rig.sandbox.settings();
    let cfg = settings.mpesa.expect("mpesa");
    let key = mpesa::parse_public_key(&cfg.public_key).expect("key");
    let base = format!("{}/ipg/v2/vodacomDRC", cfg.base_url);
    let http = reqwest::Client::new();
    // The API key in clear is refused.
    let clear = http
        .get(format!("{base}/getSession/"))
        .bearer_auth(&cfg.api_key)
        .header("Origin", "*")
        .send()
        .await
        .expect("send");
    assert_eq!(clear.status(), 401);
    let session: Value = http
        .get(format!("{base}/getSession/"))
        .bearer_auth(mpesa::encrypt(&key, &cfg.api_key).expect("encrypt"))
        .header("Origin", "*")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let session_id = session["output_SessionID"]
        .as_str()
        .expect("session")
        .to_string();
    let query = |bearer: String| {
        http.get(format!("{base}/queryTransactionStatus/"))
            .bearer_auth(bearer)
            .header("Origin", "*")
            .query(&[
                ("input_QueryReference", "NOPE"),
                (
                    "input_ServiceProviderCode",
                    cfg.service_provider_code.as_str(),
                ),
                ("input_ThirdPartyConversationID", "abc"),
                ("input_Country", "DRC"),
            ])
            .send()
    };
    // A new session is not usable until its activation delay has passed.
    let early = query(mpesa::encrypt(&key, &session_id).expect("encrypt"))
        .await
        .expect("send");
    assert_eq!(early.status(), 401);
    let early: Value = early.json().await.expect("json");
    assert_eq!(early["output_ResponseCode"], "INS-2");
    assert_eq!(
        cfg.session_delay, MPESA_ACTIVATION,
        "the adapter waits as long"
    );
    // The fake's session activation runs on its own (system) clock.
    tokio::time::sleep(MPESA_ACTIVATION + Duration::from_millis(100)).await;
    let active = query(mpesa::encrypt(&key, &session_id).expect("encrypt"))
        .await
        .expect("send");
    let active: Value = active.json().await.expect("json");
    assert_eq!(
        active["output_ResponseCode"], "INS-23",
        "unknown reference, but let in"
    );
    let post = |body: Value, bearer: String| {
        http.post(format!("{base}/c2bPayment/singleStage/"))
            .bearer_auth(bearer)
            .header("Origin", "*")
            .json(&body)
            .send()
    };
    let body = |amount: Value, msisdn: &str, reference: &str| {
        json!({"input_Amount": amount, "input_Country": "DRC", "input_Currency": "USD",
            "input_CustomerMSISDN": msisdn, "input_ServiceProviderCode": cfg.service_provider_code,
            "input_ThirdPartyConversationID": techlearnjess::web::tokens::random_hex(16),
            "input_TransactionReference": reference, "input_PurchasedItemsDesc": "Cours"})
    };
    let enc = || mpesa::encrypt(&key, &session_id).expect("encrypt");
    // The session id in clear (not re-encrypted) is refused.
    let r = post(body(json!("10"), "243991234567", "A1"), session_id.clone())
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    let check = |r: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(r.status(), status);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["output_ResponseCode"], code);
    };
    check(
        post(body(json!(10), "243991234567", "A2"), enc())
            .await
            .expect("send"),
        400,
        "INS-21",
    )
    .await;
    check(
        post(body(json!("10"), "0991234567", "A3"), enc())
            .await
            .expect("send"),
        400,
        "INS-2051",
    )
    .await;
    check(
        post(body(json!("10"), "991234567", "A3"), enc())
            .await
            .expect("send"),
        400,
        "INS-2051",
    )
    .await;
    check(
        post(body(json!("10"), "243991234567", &"R".repeat(21)), enc())
            .await
            .expect("send"),
        400,
        "INS-17",
    )
    .await;
    check(
        post(body(json!("10.005"), "243991234567", "A4"), enc())
            .await
            .expect("send"),
        400,
        "INS-15",
    )
    .await;
    assert!(rig.sandbox.payments().is_empty());
}

#[tokio::test]
async fn mpesa_async_callback_parses_as_an_unsigned_hint() {
    let rig = rig().await;
    let mpesa = rig.provider(ProviderKind::Mpesa);
    rig.sandbox
        .push_fault(ProviderKind::Mpesa, Fault::Ambiguous);
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    mpesa.initiate(&req).await.expect("initiate");
    let (url, body) = rig
        .sandbox
        .callback_body(&req.reference, SandboxOutcome::Confirm, false)
        .expect("body");
    assert!(url.ends_with("/payments/callback/mpesa"));
    let hint = mpesa.parse_callback(&headers(), &body).expect("parse");
    assert_eq!(hint.reference.as_deref(), Some(req.reference.as_str()));
    assert_eq!(hint.claimed, ProviderStatus::Succeeded);
    // Unsigned: only the query back tells the truth.
    assert_eq!(
        mpesa
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Pending
    );
    let reply = providers::mpesa::callback_reply(&hint);
    assert_eq!(reply["output_ResponseCode"], "0");
}

// ------------------------------------------------------------------------------- FlexPay

#[tokio::test]
async fn flexpay_success_failure_and_pending_then_success() {
    let rig = rig().await;
    let flexpay = rig.provider(ProviderKind::Flexpay);
    let req = rig.request(ProviderKind::Flexpay, Currency::Cdf, 2_860_000);
    let init = flexpay.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
    let order = init.provider_ref.clone().expect("orderNumber");
    let fake = rig.sandbox.payment(&order).expect("fake");
    assert_eq!(fake.msisdn, "243991234567");
    assert_eq!(fake.amount, "28600");
    let l = lookup(&req, Some(order.clone()));
    assert_eq!(
        flexpay.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    rig.sandbox
        .resolve(&order, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    let hint = flexpay
        .parse_callback(&headers(), &rig.callback("flexpay", 1).await)
        .expect("parse");
    assert_eq!(hint.claimed, ProviderStatus::Succeeded);
    assert_eq!(hint.reference.as_deref(), Some(req.reference.as_str()));
    assert_eq!(hint.provider_ref.as_deref(), Some(order.as_str()));
    assert_eq!(
        flexpay.query(&l).await.expect("query").status,
        ProviderStatus::Succeeded
    );

    // A refusal: FlexPay documents only "0" (success), so the callback's "1" claims nothing
    // and the check's status "1" stays pending until the payment expires on our side.
    let req = rig.request(ProviderKind::Flexpay, Currency::Usd, 1999);
    let init = flexpay.initiate(&req).await.expect("initiate");
    rig.sandbox
        .resolve(&req.reference, SandboxOutcome::Refuse)
        .await
        .expect("resolve");
    let hint = flexpay
        .parse_callback(&headers(), &rig.callback("flexpay", 2).await)
        .expect("parse");
    assert_eq!(hint.raw["code"], "1");
    assert_eq!(hint.claimed, ProviderStatus::Unknown);
    let report = flexpay
        .query(&lookup(&req, init.provider_ref))
        .await
        .expect("query");
    assert_eq!(
        report.raw["transaction"]["status"], "1",
        "a documented value"
    );
    assert_eq!(report.status, ProviderStatus::Pending);

    rig.sandbox.set_auto(
        ProviderKind::Flexpay,
        Some((SandboxOutcome::Confirm, Duration::from_millis(1000))),
    );
    let req = rig.request(ProviderKind::Flexpay, Currency::Usd, 1000);
    let init = flexpay.initiate(&req).await.expect("initiate");
    let l = lookup(&req, init.provider_ref);
    assert_eq!(
        flexpay.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    wait_status(&flexpay, &l, ProviderStatus::Succeeded).await;
}

#[tokio::test]
async fn flexpay_faults_duplicates_and_forged_callbacks() {
    let rig = rig_with(|s| {
        if let Some(f) = s.flexpay.as_mut() {
            f.timeout = Duration::from_millis(1500);
        }
    })
    .await;
    let flexpay = rig.provider(ProviderKind::Flexpay);
    rig.sandbox
        .push_fault(ProviderKind::Flexpay, Fault::Http500);
    let req = rig.request(ProviderKind::Flexpay, Currency::Cdf, 100_000);
    assert!(matches!(
        flexpay.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    rig.sandbox.push_fault(
        ProviderKind::Flexpay,
        Fault::Delay(Duration::from_millis(2500)),
    );
    assert!(matches!(
        flexpay.initiate(&req).await,
        Err(ProviderError::Unavailable(_))
    ));
    // The timed-out request reached the fake (which does the work, then answers late).
    eventually("the fake received the timed-out request", || async {
        rig.sandbox.payment(&req.reference).is_some()
    })
    .await;
    // Same reference again: refused by FlexPay.
    assert!(matches!(
        flexpay.initiate(&req).await,
        Err(ProviderError::Rejected(_))
    ));
    // Without the orderNumber (timed out), the query cannot say anything.
    assert_eq!(
        flexpay
            .query(&lookup(&req, None))
            .await
            .expect("query")
            .status,
        ProviderStatus::Unknown
    );

    let req = rig.request(ProviderKind::Flexpay, Currency::Cdf, 100_000);
    let init = flexpay.initiate(&req).await.expect("initiate");
    let l = lookup(&req, init.provider_ref.clone());
    rig.sandbox
        .push_fault(ProviderKind::Flexpay, Fault::Ambiguous);
    assert_eq!(
        flexpay.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    rig.sandbox
        .push_fault(ProviderKind::Flexpay, Fault::Http500);
    assert!(matches!(
        flexpay.query(&l).await,
        Err(ProviderError::Unavailable(_))
    ));

    // A forged (unsigned) success callback parses, but check says pending.
    rig.sandbox
        .send_callback(&req.reference, SandboxOutcome::Confirm, true)
        .await
        .expect("send");
    let hint = flexpay
        .parse_callback(&headers(), &rig.callback("flexpay", 1).await)
        .expect("parse");
    assert_eq!(hint.claimed, ProviderStatus::Succeeded);
    assert_eq!(
        flexpay.query(&l).await.expect("query").status,
        ProviderStatus::Pending
    );
    assert!(matches!(
        flexpay.parse_callback(&headers(), br#"{"code":"0"}"#),
        Err(ProviderError::InvalidCallback(_))
    ));

    // A check of another payment's orderNumber does not confirm this one.
    let other = rig.request(ProviderKind::Flexpay, Currency::Cdf, 100_000);
    let other_init = flexpay.initiate(&other).await.expect("initiate");
    rig.sandbox
        .resolve(&other.reference, SandboxOutcome::Confirm)
        .await
        .expect("resolve");
    let swapped = lookup(&req, other_init.provider_ref);
    assert_eq!(
        flexpay.query(&swapped).await.expect("query").status,
        ProviderStatus::Unknown
    );
}

#[tokio::test]
async fn flexpay_fake_checks_token_phone_and_number_amount() {
    let rig = rig().await;
    let base = format!("{}/flexpay", rig.sandbox.base_url());
    let http = reqwest::Client::new();
    let body = |phone: &str, amount: Value| {
        json!({"merchant": techlearnjess::payments::sandbox::FLEXPAY_MERCHANT, "type": 1,
               "reference": reference(), "phone": phone, "amount": amount, "currency": "CDF",
               "callbackUrl": "http://127.0.0.1/cb"})
    };
    let send = |token: &'static str, b: Value| {
        http.post(format!("{base}/paymentService"))
            .bearer_auth(token)
            .json(&b)
            .send()
    };
    let token = techlearnjess::payments::sandbox::FLEXPAY_TOKEN;
    assert_eq!(
        send("nope", body("243991234567", json!(1000)))
            .await
            .expect("send")
            .status(),
        401
    );
    for b in [
        body("0991234567", json!(1000)),
        body("243991234567", json!("1000")),
    ] {
        let v: Value = send(token, b)
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert_eq!(v["code"], "1", "{v}");
    }
    let v: Value = send(token, body("243991234567", json!(1000)))
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["code"], "0");
    assert!(v["orderNumber"].as_str().is_some());
}

// ------------------------------------------------------------------------------- settings

#[tokio::test]
async fn sandbox_settings_round_trip_through_env_names() {
    let rig = rig().await;
    let s = rig.sandbox.settings();
    let o = s.orange.clone().expect("orange");
    let a = s.airtel.clone().expect("airtel");
    let m = s.mpesa.clone().expect("mpesa");
    let f = s.flexpay.clone().expect("flexpay");
    let env: HashMap<&str, String> = HashMap::from([
        ("TLJ_PAY_ORANGE_BASE_URL", o.base_url),
        ("TLJ_PAY_ORANGE_CLIENT_ID", o.client_id),
        ("TLJ_PAY_ORANGE_CLIENT_SECRET", o.client_secret),
        ("TLJ_PAY_ORANGE_MERCHANT_KEY", o.merchant_key),
        ("TLJ_PAY_ORANGE_COUNTRY", o.country_segment),
        ("TLJ_PAY_AIRTEL_BASE_URL", a.base_url),
        ("TLJ_PAY_AIRTEL_CLIENT_ID", a.client_id),
        ("TLJ_PAY_AIRTEL_CLIENT_SECRET", a.client_secret),
        (
            "TLJ_PAY_AIRTEL_CALLBACK_KEY",
            a.callback_key.unwrap_or_default(),
        ),
        ("TLJ_PAY_MPESA_BASE_URL", m.base_url),
        ("TLJ_PAY_MPESA_API_KEY", m.api_key),
        ("TLJ_PAY_MPESA_PUBLIC_KEY", m.public_key),
        (
            "TLJ_PAY_MPESA_SERVICE_PROVIDER_CODE",
            m.service_provider_code,
        ),
        ("TLJ_PAY_FLEXPAY_BASE_URL", f.base_url),
        ("TLJ_PAY_FLEXPAY_TOKEN", f.token),
        ("TLJ_PAY_FLEXPAY_MERCHANT", f.merchant),
    ]);
    let parsed = ProviderSettings::from_lookup(&|k: &str| env.get(k).cloned()).expect("parse");
    assert_eq!(parsed.configured().len(), 4);
    let built = providers::build(&parsed);
    let req = rig.request(ProviderKind::Flexpay, Currency::Cdf, 100_000);
    let init = built[&ProviderKind::Flexpay]
        .initiate(&req)
        .await
        .expect("initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 100_000);
    let init = built[&ProviderKind::Orange]
        .initiate(&req)
        .await
        .expect("initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
}

#[tokio::test]
async fn expired_tokens_and_sessions_are_renewed_once() {
    let rig = rig().await;
    for kind in [
        ProviderKind::Orange,
        ProviderKind::Airtel,
        ProviderKind::Flexpay,
    ] {
        let req = rig.request(kind, Currency::Cdf, 100_000);
        rig.provider(kind).initiate(&req).await.expect("initiate");
    }
    rig.sandbox
        .push_fault(ProviderKind::Mpesa, Fault::Ambiguous);
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    let mpesa = rig.provider(ProviderKind::Mpesa);
    mpesa.initiate(&req).await.expect("initiate");
    rig.sandbox.revoke_credentials();
    for kind in [ProviderKind::Orange, ProviderKind::Airtel] {
        let req = rig.request(kind, Currency::Cdf, 100_000);
        let init = rig.provider(kind).initiate(&req).await.expect("renewed");
        assert_eq!(init.status, ProviderStatus::Pending);
    }
    assert_eq!(
        mpesa
            .query(&lookup(&req, None))
            .await
            .expect("renewed")
            .status,
        ProviderStatus::Pending
    );
    assert_eq!(rig.sandbox.hits("orange.token"), 2);
    assert_eq!(rig.sandbox.hits("airtel.token"), 2);
    assert_eq!(rig.sandbox.hits("mpesa.session"), 2);
}

#[tokio::test]
async fn airtel_message_signing_when_enabled() {
    let rig = rig_with(|s| {
        if let Some(a) = s.airtel.as_mut() {
            a.signing = true;
        }
    })
    .await;
    rig.sandbox.require_airtel_signing(true);
    let airtel = rig.provider(ProviderKind::Airtel);
    let req = rig.request(ProviderKind::Airtel, Currency::Usd, 1500);
    let init = airtel.initiate(&req).await.expect("signed initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
    assert_eq!(
        rig.sandbox.payment(&req.reference).expect("fake").amount,
        "15"
    );
    let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 100_000);
    airtel.initiate(&req).await.expect("signed initiate");
    assert_eq!(rig.sandbox.hits("airtel.keys"), 1, "the key is cached");

    // An unsigned adapter is refused with DP00800001026.
    let unsigned = providers::build(&rig.sandbox.settings())
        .remove(&ProviderKind::Airtel)
        .expect("airtel");
    let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 100_000);
    match unsigned.initiate(&req).await {
        Err(ProviderError::Rejected(msg)) => assert!(msg.contains("DP00800001026"), "{msg}"),
        other => panic!("unsigned payment accepted: {other:?}"),
    }
    assert!(rig.sandbox.payment(&req.reference).is_none());

    // A tampered body does not verify.
    let base = format!("{}/airtel", rig.sandbox.base_url());
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{base}/auth/oauth2/token"))
        .json(
            &json!({"client_id": techlearnjess::payments::sandbox::AIRTEL_CLIENT_ID,
            "client_secret": techlearnjess::payments::sandbox::AIRTEL_CLIENT_SECRET,
            "grant_type": "client_credentials"}),
        )
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let settings = rig.sandbox.settings();
    let key = providers::mpesa::parse_public_key(&settings.mpesa.expect("mpesa").public_key)
        .expect("key");
    let (sig, x_key) = providers::airtel::sign(&key, br#"{"a":1}"#).expect("sign");
    let r = http
        .post(format!("{base}/merchant/v2/payments/"))
        .bearer_auth(token["access_token"].as_str().expect("token"))
        .header("X-Country", "CD")
        .header("X-Currency", "CDF")
        .header("x-signature", sig)
        .header("x-key", x_key)
        .header("Content-Type", "application/json")
        .body(r#"{"a":2}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["status"]["response_code"], "DP00800001026");
}

// ------------------------------------------------------------------------------- strictness

/// An Airtel access token from the fake, straight over HTTP.
async fn airtel_token(rig: &Rig) -> Value {
    reqwest::Client::new()
        .post(format!(
            "{}/airtel/auth/oauth2/token",
            rig.sandbox.base_url()
        ))
        .json(
            &json!({"client_id": techlearnjess::payments::sandbox::AIRTEL_CLIENT_ID,
            "client_secret": techlearnjess::payments::sandbox::AIRTEL_CLIENT_SECRET,
            "grant_type": "client_credentials"}),
        )
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn orange_is_served_under_its_dev_segment_only() {
    let rig = rig_with(|s| {
        if let Some(o) = s.orange.as_mut() {
            o.country_segment = "cd".into();
        }
    })
    .await;
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 100_000);
    match rig.provider(ProviderKind::Orange).initiate(&req).await {
        Err(ProviderError::Rejected(msg)) => assert!(msg.contains("404"), "{msg}"),
        other => panic!("a wrong path segment was accepted: {other:?}"),
    }
    assert!(rig.sandbox.payment(&req.reference).is_none());
    // The sandbox's own settings use `dev`, and work.
    let orange = providers::build(&rig.sandbox.settings())
        .remove(&ProviderKind::Orange)
        .expect("orange");
    let req = rig.request(ProviderKind::Orange, Currency::Cdf, 100_000);
    let init = orange.initiate(&req).await.expect("initiate");
    assert_eq!(init.status, ProviderStatus::Pending);
}

#[tokio::test]
async fn tokens_and_sessions_expire_with_time_and_adapters_renew_them() {
    let rig = rig().await;
    let ttl = Duration::from_secs(1);
    for kind in [
        ProviderKind::Orange,
        ProviderKind::Airtel,
        ProviderKind::Mpesa,
    ] {
        rig.sandbox.set_token_ttl(kind, ttl);
    }
    // An Airtel token announces its lifetime, works, then is refused once it is over.
    let token = airtel_token(&rig).await;
    assert_eq!(token["expires_in"], "1", "a string, as Airtel sends it");
    let token = token["access_token"].as_str().expect("token").to_owned();
    let enquiry = || {
        reqwest::Client::new()
            .get(format!(
                "{}/airtel/standard/v1/payments/NOPE",
                rig.sandbox.base_url()
            ))
            .bearer_auth(&token)
            .header("X-Country", "CD")
            .header("X-Currency", "CDF")
            .send()
    };
    assert_eq!(enquiry().await.expect("send").status(), 404, "let in");
    // Token lifetimes are the fake's and the adapters' own (system) clocks.
    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert_eq!(enquiry().await.expect("send").status(), 401, "expired");

    // The adapters take a new token (session) once the old one has lived its time.
    let mpesa = rig.provider(ProviderKind::Mpesa);
    let mpesa_payment = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    let l = lookup(&mpesa_payment, None);
    for round in 1..=2 {
        for kind in [ProviderKind::Orange, ProviderKind::Airtel] {
            let req = rig.request(kind, Currency::Cdf, 100_000);
            let init = rig.provider(kind).initiate(&req).await.expect("initiate");
            assert_eq!(
                init.status,
                ProviderStatus::Pending,
                "{kind:?} round {round}"
            );
        }
        // Unknown reference (INS-23): answered, so the session was accepted.
        let report = mpesa.query(&l).await.expect("query");
        assert_eq!(report.raw["output_ResponseCode"], "INS-23", "round {round}");
        if round == 1 {
            tokio::time::sleep(ttl + Duration::from_millis(200)).await;
        }
    }
    assert_eq!(rig.sandbox.hits("orange.token"), 2);
    // The raw token above, then the adapter's two.
    assert_eq!(rig.sandbox.hits("airtel.token"), 1 + 2);
    assert_eq!(rig.sandbox.hits("mpesa.session"), 2);
}

#[tokio::test]
async fn an_mpesa_adapter_that_does_not_wait_for_session_activation_is_refused() {
    let rig = rig_with(|s| {
        if let Some(m) = s.mpesa.as_mut() {
            m.session_delay = Duration::ZERO;
        }
    })
    .await;
    let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
    match rig.provider(ProviderKind::Mpesa).initiate(&req).await {
        Err(ProviderError::Rejected(msg)) => assert!(msg.contains("INS-2"), "{msg}"),
        other => panic!("an inactive session was accepted: {other:?}"),
    }
    assert!(
        rig.sandbox.payment(&req.reference).is_none(),
        "no PIN prompt"
    );
}

#[tokio::test]
async fn airtel_signing_mode_verifies_the_signature_on_every_payment() {
    let rig = rig().await;
    rig.sandbox.require_airtel_signing(true);
    let token = airtel_token(&rig).await;
    let token = token["access_token"].as_str().expect("token").to_owned();
    let settings = rig.sandbox.settings();
    let key = providers::mpesa::parse_public_key(&settings.mpesa.expect("mpesa").public_key)
        .expect("the key Airtel publishes");
    let body = |id: &str| {
        json!({"reference": "Cours", "subscriber": {"country": "CD", "currency": "CDF",
               "msisdn": "991234567"},
               "transaction": {"amount": 1000, "country": "CD", "currency": "CDF", "id": id}})
        .to_string()
    };
    let pay = |body: String, signature: (String, String)| {
        reqwest::Client::new()
            .post(format!(
                "{}/airtel/merchant/v1/payments/",
                rig.sandbox.base_url()
            ))
            .bearer_auth(&token)
            .header("X-Country", "CD")
            .header("X-Currency", "CDF")
            .header("Content-Type", "application/json")
            .header("x-signature", signature.0)
            .header("x-key", signature.1)
            .body(body)
            .send()
    };
    // Headers present but not matching the body (a signature of another body), or garbage.
    let other = providers::airtel::sign(&key, b"{}").expect("sign");
    let garbage = ("AAAA".to_owned(), "AAAA".to_owned());
    for (i, signature) in [other, garbage].into_iter().enumerate() {
        let id = format!("SIGNBAD{i}");
        let r = pay(body(&id), signature).await.expect("send");
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["status"]["response_code"], "DP00800001026");
        assert!(rig.sandbox.payment(&id).is_none());
    }
    // The same endpoint with a signature of the exact body goes through.
    let signed = body("SIGNGOOD");
    let signature = providers::airtel::sign(&key, signed.as_bytes()).expect("sign");
    let r = pay(signed, signature).await.expect("send");
    assert_eq!(r.status(), 200);
    assert!(rig.sandbox.payment("SIGNGOOD").is_some());
}

#[tokio::test]
async fn airtel_enquiry_says_te_for_an_expired_push_and_tf_for_a_refusal() {
    let rig = rig().await;
    let airtel = rig.provider(ProviderKind::Airtel);
    for (outcome, code, status) in [
        (SandboxOutcome::Expire, "TE", ProviderStatus::Expired),
        (SandboxOutcome::Refuse, "TF", ProviderStatus::Failed),
    ] {
        let req = rig.request(ProviderKind::Airtel, Currency::Cdf, 100_000);
        airtel.initiate(&req).await.expect("initiate");
        rig.sandbox
            .resolve(&req.reference, outcome)
            .await
            .expect("resolve");
        let report = airtel.query(&lookup(&req, None)).await.expect("query");
        assert_eq!(report.raw["data"]["transaction"]["status"], code);
        assert_eq!(report.status, status);
    }
    // The callback only knows TS and TF: an expiry is called back as TF.
    let hint = airtel
        .parse_callback(&headers(), &rig.callback("airtel", 1).await)
        .expect("parse");
    assert_eq!(hint.raw["transaction"]["status_code"], "TF");
}

#[tokio::test]
async fn mpesa_refusals_answer_with_their_documented_codes_and_http_statuses() {
    use techlearnjess::payments::providers::mpesa;
    let rig = rig().await;
    let adapter = rig.provider(ProviderKind::Mpesa);
    rig.sandbox.set_auto(
        ProviderKind::Mpesa,
        Some((SandboxOutcome::Refuse, Duration::from_millis(100))),
    );
    for (code, query_status) in [
        ("INS-5", "Cancelled"),
        ("INS-6", "Failed"),
        ("INS-2006", "Failed"),
    ] {
        rig.sandbox.set_mpesa_refusal(code);
        let req = rig.request(ProviderKind::Mpesa, Currency::Usd, 1000);
        let init = adapter.initiate(&req).await.expect("initiate");
        assert_eq!(init.status, ProviderStatus::Failed, "{code}");
        assert_eq!(init.raw["output_ResponseCode"], code);
        let report = adapter.query(&lookup(&req, None)).await.expect("query");
        assert_eq!(report.raw["output_ResponseTransactionStatus"], query_status);
        assert_eq!(report.status, ProviderStatus::Failed, "{code}");
    }

    // The HTTP status comes from the code table: insufficient balance is a 422.
    let cfg = rig.sandbox.settings().mpesa.expect("mpesa");
    let key = mpesa::parse_public_key(&cfg.public_key).expect("key");
    let base = format!("{}/ipg/v2/vodacomDRC", cfg.base_url);
    let http = reqwest::Client::new();
    let session: Value = http
        .get(format!("{base}/getSession/"))
        .bearer_auth(mpesa::encrypt(&key, &cfg.api_key).expect("encrypt"))
        .header("Origin", "*")
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    // The fake's session activation runs on its own (system) clock.
    tokio::time::sleep(MPESA_ACTIVATION + Duration::from_millis(100)).await;
    let session = session["output_SessionID"].as_str().expect("session");
    let r = http
        .post(format!("{base}/c2bPayment/singleStage/"))
        .bearer_auth(mpesa::encrypt(&key, session).expect("encrypt"))
        .header("Origin", "*")
        .json(
            &json!({"input_Amount": "10", "input_Country": "DRC", "input_Currency": "USD",
            "input_CustomerMSISDN": "243812345678",
            "input_ServiceProviderCode": cfg.service_provider_code,
            "input_ThirdPartyConversationID": techlearnjess::web::tokens::random_hex(16),
            "input_TransactionReference": "RAW2006", "input_PurchasedItemsDesc": "Cours"}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["output_ResponseCode"], "INS-2006");
}
