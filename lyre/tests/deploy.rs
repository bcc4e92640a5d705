//! The deployment files. The `Dockerfile` is read, not built (no Docker daemon on the build
//! machines): what it copies exists, the image runs `lyre` as an unprivileged user, and the
//! variables it sets are ones `lyre` reads.
//!
//! The Helm chart in `helm/lyre`, checked without Helm or a cluster: its templates render
//! (with a small Go-template engine of our own, strict about undefined values) into YAML
//! documents that parse, every value a template names is defined in `values.yaml`, every
//! `LYRE_*` variable it sets is one `lyre` reads, references between objects resolve, and the
//! rendered workloads, run as the real binary with their own arguments and environment, migrate
//! and come up ready, with the meta server giving out the config Service's DNS name.
//!
//! Not verified here: Helm's own engine (ours implements the subset the chart uses), the
//! Kubernetes API schemas beyond the fields asserted, hook ordering on a real install, and
//! building or running the container image.

mod common;

#[path = "deploy/gotemplate.rs"]
mod gotemplate;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{Running, free_port, http_get, raw_request, send_raw};
use gotemplate::Templates;

fn chart_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../helm/lyre")
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

struct Chart {
    templates: Templates,
    sources: Vec<(String, String)>,
    values: Value,
    meta: Value,
}

impl Chart {
    fn load() -> Self {
        let dir = chart_dir();
        let meta = yaml(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap());
        let values = yaml(&std::fs::read_to_string(dir.join("values.yaml")).unwrap());
        let mut sources = Vec::new();
        for entry in std::fs::read_dir(dir.join("templates")).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("templates/{}", path.file_name().unwrap().to_str().unwrap());
            sources.push((name, std::fs::read_to_string(&path).unwrap()));
        }
        sources.sort();
        let templates = Templates::parse(&sources).unwrap();
        Self {
            templates,
            sources,
            values,
            meta,
        }
    }

    /// The objects the chart makes with `overrides` merged into its values.
    fn render(&self, overrides: Value) -> Result<Vec<Value>, String> {
        let mut values = self.values.clone();
        merge(&mut values, overrides);
        let root = json!({
            "Values": values,
            "Release": {"Name": "lyre", "Namespace": "configs", "Service": "Helm", "Revision": 3},
            "Chart": {
                "Name": self.meta["name"],
                "Version": self.meta["version"],
                "AppVersion": self.meta["appVersion"],
            },
        });
        let mut objects = Vec::new();
        for (name, text) in self.templates.render_all(&root)? {
            for document in split_documents(&text) {
                let object: Value = serde_saphyr::from_str(&document).map_err(|e| {
                    format!("{name} renders YAML that does not parse: {e}\n{document}")
                })?;
                if !object.is_null() {
                    objects.push(object);
                }
            }
        }
        Ok(objects)
    }
}

fn merge(base: &mut Value, overrides: Value) {
    match (base, overrides) {
        (Value::Object(base), Value::Object(overrides)) => {
            for (key, value) in overrides {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, value) => *base = value,
    }
}

/// A rendered file's documents, split at `---` lines; blank and comment-only ones dropped.
fn split_documents(text: &str) -> Vec<String> {
    let mut documents = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" {
            documents.push(String::new());
        } else {
            let last = documents.last_mut().unwrap();
            last.push_str(line);
            last.push('\n');
        }
    }
    documents
        .into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// The admin service token of the renders.
const ADMIN_TOKEN: &str = "chart-admin-token-0123456789abcdef0123";

/// The database, password and admin token every render needs.
fn required() -> Value {
    json!({
        "database": {"url": "postgres://lyre:pw@db.example:5432/lyre"},
        "adminPassword": "first-password",
        "adminTokens": [ADMIN_TOKEN],
    })
}

fn with(mut base: Value, more: Value) -> Value {
    merge(&mut base, more);
    base
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} among {:?}", kinds(objects)))
}

fn kinds(objects: &[Value]) -> Vec<String> {
    let mut kinds: Vec<String> = objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    kinds
}

