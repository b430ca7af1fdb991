//! `vext completions SHELL` and `vext generate` (hidden): shell completions
//! and man pages, rendered from
//! the clap definitions in `cli.rs`. The committed copies in completions/ and
//! man/ are checked by a test that fails when they are stale.

use std::fs;
use std::path::Path;

use anyhow::{Context as _, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArgs};
use crate::exit::Code;

/// `vext completions SHELL`: the script on stdout.
pub(crate) fn completions(shell: Shell) -> Result<Code> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "vext", &mut out);
    Ok(Code::Ok)
}

pub(crate) fn run(args: GenerateArgs) -> Result<Code> {
    write_all(&args.out)?;
    Ok(Code::Ok)
}

pub(crate) fn write_all(out: &Path) -> Result<()> {
    let completions = out.join("completions");
    let man = out.join("man");
    fs::create_dir_all(&completions)
        .with_context(|| format!("creating {}", completions.display()))?;
    fs::create_dir_all(&man).with_context(|| format!("creating {}", man.display()))?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = Cli::command();
        let path = clap_complete::generate_to(shell, &mut cmd, "vext", &completions)
            .with_context(|| format!("writing {shell} completions"))?;
        log::info!("wrote {}", path.display());
    }
    // No `help` subcommands in the pages: their SEE ALSO would name
    // pages (vext-hook-help(1)) that nobody writes.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    write_man_tree(&cmd, "vext", &man)
}

/// A page for the command and one for each subcommand, at every depth:
/// every page a SUBCOMMANDS section names exists.
fn write_man_tree(cmd: &clap::Command, name: &str, dir: &Path) -> Result<()> {
    write_man(cmd, name, dir)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_man_tree(sub, &format!("{name}-{}", sub.get_name()), dir)?;
    }
    Ok(())
}

fn write_man(cmd: &clap::Command, name: &str, dir: &Path) -> Result<()> {
    let cmd = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "));
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    let path = dir.join(format!("{name}.1"));
    fs::write(&path, buf).with_context(|| format!("writing {}", path.display()))?;
    log::info!("wrote {}", path.display());
    Ok(())
}
