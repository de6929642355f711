//! The plain-HTTP listener of `redirect_listen`: every request for one of Tandem's
//! names (the control origin's host, the content zone) is answered with a permanent
//! redirect to the same path over https, on the port the configured origin names. A
//! request for any other name is refused, so that the listener sends nobody elsewhere.

use axum::body::Body;
use http::{HeaderValue, Request, Response, StatusCode, header};
use url::Url;

use super::AppState;
use crate::origin::request_host_name;

/// The redirect for `request`, or 421 when it names a host Tandem does not serve.
pub fn to_https<B>(app: &AppState, request: &Request<B>) -> Response<Body> {
    let name = request_host_name(request.headers(), request.uri());
    // Only a DNS name: `evil.com/x.proxy.example.net` ends like a label but would send
    // the browser to evil.com.
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        return status_only(StatusCode::MISDIRECTED_REQUEST);
    }
    let config = &app.config;
    let origin = if app.zone.holds(&name) {
        &config.content_origin
    } else if config.control_origin.host_str() == Some(name.as_str()) {
        &config.control_origin
    } else {
        return status_only(StatusCode::MISDIRECTED_REQUEST);
    };
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let Some(location) = https_url(origin, &name, path) else { return status_only(StatusCode::BAD_REQUEST) };
    let mut response = status_only(StatusCode::PERMANENT_REDIRECT);
    response.headers_mut().insert(header::LOCATION, location);
    response
}

/// `https://name[:port]path`, with the port `origin` names (none for 443).
fn https_url(origin: &Url, name: &str, path: &str) -> Option<HeaderValue> {
    let port = origin.port().map(|p| format!(":{p}")).unwrap_or_default();
    HeaderValue::try_from(format!("https://{name}{port}{path}")).ok()
}

fn status_only(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_keeps_name_path_and_query_and_takes_the_origins_port() {
        let on_443 = Url::parse("https://proxy.example.net").expect("url");
        let on_8443 = Url::parse("https://proxy.example.net:8443").expect("url");
        let location = |origin, path| https_url(origin, "a1.proxy.example.net", path).expect("valid");
        assert_eq!(location(&on_443, "/x?y=1"), "https://a1.proxy.example.net/x?y=1");
        assert_eq!(location(&on_8443, "/"), "https://a1.proxy.example.net:8443/");
    }
}
