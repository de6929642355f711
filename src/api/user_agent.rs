//! What a `User-Agent` says of the browser and the device, for the visitor record.
//! Only the families a support agent needs to tell apart; the full string is kept too.

/// The browser's family: `Edge`, `Opera`, `Samsung Internet`, `Firefox`, `Chrome`,
/// `Safari`, or `Other`. Order matters: Edge and Opera also say Chrome, Chrome also
/// says Safari.
pub fn browser_name(user_agent: &str) -> &'static str {
    const FAMILIES: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("CriOS/", "Chrome"),
        ("Chromium/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    FAMILIES.iter().find(|(token, _)| user_agent.contains(token)).map_or("Other", |(_, name)| name)
}

/// `tablet`, `mobile` or `desktop`.
pub fn device_type(user_agent: &str) -> &'static str {
    let android = user_agent.contains("Android");
    if user_agent.contains("iPad") || user_agent.contains("Tablet") || (android && !user_agent.contains("Mobile")) {
        "tablet"
    } else if android || user_agent.contains("iPhone") || user_agent.contains("Mobile") {
        "mobile"
    } else {
        "desktop"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_and_devices_are_told_apart() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                "Chrome",
                "desktop",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge",
                "desktop",
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "desktop"),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari",
                "mobile",
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                "Chrome",
                "tablet",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "Chrome",
                "tablet",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome",
                "mobile",
            ),
            ("curl/8.5.0", "Other", "desktop"),
        ];
        for (ua, browser, device) in cases {
            assert_eq!((browser_name(ua), device_type(ua)), (browser, device), "{ua}");
        }
    }
}
