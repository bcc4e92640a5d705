//! What a file holds: the namespace in its own format, or a template rendered with it.

use std::path::Path;

use anyhow::Context as _;
use lyre_client::Snapshot;
use lyre_protocol::format::Format;
use lyre_protocol::properties;
use minijinja::{Environment, UndefinedBehavior, context};

use super::config::Target;

/// The key of a non-properties namespace's one item.
const CONTENT: &str = "content";

/// The file's content for `snapshot` of the target's namespace.
pub fn render(target: &Target, snapshot: &Snapshot) -> anyhow::Result<String> {
    match &target.template {
        Some(template) => render_template(target, template, snapshot),
        None => Ok(own_format(&target.namespace, snapshot)),
    }
}

/// The namespace as its own file: properties text, or the yaml/json/xml/txt content.
fn own_format(namespace: &str, snapshot: &Snapshot) -> String {
    if Format::of_namespace(namespace).is_properties() {
        properties::render_map(snapshot.configurations.iter())
    } else {
        snapshot
            .configurations
            .get(CONTENT)
            .unwrap_or_default()
            .to_owned()
    }
}

/// Renders the template file with the namespace. The template is read at every render, so a
/// fixed template takes effect at the next change or retry. Undefined names are errors (use
/// `| default(...)` for optional keys), so a typo does not silently write an empty value.
fn render_template(target: &Target, path: &Path, snapshot: &Snapshot) -> anyhow::Result<String> {
    let source = std::fs::read_to_string(path)
        .with_context(|| format!("reading the template {}", path.display()))?;
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    let name = path.display().to_string();
    env.add_template_owned(name.clone(), source)
        .map_err(|e| template_error(&name, &e))?;
    // A map in release order (minijinja preserves insertion order).
    let config: minijinja::Value = snapshot
        .configurations
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let content = snapshot.configurations.get(CONTENT).unwrap_or_default();
    let template = env
        .get_template(&name)
        .map_err(|e| template_error(&name, &e))?;
    template
        .render(context! {
            config => config,
            content => content,
            namespace => &target.namespace,
            app_id => &target.app_id,
            cluster => &target.cluster,
            release_key => &snapshot.release_key,
        })
        .map_err(|e| template_error(&name, &e))
}

/// A template error with where it is: `template T, line N: what`.
fn template_error(name: &str, e: &minijinja::Error) -> anyhow::Error {
    let what = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    let mut text = match e.line() {
        Some(line) => format!("template {name}, line {line}: {what}"),
        None => format!("template {name}: {what}"),
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    anyhow::anyhow!(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lyre_protocol::config::Configurations;
    use std::io::Write as _;

    fn snapshot(pairs: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            release_key: "20261121000000-abc".into(),
            configurations: Configurations(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            ),
            from_cache: false,
        }
    }

    fn target(namespace: &str, template: Option<&Path>) -> Target {
        Target {
            name: "file 1".into(),
            app_id: "shop".into(),
            cluster: "default".into(),
            namespace: namespace.into(),
            path: "/tmp/x".into(),
            template: template.map(Path::to_path_buf),
            mode: 0o644,
            owner: None,
            group: None,
            command: None,
        }
    }

    #[test]
    fn a_namespace_is_written_in_its_format_or_through_a_template() {
        let props = render(
            &target("application", None),
            &snapshot(&[("b", "2"), ("a", "1")]),
        )
        .unwrap();
        assert_eq!(props, "b=2\na=1\n", "in release order");
        let yaml = render(
            &target("db.yaml", None),
            &snapshot(&[("content", "pool: 5\n")]),
        )
        .unwrap();
        assert_eq!(yaml, "pool: 5\n");

        let mut file = tempfile::NamedTempFile::new().unwrap();
        write!(file, "# {{{{ app_id }}}} {{{{ release_key }}}}\n{{% for k, v in config|items %}}{{{{ k }}}}: {{{{ v }}}}\n{{% endfor %}}port={{{{ config[\"port\"] | default(\"80\") }}}}\n").unwrap();
        let out = render(
            &target("application", Some(file.path())),
            &snapshot(&[("b", "2"), ("a", "1")]),
        )
        .unwrap();
        assert_eq!(out, "# shop 20261121000000-abc\nb: 2\na: 1\nport=80\n");

        let mut broken = tempfile::NamedTempFile::new().unwrap();
        write!(broken, "line one\n{{{{ config[\"x\"] \n").unwrap();
        let e = render(&target("application", Some(broken.path())), &snapshot(&[])).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let mut typo = tempfile::NamedTempFile::new().unwrap();
        write!(typo, "{{{{ confg }}}}").unwrap();
        let e = render(&target("application", Some(typo.path())), &snapshot(&[])).unwrap_err();
        assert!(e.to_string().contains("undefined"), "{e}");
        let e = render(
            &target("application", Some(Path::new("/nonexistent/t.j2"))),
            &snapshot(&[]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/t.j2"), "{e}");
    }
}
