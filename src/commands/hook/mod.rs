//! `vext hook`: commit notifications from git hooks, a drop-in for
//! irkerhook. Settings come from git config (`irker.*`, then `vext.*`, then
//! `--key=value` flags); the message is irkerhook's template; delivery goes to
//! the daemon at `irker.server`, or directly when no daemon answers. A hook
//! never blocks a push: failures warn and exit 0 unless `--strict`.

mod announce;
mod hg;
mod install;
mod svn;

use anyhow::Result;

use crate::cli::{HookArgs, HookCommand};
use crate::config::Context;
use crate::exit::Code;

use announce::{announce_git, guarded};

pub(crate) fn run(args: HookArgs, ctx: &Context) -> Result<Code> {
    match args.command {
        HookCommand::Git(a) => guarded(&a.common, |deadline| announce_git(&a, ctx, deadline)),
        HookCommand::Svn(a) => guarded(&a.common, |deadline| svn::announce(&a, ctx, deadline)),
        HookCommand::Hg(a) => guarded(&a.common, |deadline| hg::announce(&a, ctx, deadline)),
        HookCommand::Install(a) => install::run(a),
    }
}

#[cfg(test)]
mod hostile {
    use crate::hostile::each;

    /// Templates from the git config and push lines from stdin, mutated.
    #[test]
    fn templates_and_push_lines() {
        let fields = std::collections::BTreeMap::from([
            ("project".to_string(), "vext".to_string()),
            ("msg".to_string(), "fix it".to_string()),
        ]);
        let seeds: &[&[u8]] = &[
            b"%(project)s: %(author)s %(branch)s * %(rev)s / %(files)s: %(logmsg)s %(url)s",
            b"0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 refs/heads/main\n",
            b"{project} {msg} {{literal}}",
        ];
        each("hook templates", seeds, |b| {
            let t = String::from_utf8_lossy(b);
            let _ = crate::commits::template::render(&t, &fields);
            let _ = crate::commits::git::parse_updates(&t);
        });
    }
}
