//! What a chat message asks the bot to do: the words after the prefix
//! (quoted with "", '' or the curly quotes chat clients put in), aliases
//! expanded, parsed into a command. Pure: no network, no state.

use std::collections::BTreeMap;

use crate::chatops::semaphore::RunRequest;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Command {
    Help,
    Ping,
    Info,
    Projects,
    Templates {
        project: String,
    },
    Run {
        project: String,
        template: String,
        /// Everything but the template id, which is looked up first.
        request: RunRequest,
    },
    Status {
        task: Option<i64>,
    },
    Logs {
        task: i64,
        tail: usize,
    },
    Stop {
        task: i64,
        force: bool,
    },
    Aliases,
    /// The container updates waiting for approval (`approve = "chat"`).
    Pending,
    /// A person's answer to one: approve (`yes`) or deny.
    Answer {
        id: String,
        yes: bool,
    },
}

/// How many log lines `logs` shows when no `--tail` is given.
pub(crate) const DEFAULT_TAIL: usize = 20;

pub(crate) const HELP: &str = "\
Commands (each after the prefix, e.g. `!cd run Infra \"Deploy web\"`):
- `help` — this list
- `ping` — is Semaphore up?
- `info` — Semaphore's version
- `projects` — the projects
- `templates PROJECT` — a project's templates
- `run PROJECT TEMPLATE [--limit HOSTS] [--tags T] [--skip-tags T] [--dry-run]` — start a task (asks to confirm)
- `status [TASK]` — one task, or the tasks started from chat that are still running
- `logs TASK [--tail N]` — the last lines of a task's log
- `stop TASK [--force]` — stop a task
- `aliases` — the configured shortcuts
- `pending` — container updates waiting for approval
- `approve ID` / `deny ID` — answer one (the next vext update applies or skips it)

Projects and templates are named by id or by name; quote names with spaces.";

/// Splits `text` into words: spaces separate, quotes group.
pub(crate) fn words(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q || (q == '“' && c == '”') => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' || c == '“' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        out.push(cur);
    }
    Ok(out)
}

/// The command in `text` (what follows the prefix). An alias's words stand
/// in for its name; words after the alias are added after them.
pub(crate) fn parse(text: &str, aliases: &BTreeMap<String, String>) -> Result<Command, String> {
    let mut w = words(text)?;
    if let Some(expansion) = w.first().and_then(|first| aliases.get(first)) {
        let mut expanded = words(expansion)?;
        expanded.extend(w.drain(1..));
        w = expanded;
    }
    let Some(verb) = w.first().map(|v| v.to_ascii_lowercase()) else {
        return Ok(Command::Help);
    };
    let mut args = Args {
        rest: w[1..].to_vec(),
        verb: verb.clone(),
    };
    let command = match verb.as_str() {
        "help" => Command::Help,
        "ping" => Command::Ping,
        "info" => Command::Info,
        "projects" => Command::Projects,
        "aliases" => Command::Aliases,
        "pending" => Command::Pending,
        "approve" | "deny" => {
            let id = args.positional("ID (from `pending`)")?.to_ascii_lowercase();
            if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "{id:?} is not an update id (8 hex digits, from `pending`)"
                ));
            }
            Command::Answer {
                id,
                yes: verb == "approve",
            }
        }
        "templates" => Command::Templates {
            project: args.positional("PROJECT")?,
        },
        "run" => {
            let mut request = RunRequest {
                limit: args.option("--limit")?,
                tags: args.option("--tags")?,
                skip_tags: args.option("--skip-tags")?,
                dry_run: args.flag("--dry-run"),
                ..RunRequest::default()
            };
            request.debug = args.flag("--debug");
            Command::Run {
                project: args.positional("PROJECT")?,
                template: args.positional("TEMPLATE")?,
                request,
            }
        }
        "status" => Command::Status {
            task: if args.rest.is_empty() {
                None
            } else {
                Some(args.task()?)
            },
        },
        "logs" => {
            let tail = match args.option("--tail")? {
                Some(n) => n
                    .parse()
                    .map_err(|_| format!("--tail wants a number of lines, not {n:?}"))?,
                None => DEFAULT_TAIL,
            };
            Command::Logs {
                task: args.task()?,
                tail,
            }
        }
        "stop" => {
            let force = args.flag("--force");
            Command::Stop {
                task: args.task()?,
                force,
            }
        }
        other => return Err(format!("unknown command {other:?}; try `help`")),
    };
    args.done()?;
    Ok(command)
}

