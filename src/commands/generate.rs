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
    write_man_tree(&cmd, "vext", &man)?;
    let path = man.join("vext-config.5");
    fs::write(&path, config_page()).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// vext-config(5): the file format, from the same annotated reference that
/// `vext config reference` prints.
fn config_page() -> String {
    let text = crate::config::REFERENCE;
    let (intro, body): (Vec<&str>, Vec<&str>) = {
        let split = text
            .lines()
            .position(|l| !l.starts_with('#') && !l.is_empty())
            .unwrap_or(0);
        let lines: Vec<&str> = text.lines().collect();
        (lines[..split].to_vec(), lines[split..].to_vec())
    };
    // roff: a backslash is \e, and a line may not begin with . or '.
    let escape = |l: &str| {
        let l = l.replace('\\', "\\e");
        if l.starts_with('.') || l.starts_with('\'') {
            format!("\\&{l}")
        } else {
            l
        }
    };
    let mut page = String::from(
        ".TH VEXT-CONFIG 5 \"\" \"vext\" \"File Formats\"\n\
         .SH NAME\nvext-config \\- the vext configuration file\n\
         .SH SYNOPSIS\n$XDG_CONFIG_HOME/vext/config.toml, /etc/vext/config.toml, or \\fB\\-\\-config\\fR \\fIFILE\\fR (TOML)\n\
         .SH DESCRIPTION\n",
    );
    for l in intro {
        page.push_str(&escape(l.trim_start_matches('#').trim()));
        page.push('\n');
    }
    page.push_str(
        ".SH KEYS\nEvery section and key, with an example value and what it means.\n.PP\n.nf\n",
    );
    for l in body {
        page.push_str(&escape(l));
        page.push('\n');
    }
    page.push_str(".fi\n.SH SEE ALSO\nvext(1), vext\\-config\\-show(1), vext\\-daemon(1), vext\\-check(1), vext\\-update(1)\n");
    page
}

/// The EXTRA section (the help's tables of targets, examples and exit
/// codes) set without filling, so its columns stay as written instead of
/// being reflowed and justified.
fn verbatim_extra(page: &str) -> String {
    let Some(start) = page.find(".SH EXTRA\n") else {
        return page.to_string();
    };
    let body = start + ".SH EXTRA\n".len();
    let end = page[body..]
        .find("\n.SH ")
        .map_or(page.len(), |i| body + i + 1);
    format!(
        "{}.nf\n{}.fi\n{}",
        &page[..body],
        &page[body..end],
        &page[end..]
    )
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
    let page = verbatim_extra(&String::from_utf8_lossy(&buf));
    let path = dir.join(format!("{name}.1"));
    fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    log::info!("wrote {}", path.display());
    Ok(())
}
