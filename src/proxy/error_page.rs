//! The HTML page a visitor (or an agent, for a watch link) sees when a request fails:
//! what happened, whose fault it was, and which upstream was involved.

use axum::body::Body;
use http::{HeaderValue, Response, StatusCode, header};

use crate::error::ProxyError;

/// Renders `error` as a small self-contained HTML page with the right status.
pub fn render(error: &ProxyError) -> Response<Body> {
    render_page(error.status(), error.title(), &error.to_string())
}

/// A page with `title` and the text `detail`.
pub fn render_page(status: StatusCode, title: &str, detail: &str) -> Response<Body> {
    let detail = html_escape::encode_text(detail).into_owned();
    let title = html_escape::encode_text(title);
    let page = format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
         <title>{title}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}}\
         h1{{font-size:1.4em}}code{{background:#f3f3f3;padding:.1em .3em}}</style></head>\
         <body><h1>{title}</h1><p id=tandem-error>{detail}</p><p><small>Tandem co-browsing · {code}</small></p></body></html>",
        code = status.as_u16(),
    );
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
