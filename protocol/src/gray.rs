//! Gray release rules: which clients get a gray branch's release instead of main's.
//!
//! Apollo's rule items (`clientAppId` with `clientIpList` and `clientLabelList`, `*` matching
//! any) plus Lyre's `percentage`: a stable share of an app's instances, chosen by a hash of the
//! instance's identity (its label, or its IP when it has none). An instance's share is fixed,
//! so an instance selected at 10 % stays selected at 20 %, and raising the percentage only adds
//! instances.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Matches any IP or label.
pub const ANY: &str = "*";

/// One rule: clients of `client_app_id` with a listed IP, a listed label, or within the share.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GrayRuleItem {
    /// The client app (compared ignoring case).
    pub client_app_id: String,
    /// Client IPs, or `*`.
    #[serde(default)]
    pub client_ip_list: Vec<String>,
    /// Client labels, or `*`.
    #[serde(default)]
    pub client_label_list: Vec<String>,
    /// A share of the app's instances, 0 to 100 (Lyre's extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<u8>,
}

/// A client as the config service sees it.
#[derive(Clone, Copy, Debug)]
pub struct Client<'a> {
    /// The app it reads for.
    pub app_id: &'a str,
    /// Its IP.
    pub ip: &'a str,
    /// Its label ("" when none).
    pub label: &'a str,
}

/// The instance's place among 10,000 buckets: a hash of its app and identity (its label, or its
/// IP when it has none), the same every time.
pub fn bucket(app_id: &str, identity: &str) -> u32 {
    // FNV-1a, then a finalizer that spreads similar inputs (consecutive IPs) evenly.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in app_id
        .to_ascii_lowercase()
        .bytes()
        .chain([b'\n'])
        .chain(identity.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xff51_afd7_ed55_8ccd);
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    hash ^= hash >> 33;
    u32::try_from(hash % 10_000).unwrap_or(0)
}

impl GrayRuleItem {
    /// Whether `client` is selected by this rule.
    pub fn matches(&self, client: &Client<'_>) -> bool {
        if !self.client_app_id.eq_ignore_ascii_case(client.app_id) {
            return false;
        }
        let ip = self
            .client_ip_list
            .iter()
            .any(|i| i == ANY || (!client.ip.is_empty() && i == client.ip));
        let label = self
            .client_label_list
            .iter()
            .any(|l| l == ANY || (!client.label.is_empty() && l == client.label));
        let share = self.percentage.is_some_and(|p| {
            let identity = if client.label.is_empty() {
                client.ip
            } else {
                client.label
            };
            bucket(client.app_id, identity) < u32::from(p) * 100
        });
        ip || label || share
    }

    /// Checks the rule's fields; the error names what is wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.client_app_id.trim().is_empty() {
            return Err("a rule needs a `clientAppId`".into());
        }
        if self.percentage.is_some_and(|p| p > 100) {
            return Err("`percentage` is between 0 and 100".into());
        }
        if self.client_ip_list.len() + self.client_label_list.len() > 10_000 {
            return Err("a rule lists at most 10,000 IPs and labels".into());
        }
        if self.client_ip_list.is_empty()
            && self.client_label_list.is_empty()
            && self.percentage.is_none()
        {
            return Err(format!(
                "the rule for `{}` selects nobody: give IPs, labels or a percentage",
                self.client_app_id
            ));
        }
        Ok(())
    }
}

/// Whether any rule selects `client`.
pub fn selects(rules: &[GrayRuleItem], client: &Client<'_>) -> bool {
    rules.iter().any(|r| r.matches(client))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client<'a>(ip: &'a str, label: &'a str) -> Client<'a> {
        Client {
            app_id: "shop",
            ip,
            label,
        }
    }

    #[test]
    fn ip_and_label_rules_match_like_apollos() {
        let rule = GrayRuleItem {
            client_app_id: "Shop".into(),
            client_ip_list: vec!["10.0.0.1".into()],
            client_label_list: vec!["canary".into()],
            percentage: None,
        };
        assert!(
            rule.matches(&client("10.0.0.1", "")),
            "by IP; app id ignores case"
        );
        assert!(rule.matches(&client("10.0.0.9", "canary")), "by label");
        assert!(!rule.matches(&client("10.0.0.9", "")));
        assert!(!rule.matches(&Client {
            app_id: "other",
            ip: "10.0.0.1",
            label: ""
        }));
        let any = GrayRuleItem {
            client_app_id: "shop".into(),
            client_ip_list: vec![ANY.into()],
            ..Default::default()
        };
        assert!(any.matches(&client("1.2.3.4", "")));
    }

    #[test]
    fn a_percentage_selects_its_share_and_only_grows() {
        let at = |p: u8| GrayRuleItem {
            client_app_id: "shop".into(),
            percentage: Some(p),
            ..Default::default()
        };
        let identities: Vec<String> = (0..10_000)
            .map(|i| format!("10.{}.{}.{}", i / 65_536, (i / 256) % 256, i % 256))
            .collect();
        let selected = |p: u8| -> Vec<bool> {
            identities
                .iter()
                .map(|ip| at(p).matches(&client(ip, "")))
                .collect()
        };
        let ten = selected(10);
        let share = ten.iter().filter(|s| **s).count();
        assert!(
            (900..=1_100).contains(&share),
            "10 % selected {share} of 10,000"
        );
        let twenty = selected(20);
        let share20 = twenty.iter().filter(|s| **s).count();
        assert!(
            (1_800..=2_200).contains(&share20),
            "20 % selected {share20}"
        );
        assert!(
            ten.iter().zip(&twenty).all(|(was, is)| !was || *is),
            "nobody selected at 10 % leaves at 20 %"
        );
        assert_eq!(selected(0).iter().filter(|s| **s).count(), 0);
        assert_eq!(selected(100).iter().filter(|s| **s).count(), 10_000);
        // Labels count as the identity when present.
        let labels: Vec<String> = (0..10_000).map(|i| format!("pod-{i}")).collect();
        let by_label = labels
            .iter()
            .filter(|l| at(10).matches(&client("", l)))
            .count();
        assert!((900..=1_100).contains(&by_label), "{by_label}");
        // Shown with `--nocapture`; docs/gray-release.md quotes it.
        #[allow(clippy::print_stdout)]
        {
            println!(
                "of 10,000 identities: 10 % selects {share} by IP, {by_label} by label; 20 % selects {share20}"
            );
        }
    }

    #[test]
    fn checks_name_the_problem() {
        let nobody = GrayRuleItem {
            client_app_id: "shop".into(),
            ..Default::default()
        };
        assert!(nobody.check().unwrap_err().contains("selects nobody"));
        let too_much = GrayRuleItem {
            client_app_id: "shop".into(),
            percentage: Some(101),
            ..Default::default()
        };
        assert!(too_much.check().unwrap_err().contains("between 0 and 100"));
        assert!(
            GrayRuleItem::default()
                .check()
                .unwrap_err()
                .contains("clientAppId")
        );
    }
}
