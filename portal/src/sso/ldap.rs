//! LDAP sign-in (OpenLDAP, Active Directory): the password from the sign-in form is checked by
//! binding as the user, found by a search made with a service account; their groups come from
//! a group search or from an attribute of their entry (`memberOf`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings, Scope, SearchEntry, ldap_escape};
use serde::Deserialize;

use super::Profile;

/// `users.source` of an LDAP user.
pub(crate) const SOURCE: &str = "ldap";

/// `invalidCredentials`: the password is wrong (or the account may not bind).
const INVALID_CREDENTIALS: u32 = 49;

/// The `[sign_in.ldap]` table of `lyre.toml`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapSettings {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[serde(default)]
    pub start_tls: bool,
    /// PEM file of the certificate authorities to trust for LDAPS and StartTLS [default: the
    /// system's].
    pub ca_file: Option<PathBuf>,
    /// The service account that searches for users [default: an anonymous search].
    pub bind_dn: Option<String>,
    /// Its password (or `bind_password_file`, or `LYRE_LDAP_BIND_PASSWORD`).
    pub bind_password: Option<String>,
    /// A file holding the service account's password.
    pub bind_password_file: Option<PathBuf>,
    /// Where users are searched, e.g. `ou=people,dc=example,dc=com`.
    pub user_base: String,
    /// The search for the user signing in; `{username}` is replaced by what they typed
    /// (escaped) [default: `(uid={username})`].
    pub user_filter: Option<String>,
    /// The attribute whose value is the Lyre user name [default: `uid`; `sAMAccountName` on AD].
    pub username_attribute: Option<String>,
    /// [default: `cn`]
    pub display_name_attribute: Option<String>,
    /// [default: `mail`]
    pub email_attribute: Option<String>,
    /// Where groups are searched [default: no group search].
    pub group_base: Option<String>,
    /// The search for a user's groups; `{dn}` is the user's DN, `{username}` their name
    /// [default: `(member={dn})`].
    pub group_filter: Option<String>,
    /// The attribute that names a group [default: `cn`].
    pub group_name_attribute: Option<String>,
    /// An attribute of the user's entry listing the DNs of their groups (`memberOf`); each
    /// group is named by the value of its DN's first part [default: none].
    pub member_of_attribute: Option<String>,
    /// Seconds a sign-in may spend on the directory [default: 10].
    pub timeout_secs: Option<u64>,
}

impl std::fmt::Debug for LdapSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LdapSettings")
            .field("url", &self.url)
            .field("bind_dn", &self.bind_dn)
            .field("user_base", &self.user_base)
            .finish_non_exhaustive()
    }
}

/// A checked LDAP configuration.
pub(crate) struct Ldap {
    url: String,
    start_tls: bool,
    tls: Option<Arc<rustls::ClientConfig>>,
    bind: Option<(String, String)>,
    user_base: String,
    user_filter: String,
    username_attribute: String,
    display_name_attribute: String,
    email_attribute: String,
    group_search: Option<(String, String, String)>,
    member_of_attribute: Option<String>,
    timeout: Duration,
}

