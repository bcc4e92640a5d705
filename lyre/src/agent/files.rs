//! Writing a file so that readers see the old content or the new, never a part: a temporary
//! file beside it, written and synced, given its mode and owner, then renamed over it.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::config::Target;

/// Writes `content` to the target's file if it differs from what is there; whether it wrote.
pub fn write_if_changed(target: &Target, content: &str) -> anyhow::Result<bool> {
    let path = &target.path;
    if let Ok(existing) = fs::read(path)
        && existing == content.as_bytes()
    {
        return Ok(false);
    }
    let owner = target.owner.as_deref().map(user_id).transpose()?;
    let group = target.group.as_deref().map(group_id).transpose()?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let temporary = temporary_path(path)?;
    let written = (|| -> anyhow::Result<()> {
        // A temporary file left by a crash is replaced.
        let _ = fs::remove_file(&temporary);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)
            .with_context(|| format!("creating {}", temporary.display()))?;
        file.write_all(content.as_bytes())
            .with_context(|| format!("writing {}", temporary.display()))?;
        if owner.is_some() || group.is_some() {
            std::os::unix::fs::fchown(&file, owner, group).with_context(|| {
                format!(
                    "giving {} to {}:{}",
                    temporary.display(),
                    target.owner.as_deref().unwrap_or("-"),
                    target.group.as_deref().unwrap_or("-")
                )
            })?;
        }
        file.set_permissions(fs::Permissions::from_mode(target.mode))
            .with_context(|| format!("setting the mode of {}", temporary.display()))?;
        file.sync_all()
            .with_context(|| format!("syncing {}", temporary.display()))?;
        fs::rename(&temporary, path)
            .with_context(|| format!("renaming {} to {}", temporary.display(), path.display()))?;
        // The rename itself survives a crash once the directory is synced.
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written.map(|()| true)
}

/// `.{name}.lyre-agent.tmp` beside `path`.
fn temporary_path(path: &Path) -> anyhow::Result<PathBuf> {
    let Some(name) = path.file_name() else {
        bail!("{} names no file", path.display());
    };
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(".lyre-agent.tmp");
    Ok(path.with_file_name(temporary))
}

/// A user name or uid as a uid (names are looked up in `/etc/passwd`).
fn user_id(name: &str) -> anyhow::Result<u32> {
    lookup(name, "/etc/passwd", "user")
}

/// A group name or gid as a gid (names are looked up in `/etc/group`).
fn group_id(name: &str) -> anyhow::Result<u32> {
    lookup(name, "/etc/group", "group")
}

fn lookup(name: &str, database: &str, what: &str) -> anyhow::Result<u32> {
    if let Ok(id) = name.parse::<u32>() {
        return Ok(id);
    }
    let text = fs::read_to_string(database).with_context(|| format!("reading {database}"))?;
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let entry = fields.next()?;
            let id = fields.nth(1)?.parse::<u32>().ok()?;
            (entry == name).then_some(id)
        })
        .next()
        .ok_or_else(|| anyhow::anyhow!("no {what} `{name}` in {database}"))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt as _;

    use super::*;

    fn target(path: PathBuf) -> Target {
        Target {
            name: "file 1".into(),
            app_id: "shop".into(),
            cluster: "default".into(),
            namespace: "application".into(),
            path,
            template: None,
            mode: 0o640,
            owner: None,
            group: None,
            command: None,
        }
    }

    #[test]
    fn a_file_is_replaced_whole_only_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let t = target(dir.path().join("app.properties"));
        assert!(write_if_changed(&t, "a=1\n").unwrap());
        let first = fs::metadata(&t.path).unwrap();
        assert_eq!(first.permissions().mode() & 0o7777, 0o640);
        assert!(
            !write_if_changed(&t, "a=1\n").unwrap(),
            "same content: not written"
        );
        assert_eq!(fs::metadata(&t.path).unwrap().ino(), first.ino());
        assert!(write_if_changed(&t, "a=2\n").unwrap());
        assert_ne!(
            fs::metadata(&t.path).unwrap().ino(),
            first.ino(),
            "renamed over, not rewritten in place"
        );
        assert_eq!(fs::read_to_string(&t.path).unwrap(), "a=2\n");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    }

    #[test]
    fn problems_are_named_and_leave_the_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let missing = target(dir.path().join("no/such/dir/app.properties"));
        let e = write_if_changed(&missing, "a=1\n").unwrap_err();
        assert!(format!("{e:#}").contains("no/such/dir"), "{e:#}");
        let mut owned = target(dir.path().join("app.properties"));
        owned.owner = Some("no-such-user-here".into());
        let e = write_if_changed(&owned, "a=1\n").unwrap_err();
        assert!(e.to_string().contains("no user `no-such-user-here`"), "{e}");
        assert!(!owned.path.exists());
        assert_eq!(user_id("0").unwrap(), 0);
        assert_eq!(user_id("root").unwrap(), 0);
    }
}