/// The words after the verb, taken as they are recognised.
struct Args {
    verb: String,
    rest: Vec<String>,
}

impl Args {
    fn flag(&mut self, name: &str) -> bool {
        let before = self.rest.len();
        self.rest.retain(|w| w != name);
        self.rest.len() != before
    }

    /// `--name VALUE` or `--name=VALUE`.
    fn option(&mut self, name: &str) -> Result<Option<String>, String> {
        let prefix = format!("{name}=");
        if let Some(i) = self.rest.iter().position(|w| w.starts_with(&prefix)) {
            let w = self.rest.remove(i);
            return Ok(Some(w[prefix.len()..].to_string()));
        }
        let Some(i) = self.rest.iter().position(|w| w == name) else {
            return Ok(None);
        };
        if i + 1 >= self.rest.len() {
            return Err(format!("{name} needs a value"));
        }
        let value = self.rest.remove(i + 1);
        self.rest.remove(i);
        Ok(Some(value))
    }

    fn positional(&mut self, what: &str) -> Result<String, String> {
        match self.rest.iter().position(|w| !w.starts_with("--")) {
            Some(i) => Ok(self.rest.remove(i)),
            None => Err(format!("`{}` needs {what}", self.verb)),
        }
    }

    fn task(&mut self) -> Result<i64, String> {
        let t = self.positional("TASK (a task id)")?;
        t.trim_start_matches('#')
            .parse()
            .map_err(|_| format!("{t:?} is not a task id (a number)"))
    }

    fn done(&self) -> Result<(), String> {
        match self.rest.first() {
            None => Ok(()),
            Some(w) if w.starts_with("--") => {
                Err(format!("`{}` does not know the option {w}", self.verb))
            }
            Some(w) => Err(format!("`{}` got an extra word {w:?}", self.verb)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_group_quotes() {
        assert_eq!(
            words(r#"run Infra "Deploy web" --limit 'a b'"#).unwrap(),
            ["run", "Infra", "Deploy web", "--limit", "a b"]
        );
        assert_eq!(words("run “Deploy web”").unwrap(), ["run", "Deploy web"]);
        assert_eq!(words("x \"\"").unwrap(), ["x", ""]);
        assert!(words("run \"open").is_err());
    }

    #[test]
    fn commands_and_their_options() {
        let none = BTreeMap::new();
        let c = parse(
            r#"run Infra "Deploy web" --limit web1 --tags=a,b --dry-run"#,
            &none,
        )
        .unwrap();
        let Command::Run {
            project,
            template,
            request,
        } = c
        else {
            panic!("{c:?}")
        };
        assert_eq!(
            (project.as_str(), template.as_str()),
            ("Infra", "Deploy web")
        );
        assert_eq!(request.limit.as_deref(), Some("web1"));
        assert_eq!(request.tags.as_deref(), Some("a,b"));
        assert!(request.dry_run && !request.debug && request.skip_tags.is_none());
        assert_eq!(
            parse("stop 101 --force", &none).unwrap(),
            Command::Stop {
                task: 101,
                force: true
            }
        );
        assert_eq!(
            parse("logs #7 --tail 3", &none).unwrap(),
            Command::Logs { task: 7, tail: 3 }
        );
        assert_eq!(
            parse("STATUS", &none).unwrap(),
            Command::Status { task: None }
        );
        assert_eq!(parse("", &none).unwrap(), Command::Help);
        assert!(parse("run Infra", &none).unwrap_err().contains("TEMPLATE"));
        assert!(parse("stop x", &none)
            .unwrap_err()
            .contains("not a task id"));
        assert!(parse("logs 1 --tail", &none)
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse("ping --now", &none).unwrap_err().contains("--now"));
        assert!(parse("deploy", &none)
            .unwrap_err()
            .contains("unknown command"));
    }

    #[test]
    fn aliases_stand_in_for_their_words() {
        let aliases =
            BTreeMap::from([("deploy".to_string(), "run Infra 'Deploy web'".to_string())]);
        let Command::Run {
            template, request, ..
        } = parse("deploy --limit web2", &aliases).unwrap()
        else {
            panic!()
        };
        assert_eq!(template, "Deploy web");
        assert_eq!(request.limit.as_deref(), Some("web2"));
    }
}
