//! `vext hook install git post-receive|post-commit`: writes the hook script.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{GitHook, HookInstallArgs, Vcs};
use crate::exit::{fail, Code};

use crate::commits::git::Git;

pub(crate) fn run(args: HookInstallArgs) -> Result<Code> {
    // clap accepts only the systems and hooks vext can install.
    let Vcs::Git = args.vcs;
    let (flags, what) = match args.hook {
        GitHook::PostReceive => ("git --stdin", "announces pushed commits"),
        GitHook::PostCommit => ("git", "announces each new commit"),
    };
    let hook = args.hook.name();

    let git = Git::new(args.dir.as_deref());
    let hooks_dir = git
        .try_run(&["rev-parse", "--git-path", "hooks"])?
        .ok_or_else(|| fail(Code::Usage, "not in a git repository (give -C DIR)"))?;
    let mut hooks_dir = PathBuf::from(hooks_dir.trim());
    if hooks_dir.is_relative() {
        if let Some(d) = &args.dir {
            hooks_dir = d.join(hooks_dir);
        }
    }
    let exe = std::env::current_exe()
        .map_err(|e| fail(Code::Software, format!("finding vext itself: {e}")))?;
    let script = format!(
        "#!/bin/sh\n# Installed by `vext hook install git {hook}`: {what}.\n# Settings: git config irker.* / vext.* (see `vext hook git --help`).\nexec '{exe}' hook {flags}\n",
        hook = hook,
        exe = exe.display().to_string().replace('\'', "'\\''"),
    );
    let path = hooks_dir.join(&hook);
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing == script => {
            println!("{} is already installed", path.display());
            return Ok(Code::Ok);
        }
        Ok(existing) if args.force => {
            // Replaced, but kept: the user's hook is never lost.
            let backup = path.with_file_name(format!("{hook}.vext-backup"));
            std::fs::write(&backup, existing).map_err(|e| {
                fail(
                    Code::Unavailable,
                    format!("keeping the old hook as {}: {e}", backup.display()),
                )
            })?;
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(0o755));
            println!("kept the old {} as {}", path.display(), backup.display());
        }
        Ok(_) => {
            return Err(fail(
                Code::DataErr,
                format!(
                    "{} exists and is not vext's; give --force to replace it",
                    path.display()
                ),
            ));
        }
        _ => {}
    }
    std::fs::create_dir_all(&hooks_dir).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("creating {}: {e}", hooks_dir.display()),
        )
    })?;
    std::fs::write(&path, &script).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("writing {}: {e}", path.display()),
        )
    })?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(|e| {
        fail(
            Code::Unavailable,
            format!("making {} executable: {e}", path.display()),
        )
    })?;
    println!("wrote {} (runs: vext hook {flags})", path.display());
    Ok(Code::Ok)
}