impl Ldap {
    pub(crate) fn new(s: LdapSettings) -> Result<Self, String> {
        let url = s.url.trim().to_owned();
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        match scheme {
            Some("ldap") => {}
            Some("ldaps") if s.start_tls => {
                return Err(
                    "sign_in.ldap: start_tls is for ldap:// URLs; ldaps:// is TLS already".into(),
                );
            }
            Some("ldaps") => {}
            _ => {
                return Err(format!(
                    "sign_in.ldap.url `{url}` must start with ldap:// or ldaps://"
                ));
            }
        }
        let tls = s.ca_file.as_deref().map(trusting).transpose()?;
        let password = super::secret(
            "sign_in.ldap.bind_password",
            s.bind_password,
            s.bind_password_file.as_deref(),
            "LYRE_LDAP_BIND_PASSWORD",
        )?;
        let bind = match (s.bind_dn, password) {
            (Some(dn), Some(password)) => Some((dn, password)),
            (Some(_), None) => {
                return Err(
                    "sign_in.ldap.bind_dn needs bind_password, bind_password_file or \
                     LYRE_LDAP_BIND_PASSWORD"
                        .into(),
                );
            }
            (None, _) => None,
        };
        let user_filter = s.user_filter.unwrap_or_else(|| "(uid={username})".into());
        if !user_filter.contains("{username}") {
            return Err(format!(
                "sign_in.ldap.user_filter `{user_filter}` must contain {{username}}"
            ));
        }
        let group_search = match s.group_base {
            Some(base) => {
                let filter = s.group_filter.unwrap_or_else(|| "(member={dn})".into());
                if !filter.contains("{dn}") && !filter.contains("{username}") {
                    return Err(format!(
                        "sign_in.ldap.group_filter `{filter}` must contain {{dn}} or {{username}}"
                    ));
                }
                let name = s.group_name_attribute.unwrap_or_else(|| "cn".into());
                Some((base, filter, name))
            }
            None if s.group_filter.is_some() => {
                return Err("sign_in.ldap.group_filter needs group_base".into());
            }
            None => None,
        };
        Ok(Self {
            url,
            start_tls: s.start_tls,
            tls,
            bind,
            user_base: s.user_base,
            user_filter,
            username_attribute: s.username_attribute.unwrap_or_else(|| "uid".into()),
            display_name_attribute: s.display_name_attribute.unwrap_or_else(|| "cn".into()),
            email_attribute: s.email_attribute.unwrap_or_else(|| "mail".into()),
            group_search,
            member_of_attribute: s.member_of_attribute,
            timeout: Duration::from_secs(s.timeout_secs.unwrap_or(10).clamp(1, 60)),
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The profile of `username` when `password` is theirs; `Ok(None)` for an unknown user or a
    /// wrong password (which the caller answers alike); `Err` when the directory cannot be
    /// asked, with a message for people.
    pub(crate) async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<Profile>, String> {
        // An empty password would be an unauthenticated bind, which succeeds.
        if password.is_empty() {
            return Ok(None);
        }
        match tokio::time::timeout(self.timeout, self.ask(username, password)).await {
            Ok(result) => result.map_err(|e| format!("the directory at {}: {e}", self.url)),
            Err(_) => Err(format!(
                "the directory at {} did not answer within {} seconds",
                self.url,
                self.timeout.as_secs()
            )),
        }
    }

    async fn ask(&self, username: &str, password: &str) -> Result<Option<Profile>, String> {
        let mut settings = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_starttls(self.start_tls);
        if let Some(tls) = &self.tls {
            settings = settings.set_config(tls.clone());
        }
        let (conn, mut ldap) = LdapConnAsync::with_settings(settings, &self.url)
            .await
            .map_err(|e| format!("cannot connect: {e}"))?;
        ldap3::drive!(conn);
        if let Some((dn, secret)) = &self.bind {
            ldap.simple_bind(dn, secret)
                .await
                .and_then(ldap3::LdapResult::success)
                .map_err(|e| format!("the service account `{dn}` cannot bind: {e}"))?;
        }
        let filter = self
            .user_filter
            .replace("{username}", &ldap_escape(username));
        let mut attributes = vec![
            self.username_attribute.as_str(),
            self.display_name_attribute.as_str(),
            self.email_attribute.as_str(),
        ];
        if let Some(member_of) = &self.member_of_attribute {
            attributes.push(member_of);
        }
        let (entries, _) = ldap
            .search(&self.user_base, Scope::Subtree, &filter, attributes)
            .await
            .and_then(ldap3::SearchResult::success)
            .map_err(|e| format!("searching {} for {filter}: {e}", self.user_base))?;
        // No one, or more than one: nobody to sign in.
        let mut entries = entries.into_iter();
        let (Some(entry), None) = (entries.next(), entries.next()) else {
            return Ok(None);
        };
        let entry = SearchEntry::construct(entry);
        let first = |attribute: &str| {
            entry
                .attrs
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
                .and_then(|(_, values)| values.first().cloned())
                .unwrap_or_default()
        };
        let name = first(&self.username_attribute);
        if name.is_empty() {
            return Ok(None);
        }
        let mut groups = Vec::new();
        if let Some(member_of) = &self.member_of_attribute {
            groups.extend(
                entry
                    .attrs
                    .iter()
                    .filter(|(name, _)| name.eq_ignore_ascii_case(member_of))
                    .flat_map(|(_, values)| values.iter())
                    .filter_map(|dn| first_rdn_value(dn)),
            );
        }
        if let Some((base, filter, attribute)) = &self.group_search {
            let filter = filter
                .replace("{dn}", &ldap_escape(entry.dn.as_str()))
                .replace("{username}", &ldap_escape(name.as_str()));
            let (found, _) = ldap
                .search(base, Scope::Subtree, &filter, vec![attribute.as_str()])
                .await
                .and_then(ldap3::SearchResult::success)
                .map_err(|e| format!("searching {base} for {filter}: {e}"))?;
            for group in found.into_iter().map(SearchEntry::construct) {
                groups.extend(
                    group
                        .attrs
                        .into_iter()
                        .filter(|(name, _)| name.eq_ignore_ascii_case(attribute))
                        .flat_map(|(_, values)| values.into_iter().take(1)),
                );
            }
        }
        // Last, the password: bind as the user.
        let bound = ldap
            .simple_bind(&entry.dn, password)
            .await
            .map_err(|e| format!("binding as `{}`: {e}", entry.dn))?;
        let _ = ldap.unbind().await;
        match bound.rc {
            0 => {}
            INVALID_CREDENTIALS => return Ok(None),
            _ => return Err(format!("binding as `{}`: {bound}", entry.dn)),
        }
        groups.sort();
        groups.dedup();
        Ok(Some(Profile {
            display_name: first(&self.display_name_attribute),
            email: first(&self.email_attribute),
            username: name,
            groups,
        }))
    }
}

/// The value of a DN's first part: `Shop Devs` of `CN=Shop Devs,OU=Groups,DC=example,DC=com`.
fn first_rdn_value(dn: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = dn.split_once('=')?.1.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.extend(chars.next()),
            ',' | '+' => break,
            c => value.push(c),
        }
    }
    let value = value.trim().to_owned();
    (!value.is_empty()).then_some(value)
}

/// A TLS configuration that trusts the certificate authorities of a PEM file.
fn trusting(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let setting = || format!("sign_in.ldap.ca_file {}", path.display());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| format!("{}: {e}", setting()))? {
        let cert = cert.map_err(|e| format!("{}: {e}", setting()))?;
        roots.add(cert).map_err(|e| format!("{}: {e}", setting()))?;
    }
    if roots.is_empty() {
        return Err(format!("{} holds no certificate", setting()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("{}: {e}", setting()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::first_rdn_value;

    #[test]
    fn a_group_is_named_by_its_dns_first_value() {
        assert_eq!(
            first_rdn_value("CN=Shop Devs,OU=Groups,DC=example,DC=com").as_deref(),
            Some("Shop Devs")
        );
        assert_eq!(
            first_rdn_value(r"cn=a\,b,ou=groups").as_deref(),
            Some("a,b")
        );
        assert_eq!(first_rdn_value("nonsense"), None);
    }
}
