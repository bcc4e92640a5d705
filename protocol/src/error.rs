//! The one JSON shape of every error Lyre answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `{"code":"namespace_not_found","message":"...","reason":"...","params":{...}}`: a stable
/// machine-readable `code`, a sentence for people that names the problem, and (where a user
/// interface shows the error) the situation and its values, so that it can say the same in the
/// user's language.
///
/// `reason` and `params` are listed per code in
/// [docs/api-errors.md](https://github.com/lyre-config/lyre/blob/main/docs/api-errors.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable identifier of the kind of error, in `snake_case`.
    pub code: String,
    /// What went wrong, for people, in English.
    pub message: String,
    /// Stable `snake_case` name of the situation within `code` (e.g. code `forbidden`, reason
    /// `missing_role`), for a user interface to choose its sentence; absent where the error
    /// names no particular situation (a user interface then falls back to a sentence per
    /// `code`). The reasons of each code are listed in docs/api-errors.md.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub reason: Option<String>,
    /// The values the sentence of `reason` needs (which key, which role, which app...), by
    /// name; the names are fixed per reason and listed with it in docs/api-errors.md. Absent
    /// when there are none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ErrorParam>,
}

/// One value of an error's `params`: a string or a whole number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum ErrorParam {
    /// A count, a limit, an id, a number of seconds, a line...
    Number(i64),
    /// A name: a key, a role, an app, a user...
    Text(String),
}

/// No params, for a reason whose sentence needs no value.
pub const NO_PARAMS: [(&str, ErrorParam); 0] = [];

impl ErrorBody {
    /// An error body with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            reason: None,
            params: BTreeMap::new(),
        }
    }

    /// The body with the situation `reason` and the values its sentence needs.
    #[must_use]
    pub fn with_reason(
        mut self,
        reason: impl Into<String>,
        params: impl IntoIterator<Item = (impl Into<String>, impl Into<ErrorParam>)>,
    ) -> Self {
        self.reason = Some(reason.into());
        self.params
            .extend(params.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }
}

impl From<String> for ErrorParam {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&str> for ErrorParam {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<&String> for ErrorParam {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl From<i64> for ErrorParam {
    fn from(value: i64) -> Self {
        Self::Number(value)
    }
}

impl From<&i64> for ErrorParam {
    fn from(value: &i64) -> Self {
        Self::Number(*value)
    }
}

macro_rules! number_from {
    ($($t:ty),*) => {$(
        impl From<$t> for ErrorParam {
            fn from(value: $t) -> Self {
                Self::Number(i64::try_from(value).unwrap_or(i64::MAX))
            }
        }
    )*};
}

number_from!(i32, u32, u64, usize, u16, u8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_and_params_are_omitted_when_absent() {
        let plain = serde_json::to_value(ErrorBody::new("conflict", "no")).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({"code": "conflict", "message": "no"})
        );
        let detailed = ErrorBody::new("forbidden", "no")
            .with_reason("missing_role", [("role", "modify")])
            .with_reason("missing_role", [("requestId", 7)]);
        let json = serde_json::to_value(&detailed).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "forbidden", "message": "no", "reason": "missing_role",
                "params": {"role": "modify", "requestId": 7}})
        );
        assert_eq!(serde_json::from_value::<ErrorBody>(json).unwrap(), detailed);
    }
}