/// The `LYRE_*` variables `lyre` reads, from its own help (asked once per test run).
fn lyre_variables() -> &'static BTreeSet<String> {
    static NAMES: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(read_lyre_variables)
}

fn read_lyre_variables() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for args in [&["--help"][..], &["migrate", "--help"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_lyre"))
            .args(args)
            .output()
            .unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        for part in help.split("[env: ").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    assert!(names.contains("LYRE_DATABASE_URL"), "{names:?}");
    names
}

/// What every object of a render must satisfy, whatever the values.
fn check_objects(objects: &[Value], existing_secret: Option<&str>) {
    let known = lyre_variables();
    let dns_label = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let mut seen = BTreeSet::new();
    for object in objects {
        let kind = object["kind"].as_str().expect("every object has a kind");
        assert!(object["apiVersion"].is_string(), "{kind} has no apiVersion");
        let name = object["metadata"]["name"]
            .as_str()
            .expect("every object has a name");
        assert!(dns_label(name), "{kind} name {name:?} is not a DNS label");
        assert!(seen.insert((kind, name)), "{kind} {name} rendered twice");
        for (label, value) in object["metadata"]["labels"].as_object().unwrap() {
            assert!(
                value.as_str().is_some_and(|v| v.len() <= 63),
                "label {label} of {name}: {value}"
            );
        }
        // Variables set through ConfigMaps and Secrets (keys with a dot are mounted files).
        for field in ["data", "stringData"] {
            if let Some(data) = object[field].as_object() {
                for key in data.keys().filter(|k| !k.contains('.')) {
                    assert!(
                        known.contains(key),
                        "{kind} {name} sets {key}, which lyre does not read"
                    );
                }
            }
        }
    }

    let has = |kind: &str, name: &str| {
        objects
            .iter()
            .any(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    };
    for workload in objects
        .iter()
        .filter(|o| o["kind"] == "Deployment" || o["kind"] == "Job")
    {
        let name = workload["metadata"]["name"].as_str().unwrap();
        let pod = &workload["spec"]["template"];
        if workload["kind"] == "Deployment" {
            let selector = workload["spec"]["selector"]["matchLabels"]
                .as_object()
                .unwrap();
            for (key, value) in selector {
                assert_eq!(
                    &pod["metadata"]["labels"][key], value,
                    "{name} selects pods it does not make"
                );
            }
        }
        assert_eq!(
            pod["spec"]["securityContext"]["runAsNonRoot"], true,
            "{name} may run as root"
        );
        for container in pod["spec"]["containers"].as_array().unwrap() {
            assert!(
                container["image"].as_str().is_some_and(|i| i.contains(':')),
                "{name}: image"
            );
            assert_eq!(
                container["securityContext"]["allowPrivilegeEscalation"],
                false
            );
            for source in container["envFrom"].as_array().into_iter().flatten() {
                if let Some(map) = source["configMapRef"]["name"].as_str() {
                    assert!(
                        has("ConfigMap", map),
                        "{name} reads ConfigMap {map}, not rendered"
                    );
                }
                if let Some(secret) = source["secretRef"]["name"].as_str() {
                    assert!(
                        has("Secret", secret) || Some(secret) == existing_secret,
                        "{name} reads Secret {secret}, neither rendered nor the existing one"
                    );
                }
            }
            for var in container["env"].as_array().into_iter().flatten() {
                let key = var["name"].as_str().unwrap();
                assert!(
                    known.contains(key),
                    "{name} sets {key}, which lyre does not read"
                );
                if let Some(secret) = var["valueFrom"]["secretKeyRef"]["name"].as_str() {
                    assert!(
                        has("Secret", secret) || Some(secret) == existing_secret,
                        "{name} reads Secret {secret}, neither rendered nor the existing one"
                    );
                }
            }
            if workload["kind"] == "Deployment" {
                assert_eq!(
                    container["livenessProbe"]["httpGet"]["path"], "/health",
                    "{name}"
                );
                assert_eq!(
                    container["readinessProbe"]["httpGet"]["path"], "/ready",
                    "{name}"
                );
                assert_eq!(container["ports"][0]["name"], "http", "{name}");
                assert!(
                    container["resources"]["requests"].is_object(),
                    "{name} has no resource requests"
                );
            }
        }
    }

    // Services, PDBs, the autoscaler and the ingress point at what exists.
    let deployment_selecting = |selector: &serde_json::Map<String, Value>| {
        objects.iter().any(|o| {
            o["kind"] == "Deployment"
                && selector
                    .iter()
                    .all(|(k, v)| &o["spec"]["template"]["metadata"]["labels"][k] == v)
        })
    };
    for object in objects {
        let name = object["metadata"]["name"].as_str().unwrap();
        match object["kind"].as_str().unwrap() {
            "Service" => {
                assert!(
                    deployment_selecting(object["spec"]["selector"].as_object().unwrap()),
                    "Service {name} selects no pods"
                );
                assert_eq!(object["spec"]["ports"][0]["targetPort"], "http");
            }
            "PodDisruptionBudget" => assert!(
                deployment_selecting(
                    object["spec"]["selector"]["matchLabels"]
                        .as_object()
                        .unwrap()
                ),
                "PDB {name} selects no pods"
            ),
            "HorizontalPodAutoscaler" => {
                let target = object["spec"]["scaleTargetRef"]["name"].as_str().unwrap();
                assert!(
                    has("Deployment", target),
                    "HPA {name} scales {target}, not rendered"
                );
            }
            "Ingress" => {
                for rule in object["spec"]["rules"].as_array().unwrap() {
                    for path in rule["http"]["paths"].as_array().unwrap() {
                        let service = path["backend"]["service"]["name"].as_str().unwrap();
                        assert!(
                            has("Service", service),
                            "Ingress routes to {service}, not rendered"
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_value_a_template_names_is_in_values_yaml() {
    let chart = Chart::load();
    let mut missing = Vec::new();
    for (file, source) in &chart.sources {
        for (at, _) in source.match_indices(".Values.") {
            let path: String = source[at + ".Values.".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            let mut value = &chart.values;
            for key in path.trim_end_matches('.').split('.') {
                match value.get(key) {
                    Some(v) => value = v,
                    None => {
                        missing.push(format!("{file}: .Values.{path}"));
                        break;
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "not in values.yaml: {missing:?}");
}

#[test]
fn the_default_render_makes_every_object_users_need() {
    let chart = Chart::load();
    let objects = chart.render(required()).unwrap();
    check_objects(&objects, None);
    assert_eq!(
        kinds(&objects),
        [
            "ConfigMap/lyre",
            "Deployment/lyre-admin",
            "Deployment/lyre-config",
            "Deployment/lyre-portal",
            "HorizontalPodAutoscaler/lyre-config",
            "Job/lyre-migrate-3",
            "NetworkPolicy/lyre-admin",
            "PodDisruptionBudget/lyre-admin",
            "PodDisruptionBudget/lyre-config",
            "PodDisruptionBudget/lyre-portal",
            "Secret/lyre",
            "Secret/lyre-migrate",
            "Service/lyre-admin",
            "Service/lyre-config",
            "Service/lyre-portal",
        ]
    );

    // The autoscaler owns the config service's replica count; the others have their own.
    let config = find(&objects, "Deployment", "lyre-config");
    assert!(config["spec"].get("replicas").is_none());
    assert_eq!(
        find(&objects, "Deployment", "lyre-admin")["spec"]["replicas"],
        2
    );
    assert_eq!(
        find(&objects, "HorizontalPodAutoscaler", "lyre-config")["spec"]["maxReplicas"],
        10
    );

    // The meta server gives out the config Service's DNS name; the portal finds the meta
    // server there, and the services leave migrating to the hook.
    let env = container_env(&objects, config);
    assert_eq!(
        env["LYRE_CONFIG_URL"],
        "http://lyre-config.configs.svc.cluster.local:8080"
    );
    let portal = container_env(&objects, find(&objects, "Deployment", "lyre-portal"));
    assert_eq!(
        portal["LYRE_META_URL"],
        "http://lyre-config.configs.svc.cluster.local:8080"
    );
    assert_eq!(portal["LYRE_ENVS"], "DEV,PRO");
    assert_eq!(portal["LYRE_MIGRATE"], "false");
    assert_eq!(portal["LYRE_ADMIN_PASSWORD"], "first-password");
    // Every component holds the admin credential: the admin pods ask for it, the meta server
    // lists admin pods only to its holders, the portal presents it.
    for component in ["config", "admin", "portal"] {
        let deployment = find(&objects, "Deployment", &format!("lyre-{component}"));
        assert_eq!(
            container_env(&objects, deployment)["LYRE_ADMIN_TOKENS"],
            ADMIN_TOKEN
        );
    }
    // Only the portal pods may reach the admin pods, on their port.
    let policy = find(&objects, "NetworkPolicy", "lyre-admin");
    assert_eq!(
        policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "admin"
    );
    assert_eq!(policy["spec"]["policyTypes"], json!(["Ingress"]));
    let rules = policy["spec"]["ingress"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(
        rules[0]["from"],
        json!([{"podSelector": {"matchLabels": {
            "app.kubernetes.io/name": "lyre",
            "app.kubernetes.io/instance": "lyre",
            "app.kubernetes.io/component": "portal",
        }}}])
    );
    assert_eq!(
        rules[0]["ports"],
        json!([{"protocol": "TCP", "port": "http"}])
    );
    let admin_container =
        &find(&objects, "Deployment", "lyre-admin")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(admin_container["ports"][0]["name"], "http");

    // Extra sources (a Prometheus namespace) join the portal; the policy can be left out.
    let scraped = chart
        .render(with(
            required(),
            json!({"networkPolicy": {"adminExtraFrom": [
                {"namespaceSelector": {"matchLabels": {"name": "monitoring"}}}
            ]}}),
        ))
        .unwrap();
    let from = &find(&scraped, "NetworkPolicy", "lyre-admin")["spec"]["ingress"][0]["from"];
    assert_eq!(from.as_array().unwrap().len(), 2, "{from}");
    assert_eq!(
        from[1]["namespaceSelector"]["matchLabels"]["name"],
        "monitoring"
    );
    let open = chart
        .render(with(
            required(),
            json!({"networkPolicy": {"enabled": false}}),
        ))
        .unwrap();
    assert!(!open.iter().any(|o| o["kind"] == "NetworkPolicy"));
    assert!(
        !portal.contains_key("LYRE_JWT_SECRET"),
        "generated and kept in the database when not given"
    );

    let job = find(&objects, "Job", "lyre-migrate-3");
    assert_eq!(
        job["metadata"]["annotations"]["helm.sh/hook"],
        "pre-install,pre-upgrade"
    );
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["args"],
        json!(["migrate"])
    );
    let hook_secret = find(&objects, "Secret", "lyre-migrate");
    assert_eq!(
        hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"],
        "-1"
    );
    assert_eq!(
        container_env(&objects, job)["LYRE_DATABASE_URL"],
        "postgres://lyre:pw@db.example:5432/lyre"
    );
}

#[test]
fn ingress_mysql_and_fixed_replicas_render_as_asked() {
    let chart = Chart::load();
    let objects = chart
        .render(with(
            required(),
            json!({
                "database": {"url": "mysql://lyre:pw@mariadb:3306/lyre"},
                "jwtSecret": "0123456789abcdef0123456789abcdef",
                "secretKeys": ["k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "k1:HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4="],
                "envs": ["DEV", "FAT", "UAT", "PRO"],
                "ingress": {"enabled": true, "tls": [{"secretName": "lyre-tls", "hosts": ["lyre.example.com"]}]},
                "config": {"autoscaling": {"enabled": false}, "replicas": 4, "advertisedUrl": "https://config.lyre.example.com"},
            }),
        ))
        .unwrap();
    check_objects(&objects, None);
    assert!(
        !objects
            .iter()
            .any(|o| o["kind"] == "HorizontalPodAutoscaler")
    );
    let config = find(&objects, "Deployment", "lyre-config");
    assert_eq!(config["spec"]["replicas"], 4);
    let env = container_env(&objects, config);
    assert_eq!(env["LYRE_CONFIG_URL"], "https://config.lyre.example.com");
    assert_eq!(env["LYRE_ENVS"], "DEV,FAT,UAT,PRO");
    assert_eq!(
        env["LYRE_DATABASE_URL"],
        "mysql://lyre:pw@mariadb:3306/lyre"
    );
    assert_eq!(env["LYRE_JWT_SECRET"], "0123456789abcdef0123456789abcdef");
    // Every pod that may open a secret value gets the same keys, the sealing one first.
    for name in ["lyre-config", "lyre-admin", "lyre-portal"] {
        let pod = container_env(&objects, find(&objects, "Deployment", name));
        assert_eq!(
            pod["LYRE_SECRET_KEYS"],
            "k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k1:HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=",
            "{name}"
        );
    }

    // Long polls are held up to 90 s: the ingress waits longer.
    let ingress = find(&objects, "Ingress", "lyre");
    for key in ["proxy-read-timeout", "proxy-send-timeout"] {
        let timeout: u64 = ingress["metadata"]["annotations"]
            [format!("nginx.ingress.kubernetes.io/{key}")]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
        assert!(timeout > 90, "{key} is {timeout}");
    }
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "lyre-tls");
    assert_eq!(
        ingress["spec"]["rules"][1]["host"],
        "config.lyre.example.com"
    );
}

#[test]
fn sign_in_settings_reach_the_portal_pods_only() {
    let chart = Chart::load();
    let sign_in = "[sign_in.oidc]\nname = \"Acme SSO\"\nissuer = \"http://sso.example.com/realms/acme\"\n\
        client_id = \"lyre\"\nredirect_url = \"https://lyre.example.com/api/v1/auth/oidc/callback\"\n\n\
        [sign_in.groups]\n\"lyre-admins\" = [\"SuperAdmin\"]\n";
    let objects = chart
        .render(with(
            required(),
            json!({"portal": {"signIn": sign_in, "signInSecret": "lyre-sso"}}),
        ))
        .unwrap();
    // The operator's Secret of sign-in secrets is theirs, like an existing one.
    check_objects(&objects, Some("lyre-sso"));
    let toml = find(&objects, "ConfigMap", "lyre-sign-in")["data"]["lyre.toml"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(toml.trim(), sign_in.trim());
    // The file the pods read is one lyre accepts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lyre.toml"), &toml).unwrap();
    let checked = Command::new(env!("CARGO_BIN_EXE_lyre"))
        .args(["--config", "lyre.toml", "migrate"])
        .env("LYRE_DATABASE_URL", "sqlite:./lyre.db")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    // (and one it refuses is refused there too)
    std::fs::write(
        dir.path().join("lyre.toml"),
        toml.replace("SuperAdmin", "Admin"),
    )
    .unwrap();
    let refused = Command::new(env!("CARGO_BIN_EXE_lyre"))
        .args(["--config", "lyre.toml", "migrate"])
        .env("LYRE_DATABASE_URL", "sqlite:./lyre.db")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("`Admin` is not a role"));

    let portal = find(&objects, "Deployment", "lyre-portal");
    let pod = &portal["spec"]["template"]["spec"];
    let env = pod["containers"][0]["env"].as_array().unwrap();
    assert!(
        env.iter()
            .any(|v| v["name"] == "LYRE_CONFIG" && v["value"] == "/etc/lyre/lyre.toml")
    );
    assert_eq!(
        pod["containers"][0]["envFrom"][2]["secretRef"]["name"],
        "lyre-sso"
    );
    let mounts = pod["containers"][0]["volumeMounts"].as_array().unwrap();
    assert!(
        mounts
            .iter()
            .any(|m| m["name"] == "sign-in" && m["mountPath"] == "/etc/lyre")
    );
    let volumes = pod["volumes"].as_array().unwrap();
    assert!(
        volumes
            .iter()
            .any(|v| v["configMap"]["name"] == "lyre-sign-in")
    );
    for other in ["lyre-config", "lyre-admin"] {
        let other = find(&objects, "Deployment", other);
        assert!(!container_env(&objects, other).contains_key("LYRE_CONFIG"));
        assert_eq!(
            other["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
    // Changing how people sign in rolls the pods.
    let before = chart.render(required()).unwrap();
    let checksum = |objects: &[Value]| {
        find(objects, "Deployment", "lyre-portal")["spec"]["template"]["metadata"]["annotations"]
            ["checksum/config"]
            .clone()
    };
    assert_ne!(checksum(&before), checksum(&objects));
}

#[test]
fn an_existing_secret_replaces_the_charts_own() {
    let chart = Chart::load();
    let objects = chart
        .render(json!({"existingSecret": "lyre-secrets", "migration": {"enabled": false}}))
        .unwrap();
    check_objects(&objects, Some("lyre-secrets"));
    assert!(
        !objects
            .iter()
            .any(|o| o["kind"] == "Secret" || o["kind"] == "Job")
    );
    let portal = find(&objects, "Deployment", "lyre-portal");
    assert_eq!(
        portal["spec"]["template"]["spec"]["containers"][0]["envFrom"][1]["secretRef"]["name"],
        "lyre-secrets"
    );
    // Without the migration hook, the services migrate at start.
    assert_eq!(
        find(&objects, "ConfigMap", "lyre")["data"]["LYRE_MIGRATE"],
        "true"
    );

    let with_job = chart
        .render(json!({"existingSecret": "lyre-secrets"}))
        .unwrap();
    check_objects(&with_job, Some("lyre-secrets"));
    let job = find(&with_job, "Job", "lyre-migrate-3");
    assert_eq!(
        job["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["name"],
        "lyre-secrets"
    );
}

#[test]
fn missing_or_unusable_values_are_refused_with_their_name() {
    let chart = Chart::load();
    let cases = [
        (json!({"adminPassword": "pw"}), "database.url is required"),
        (
            with(required(), json!({"database": {"url": "sqlite:lyre.db"}})),
            "database.url must start with postgres://",
        ),
        (
            with(required(), json!({"jwtSecret": "short"})),
            "jwtSecret must be at least 32 characters",
        ),
        (
            json!({"database": {"url": "postgres://db/lyre"}, "adminTokens": [ADMIN_TOKEN]}),
            "adminPassword is required",
        ),
        (
            with(required(), json!({"adminTokens": []})),
            "adminTokens is required",
        ),
        (
            with(required(), json!({"adminTokens": [ADMIN_TOKEN, "short"]})),
            "each token must be at least 32 characters",
        ),
    ];
    for (values, message) in cases {
        let error = chart.render(values.clone()).unwrap_err();
        assert!(error.contains(message), "{values}: {error}");
    }
}

/// The environment a workload's first container gets: its ConfigMaps and Secrets, then `env`.
fn container_env(objects: &[Value], workload: &Value) -> BTreeMap<String, String> {
    let container = &workload["spec"]["template"]["spec"]["containers"][0];
    let data = |kind: &str, name: &str| {
        let object = find(objects, kind, name);
        let field = if kind == "Secret" {
            "stringData"
        } else {
            "data"
        };
        object[field]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect::<Vec<_>>()
    };
    let mut env = BTreeMap::new();
    for source in container["envFrom"].as_array().into_iter().flatten() {
        if let Some(name) = source["configMapRef"]["name"].as_str() {
            env.extend(data("ConfigMap", name));
        }
        if let Some(name) = source["secretRef"]["name"].as_str() {
            env.extend(data("Secret", name));
        }
    }
    for var in container["env"].as_array().into_iter().flatten() {
        let name = var["name"].as_str().unwrap().to_owned();
        let value = match var["valueFrom"]["secretKeyRef"].as_object() {
            Some(reference) => {
                let secret = data("Secret", reference["name"].as_str().unwrap());
                let key = reference["key"].as_str().unwrap();
                secret.into_iter().find(|(k, _)| k == key).unwrap().1
            }
            None => var["value"]
                .as_str()
                .expect("env values are strings")
                .to_owned(),
        };
        env.insert(name, value);
    }
    env
}

/// The rendered workload as a local process: its arguments and environment, with the
/// database, listen addresses and UI directory pointed at this machine.
fn workload_command(objects: &[Value], workload: &Value, dir: &Path, port: u16) -> Command {
    let mut env = container_env(objects, workload);
    env.insert(
        "LYRE_DATABASE_URL".into(),
        format!("sqlite:{}", dir.join("lyre.db").display()),
    );
    for (key, value) in env.iter_mut() {
        if key.ends_with("_ADDR") {
            *value = format!("127.0.0.1:{port}");
        }
    }
    env.insert("LYRE_LOG_FORMAT".into(), "text".into());
    let args: Vec<&str> = workload["spec"]["template"]["spec"]["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lyre"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

#[test]
fn the_rendered_workloads_run_as_the_real_binary() {
    let chart = Chart::load();
    let objects = chart.render(required()).unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The hook migrates; the services, told not to, find the schema current.
    let job = find(&objects, "Job", "lyre-migrate-3");
    let migrated = workload_command(&objects, job, dir.path(), 0)
        .output()
        .unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stdout)
    );

    let mut running = Vec::new();
    let mut ports = BTreeMap::new();
    for component in ["config", "admin", "portal"] {
        let deployment = find(&objects, "Deployment", &format!("lyre-{component}"));
        let port = free_port();
        ports.insert(component, port);
        let mut child = workload_command(&objects, deployment, dir.path(), port)
            .spawn()
            .unwrap();
        // Nothing reads the banner; keep the pipe drained so the process never blocks.
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        running.push(Running {
            child,
            banner: Vec::new(),
        });
    }
    for (component, port) in &ports {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if http_get(*port, "/ready").is_some_and(|(status, _)| status == 200) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the {component} pod never became ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(http_get(*port, "/health").unwrap().0, 200);
        let (status, metrics) = http_get(*port, "/metrics").unwrap();
        assert_eq!(status, 200);
        assert!(
            metrics.contains("lyre_http_requests_total"),
            "{component}: {metrics}"
        );
    }

    // Discovery answers with the Service names the chart set, as Apollo clients read them.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, config) = http_get(ports["config"], "/services/config").unwrap();
        let auth = format!("Authorization: Bearer {ADMIN_TOKEN}");
        let (_, admin) = send_raw(
            ports["config"],
            &raw_request("GET", "/services/admin", &[&auth], b""),
        )
        .unwrap();
        if config.contains("http://lyre-config.configs.svc.cluster.local:8080")
            && admin.contains("http://lyre-admin.configs.svc.cluster.local:8090")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "meta server answered {config} and {admin}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_dockerfile_runs_lyre_unprivileged_from_files_that_exist() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let known = lyre_variables();
    // Lines joined at trailing backslashes, comments dropped.
    let instructions: Vec<String> = dockerfile
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let stages: Vec<&String> = instructions
        .iter()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert!(
        stages.len() >= 3,
        "UI, build and runtime stages: {stages:?}"
    );

    let mut last_stage = Vec::new();
    for line in &instructions {
        if line.starts_with("FROM ") {
            last_stage.clear();
        }
        last_stage.push(line.as_str());
        let Some(args) = line.strip_prefix("COPY ") else {
            continue;
        };
        if args.starts_with("--from=") {
            continue;
        }
        let parts: Vec<&str> = args.split_whitespace().collect();
        for source in &parts[..parts.len() - 1] {
            assert!(
                root.join(source).exists(),
                "COPY {source}: not in the repository"
            );
        }
    }
    assert!(
        last_stage.contains(&r#"ENTRYPOINT ["lyre"]"#),
        "{last_stage:?}"
    );
    let user = last_stage
        .iter()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the runtime stage names a user");
    let uid: u32 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric user");
    assert_ne!(uid, 0, "the image must not run as root");
    for line in last_stage.iter().filter(|l| l.starts_with("ENV ")) {
        for word in line.split_whitespace().skip(1) {
            let name = word.split('=').next().unwrap();
            assert!(known.contains(name), "ENV {name} is not read by lyre");
        }
    }
    // The chart's pods run as the image's user.
    let values = yaml(&std::fs::read_to_string(chart_dir().join("values.yaml")).unwrap());
    assert_eq!(values["podSecurityContext"]["runAsUser"], uid);
}
