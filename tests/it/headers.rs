//! Security headers: strict CSP without inline script, nosniff, referrer, framing, and the
//! camera/microphone allowed on the live room page only.

use crate::helpers::{TestApp, location};

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The sources of one CSP directive.
fn directive(csp: &str, name: &str) -> Vec<String> {
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
        .map(|rest| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn assert_common(r: &reqwest::Response, what: &str) {
    let csp = header(r, "content-security-policy");
    let scripts = directive(&csp, "script-src");
    assert_eq!(scripts, ["'self'"], "{what}: script-src in {csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(directive(&csp, "object-src"), ["'none'"], "{what}");
    assert_eq!(directive(&csp, "frame-ancestors"), ["'none'"], "{what}");
    assert_eq!(directive(&csp, "base-uri"), ["'self'"], "{what}");
    assert_eq!(header(r, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(r, "x-frame-options"), "DENY", "{what}");
    assert_eq!(
        header(r, "referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
}

fn permissions(r: &reqwest::Response) -> Vec<String> {
    header(r, "permissions-policy")
        .split(',')
        .map(|p| p.trim().to_owned())
        .collect()
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_no_camera() {
    let app = TestApp::with_demo().await;
    let b = app.new_browser();
    b.login("formateur@techlearnjess.cd", "Demo-2026-tlj").await;
    let css = {
        let r = b.get("/").await;
        let html = r.text().await.unwrap();
        let start = html.find("/static/app").expect("stylesheet link");
        html[start..].split('"').next().unwrap().to_owned()
    };
    for path in [
        "/",
        "/courses",
        "/dashboard",
        "/chat",
        "/live",
        "/live/new",
        "/login",
        "/healthz",
        "/nulle-part",
        css.as_str(),
    ] {
        let r = b.get(path).await;
        assert_common(&r, path);
        let p = permissions(&r);
        assert!(p.contains(&"camera=()".to_owned()), "{path}: {p:?}");
        assert!(p.contains(&"microphone=()".to_owned()), "{path}: {p:?}");
        assert!(p.contains(&"geolocation=()".to_owned()), "{path}: {p:?}");
    }
    // Errors and redirects too.
    let r = app.new_browser().post_form("/login", &[]).await;
    assert_common(&r, "a rejected form");
    let r = app.get("/dashboard").await;
    assert_eq!(r.status(), 303);
    assert_common(&r, "a redirect");
}

#[tokio::test]
async fn the_live_room_alone_may_use_camera_and_microphone() {
    let app = TestApp::with_demo().await;
    let trainer = app.new_browser();
    trainer
        .login("formateur@techlearnjess.cd", "Demo-2026-tlj")
        .await;
    let starts = (time::OffsetDateTime::now_utc() + time::Duration::minutes(30))
        .to_offset(techlearnjess::live::model::KINSHASA);
    let starts = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        starts.year(),
        u8::from(starts.month()),
        starts.day(),
        starts.hour(),
        starts.minute()
    );
    let r = trainer
        .post_form(
            "/live",
            &[
                ("title", "Atelier caméra"),
                ("description", "Essai"),
                ("course_id", ""),
                ("starts_at", &starts),
                ("duration_minutes", "60"),
                ("external_url", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let room = location(&r);
    assert!(room.starts_with("/live/"), "{room}");

    let r = trainer.get(&room).await;
    assert_eq!(r.status(), 200);
    assert_common(&r, "live room");
    let p = permissions(&r);
    assert!(p.contains(&"camera=(self)".to_owned()), "{p:?}");
    assert!(p.contains(&"microphone=(self)".to_owned()), "{p:?}");
    assert!(p.contains(&"geolocation=()".to_owned()), "{p:?}");
    // Its sub-resources and neighbours are not the room.
    for path in [format!("{room}/edit"), format!("{room}/session.ics")] {
        let r = trainer.get(&path).await;
        assert!(
            permissions(&r).contains(&"camera=()".to_owned()),
            "{path}: {:?}",
            permissions(&r)
        );
    }
}
