//! `/__tandem/cookie` on every label: what `document.cookie` reads and writes on the
//! page, backed by the session's server-side jar. The browser never holds an upstream
//! cookie, so the in-page runtime asks here, with a synchronous request because the
//! `document.cookie` API is synchronous.
//!
//! `GET ?path=<page path>` answers the `name=value; ...` string of the page's
//! non-HttpOnly cookies; `POST ?path=<page path>` with one `document.cookie = "..."`
//! string as body stores it (as a browser's non-HTTP API would) and answers the new
//! string. Only the label's own pages may ask: all labels are one site to the browser,
//! so another label must not read or plant this origin's cookies.

use axum::body::Body;
use http::{HeaderValue, Method, Response, header, request::Parts};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use url::Url;

use super::context::{is_bound, query_param, request_host};
use crate::error::ProxyError;
use crate::origin::{UpstreamOrigin, strip_port};
use crate::server::AppState;
use crate::session::ProxySession;

/// The endpoint's path on every label.
pub const COOKIE_PATH: &str = "/__tandem/cookie";
/// The header the runtime sends: a custom header makes any cross-origin request need a
/// CORS preflight, which this endpoint never grants, and no form or image can send it.
const GUARD_HEADER: &str = "x-tandem-cookie";
/// Browsers keep a cookie's name and value under 4096 bytes; attributes add a little.
const MAX_BODY: usize = 8 * 1024;
/// Why a written cookie was ignored, for the curious (the page sees nothing, as in browsers).
const REFUSED_HEADER: &str = "x-tandem-cookie-refused";

/// Answers a request for [`COOKIE_PATH`].
pub async fn serve(
    app: &AppState,
    parts: &Parts,
    body: Incoming,
    session: &ProxySession,
    origin: &UpstreamOrigin,
) -> Result<Response<Body>, ProxyError> {
    if !is_bound(parts, session) {
        return Err(ProxyError::NotBound);
    }
    let label_host = own_origin_only(app, parts, session, origin)?;
    let path = query_param(parts, "path")
        .filter(|path| path.starts_with('/'))
        .ok_or_else(|| ProxyError::BadRequest("`path` (the page's path, from /) is required".into()))?;
    // The path only: `//other.host/` must not name another origin's cookies.
    let mut page = Url::parse(&origin.serialize()).map_err(|e| ProxyError::Internal(e.to_string()))?;
    page.set_path(&path);
    let jar = &session.jar;
    let refused = match parts.method {
        Method::GET => None,
        Method::POST => {
            let text = read_text(body).await?;
            let text = real_domain(&text, &label_host, app.zone.zone(), &page, jar.site_of(&page));
            jar.set_from_script(&page, &text).err()
        }
        _ => return Err(ProxyError::MethodNotAllowed),
    };
    let mut response = Response::new(Body::from(jar.script_cookies(&page)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(reason) = refused.and_then(|r| HeaderValue::from_str(&r.to_string()).ok()) {
        headers.insert(REFUSED_HEADER, reason);
    }
    Ok(response)
}

/// Refuses anything but the runtime on the label's own pages; returns the label's host.
fn own_origin_only(
    app: &AppState,
    parts: &Parts,
    session: &ProxySession,
    origin: &UpstreamOrigin,
) -> Result<String, ProxyError> {
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let own = app.zone.origin_of(&session.label_for(origin));
    let same_origin = header(GUARD_HEADER).is_some()
        && header("sec-fetch-site").is_none_or(|site| site == "same-origin")
        && header("origin").is_none_or(|o| o.eq_ignore_ascii_case(&own));
    if !same_origin {
        return Err(ProxyError::NotOwnOrigin);
    }
    let host = request_host(parts).ok_or_else(|| ProxyError::BadRequest("no Host header".into()))?;
    Ok(strip_port(host).to_ascii_lowercase())
}

async fn read_text(body: Incoming) -> Result<String, ProxyError> {
    let bytes =
        Limited::new(body, MAX_BODY).collect().await.map_err(|e| match e.downcast_ref::<LengthLimitError>() {
            Some(_) => ProxyError::TooLarge(MAX_BODY),
            None => ProxyError::BadRequest(format!("could not read the cookie: {e}")),
        })?;
    String::from_utf8(bytes.to_bytes().to_vec()).map_err(|_| ProxyError::BadRequest("the cookie is not UTF-8".into()))
}

/// What a page's `document.cookie = text` means on the real web: pages that build
/// `Domain=` from `location.hostname` name the label's host (`label_host`), or a parent
/// of it (the `zone`); they meant the real host of `page`, or its `site`. Any other
/// domain is left for the jar to judge against the real host. Public for the fuzz
/// target of the script-cookie path (`fuzz/fuzz_targets/jar.rs`).
pub fn real_domain(text: &str, label_host: &str, zone: &str, page: &Url, site: Option<&str>) -> String {
    let real_of = |value: &str| {
        let domain = value.trim().trim_start_matches('.').to_ascii_lowercase();
        if domain == label_host {
            page.host_str()
        } else if label_host.ends_with(&format!(".{domain}")) && zone.ends_with(&domain) {
            site
        } else {
            None
        }
    };
    let mut fields = text.split(';');
    let mut out = fields.next().unwrap_or_default().to_owned();
    for field in fields {
        out.push(';');
        let domain = field.split_once('=').filter(|(name, _)| name.trim().eq_ignore_ascii_case("domain"));
        match domain.and_then(|(name, value)| Some((name, real_of(value)?))) {
            Some((name, real)) => {
                out.push_str(name);
                out.push('=');
                out.push_str(real);
            }
            None => out.push_str(field),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_form_domains_name_the_real_host_or_site() {
        let page = Url::parse("https://www.shop.example/cart").expect("url");
        let label = "abcdefghs-www-shop-example.proxy.localhost";
        let real = |text: &str| real_domain(text, label, "proxy.localhost", &page, Some("shop.example"));
        assert_eq!(real("a=1; Domain=abcdefghs-www-shop-example.proxy.localhost"), "a=1; Domain=www.shop.example");
        assert_eq!(real("a=1; path=/; domain=.proxy.localhost"), "a=1; path=/; domain=shop.example");
        assert_eq!(real("a=1;domain=localhost;secure"), "a=1;domain=shop.example;secure");
        assert_eq!(real("a=1; Domain=shop.example"), "a=1; Domain=shop.example");
        assert_eq!(real("a=1; Domain=other.localhost"), "a=1; Domain=other.localhost");
        assert_eq!(real("a=b=c; Max-Age=5"), "a=b=c; Max-Age=5");
        assert_eq!(real(""), "");
    }
}
