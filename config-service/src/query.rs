//! Query strings as Apollo's clients send them: `+` or `%20` for spaces, JSON values with or
//! without percent-encoding.

use std::borrow::Cow;

/// The parameters of a query string, borrowed from it where nothing needed decoding (the
/// first of repeated names wins).
#[derive(Debug, Default)]
pub(crate) struct Params<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Params<'a> {
    pub(crate) fn parse(query: Option<&'a str>) -> Self {
        // Kept in order, repeats included: `get` finds the first, and a query of many
        // parameters costs one pass per lookup, never a pass per parameter.
        Self(url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).collect())
    }

    /// The value of `name`, when present and not blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
            .filter(|v| !v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent_encoding() {
        let p = Params::parse(Some(
            "appId=a&notifications=%5B%7B%22namespaceName%22%3A%22application%22%7D%5D&label=blue+green&ip=",
        ));
        assert_eq!(p.get("appId"), Some("a"));
        assert_eq!(
            p.get("notifications"),
            Some(r#"[{"namespaceName":"application"}]"#)
        );
        assert_eq!(p.get("label"), Some("blue green"));
        assert_eq!(p.get("ip"), None, "blank is absent");
        let repeated = Params::parse(Some("appId=first&appId=second"));
        assert_eq!(repeated.get("appId"), Some("first"), "the first wins");
        let raw = Params::parse(Some(
            r#"notifications=[{"namespaceName":"application","notificationId":-1}]"#,
        ));
        assert!(raw.get("notifications").unwrap().contains("-1"));
    }
}
