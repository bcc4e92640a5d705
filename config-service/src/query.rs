//! Query strings as Apollo's clients send them: `+` or `%20` for spaces, JSON values with or
//! without percent-encoding.

use std::collections::HashMap;

/// The parameters of a query string (the first of repeated names wins).
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let mut map = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            map.entry(name.into_owned())
                .or_insert_with(|| value.into_owned());
        }
        Self(map)
    }

    /// The value of `name`, when present and not blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
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
        let raw = Params::parse(Some(
            r#"notifications=[{"namespaceName":"application","notificationId":-1}]"#,
        ));
        assert!(raw.get("notifications").unwrap().contains("-1"));
    }
}
