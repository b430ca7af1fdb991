
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'vext' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'vext'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'vext' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon')
            [CompletionResult]::new('daemon', 'daemon', [CompletionResultType]::ParameterValue, 'Run the relay daemon: irker''s JSON protocol on TCP and UDP, persistent IRC connections')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Announce commits from git hooks (a drop-in for irkerhook)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check registries for newer versions of the images in use, gated by a safe-update policy')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback')
            [CompletionResult]::new('semaphore', 'semaphore', [CompletionResultType]::ParameterValue, 'Run, follow and stop Semaphore UI (Ansible) tasks')
            [CompletionResult]::new('nats', 'nats', [CompletionResultType]::ParameterValue, 'Inspect the NATS JetStream work queue that daemons run with --nats share')
            [CompletionResult]::new('forge', 'forge', [CompletionResultType]::ParameterValue, 'Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show what the daemon stored and delivered (the spool is the history)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Inspect the configuration')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell (the static binary carries its own)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packagers and the project itself)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;send' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'The text to send (each line becomes a message). Without it, stdin is read')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'The text to send (each line becomes a message). Without it, stdin is read')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'Hand the notification to a running daemon at HOST[:PORT] (port 6659 by default)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'An idempotency key for --via (a random one by default)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this long (exit 75): seconds, or like 30s or 2m [default: 30]')
            [CompletionResult]::new('--nick', '--nick', [CompletionResultType]::ParameterName, 'Nick to use when the target URL names none [default: vext + 3 random digits]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks')
            [CompletionResult]::new('--client-cert', '--client-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) when it is not in --client-cert''s file; keep it chmod 600')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'A title: bold on IRC, the attachment/embed title on Slack and Discord')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'What kind of news: info, success, warning or failure (colours the message where the target can)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Matrix: how the text is formatted (markdown, html or text) [default: text]')
            [CompletionResult]::new('--msgtype', '--msgtype', [CompletionResultType]::ParameterName, 'Matrix: send m.notice (default; bots must not trigger other bots) or m.text')
            [CompletionResult]::new('--matrix-token-file', '--matrix-token-file', [CompletionResultType]::ParameterName, 'Matrix: read the access token from FILE (else the config file or VEXT_MATRIX_TOKEN)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'With --via: sign the request with the shared secret in FILE (the daemon''s --secret-file)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--no-ack', '--no-ack', [CompletionResultType]::ParameterName, 'With --via: send a plain irker request and do not wait for a reply (for irkerd). Exit 0 then only means the request was written: a refusal by the daemon (a signature it requires, a target it does not allow) is in its log only')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the one request line --via would send, and send nothing')
            [CompletionResult]::new('--notice', '--notice', [CompletionResultType]::ParameterName, 'Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;daemon' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address for irker''s protocol, TCP and UDP on the same port [default: 127.0.0.1:6659]')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]')
            [CompletionResult]::new('--nick', '--nick', [CompletionResultType]::ParameterName, 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]')
            [CompletionResult]::new('--nickserv-password-file', '--nickserv-password-file', [CompletionResultType]::ParameterName, 'File holding the NickServ password sent after registration (irkerd -p, but not on the command line)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks')
            [CompletionResult]::new('--client-cert', '--client-cert', [CompletionResultType]::ParameterName, 'Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'The client certificate''s private key (PEM) when it is not in --client-cert''s file; keep it chmod 600')
            [CompletionResult]::new('--channel-ttl', '--channel-ttl', [CompletionResultType]::ParameterName, 'Part a channel after this long without messages: seconds, or like 90m [default: 10800, 3 hours]')
            [CompletionResult]::new('--connection-ttl', '--connection-ttl', [CompletionResultType]::ParameterName, 'Quit a connection with no channels left after this long [default: 10800, 3 hours]')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Lines a connection may send at once before pacing starts [default: 5]')
            [CompletionResult]::new('--line-rate', '--line-rate', [CompletionResultType]::ParameterName, 'Lines per second per connection after the burst [default: 1]')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections per IRC server that a message to many channels is spread over, so that it is not paced down one connection (more only when the server''s CHANLIMIT forces them) [default: 4]')
            [CompletionResult]::new('--window', '--window', [CompletionResultType]::ParameterName, 'Deliveries per route (IRC server, homeserver, webhook host) held in memory at once [default: 1000]')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'On SIGTERM/SIGINT, keep delivering what is queued for at most this long [default: 10 seconds]')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where the spool (SQLite) and the lock file live')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Retry transient failures until a message is this old, then mark it failed (e.g. 24h, 90m, 2d) [default: 24h]')
            [CompletionResult]::new('--retain', '--retain', [CompletionResultType]::ParameterName, 'Keep delivered and failed messages this long for `vext history` [default: 7d]')
            [CompletionResult]::new('--http', '--http', [CompletionResultType]::ParameterName, 'Serve HTTP on ADDR: GET /healthz, GET /metrics (Prometheus), POST /v1/notify. Off by default')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Require requests signed with the shared secret in FILE (HMAC-SHA256)')
            [CompletionResult]::new('--allow-target', '--allow-target', [CompletionResultType]::ParameterName, 'Only deliver to targets matching PATTERN (repeatable), e.g. ''irc://*.libera.chat/*''. Matched as scheme://host[:port]/path on the parsed target: a `*` host label stands for whole labels, `:*` for any port, and a URL''s user part never counts')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Per-source rate limit, e.g. 100/min, 10/s, 1000/h; beyond it requests are refused. What a source is: see --rate-by')
            [CompletionResult]::new('--rate-by', '--rate-by', [CompletionResultType]::ParameterName, 'What --rate counts against: address (an IPv4 address, all of 127/8 as one, or an IPv6 /64), prefix (an IPv4 /24 or an IPv6 /48), or key (signed requests against the secret, whatever address they come from; unsigned ones by address)')
            [CompletionResult]::new('--check-every', '--check-every', [CompletionResultType]::ParameterName, 'Run `vext check` on what [check] in the config lists, this often (e.g. 6h), and send [check] notify a summary of what is new')
            [CompletionResult]::new('--update-every', '--update-every', [CompletionResultType]::ParameterName, 'Run `vext update` on what [update] in the config names (docker, kube, paths), this often (e.g. 6h), and tell [update] notify what was applied, rolled back or failed. Off unless given here or as [update] every')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr: text, or json (one object per line)')
            [CompletionResult]::new('--nats', '--nats', [CompletionResultType]::ParameterName, 'Share the work with other daemons through NATS JetStream at URL (comma-separated for a cluster), e.g. nats://127.0.0.1:4222')
            [CompletionResult]::new('--nats-creds', '--nats-creds', [CompletionResultType]::ParameterName, 'NATS credentials file (.creds: a user JWT and NKey seed)')
            [CompletionResult]::new('--nats-token-file', '--nats-token-file', [CompletionResultType]::ParameterName, 'File holding a NATS token')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--allow-unauthenticated', '--allow-unauthenticated', [CompletionResultType]::ParameterName, 'Listen beyond loopback without a secret: anyone who can reach the port can send')
            [CompletionResult]::new('--notice', '--notice', [CompletionResultType]::ParameterName, 'Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice)')
            [CompletionResult]::new('--trust-loopback', '--trust-loopback', [CompletionResultType]::ParameterName, 'With a secret: accept unsigned requests from loopback (irk and irkerhook cannot sign)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;hook' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)')
            [CompletionResult]::new('svn', 'svn', [CompletionResultType]::ParameterValue, 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")')
            [CompletionResult]::new('hg', 'hg', [CompletionResultType]::ParameterValue, 'Announce Mercurial changesets (from a commit or changegroup hook)')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install vext as a git hook (post-receive or post-commit)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;hook;git' {
            [CompletionResult]::new('--max-commits', '--max-commits', [CompletionResultType]::ParameterName, 'Commits announced per ref; beyond, one summary line [default: 5]')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The repository (irkerhook''s --repository) [default: the current directory]')
            [CompletionResult]::new('--repository', '--repository', [CompletionResultType]::ParameterName, 'The repository (irkerhook''s --repository) [default: the current directory]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time budget for the whole run, in seconds [default: 5]')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project name [default: the repository directory without .git]')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository name in the message [default: the project in lower case]')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Comma-separated target URLs')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The daemon''s HOST[:PORT] [default: localhost:6659]')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP (true) or UDP (false) to the daemon [default: true]')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Message template with irkerhook''s %(field)s names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'mIRC, ANSI or none')
            [CompletionResult]::new('--urlprefix', '--urlprefix', [CompletionResultType]::ParameterName, 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL')
            [CompletionResult]::new('--revformat', '--revformat', [CompletionResultType]::ParameterName, 'raw, short or describe [default: describe]')
            [CompletionResult]::new('--maxchannels', '--maxchannels', [CompletionResultType]::ParameterName, 'Send to at most N channels (0: all)')
            [CompletionResult]::new('--filtercmd', '--filtercmd', [CompletionResultType]::ParameterName, 'A program that gets the fields as JSON and prints them, changed, as JSON')
            [CompletionResult]::new('--cialike', '--cialike', [CompletionResultType]::ParameterName, 'Shorten file lists longer than N characters the way irkerhook''s cialike does')
            [CompletionResult]::new('--tinyifier', '--tinyifier', [CompletionResultType]::ParameterName, 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Read post-receive lines (OLD NEW REFNAME) on stdin and announce each pushed ref')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print each request as JSON (like irkerhook -n) and send nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each request as JSON (like irkerhook -n) and send nothing')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;hook;svn' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time budget for the whole run, in seconds [default: 5]')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project name [default: the repository directory without .git]')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository name in the message [default: the project in lower case]')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Comma-separated target URLs')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The daemon''s HOST[:PORT] [default: localhost:6659]')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP (true) or UDP (false) to the daemon [default: true]')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Message template with irkerhook''s %(field)s names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'mIRC, ANSI or none')
            [CompletionResult]::new('--urlprefix', '--urlprefix', [CompletionResultType]::ParameterName, 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL')
            [CompletionResult]::new('--revformat', '--revformat', [CompletionResultType]::ParameterName, 'raw, short or describe [default: describe]')
            [CompletionResult]::new('--maxchannels', '--maxchannels', [CompletionResultType]::ParameterName, 'Send to at most N channels (0: all)')
            [CompletionResult]::new('--filtercmd', '--filtercmd', [CompletionResultType]::ParameterName, 'A program that gets the fields as JSON and prints them, changed, as JSON')
            [CompletionResult]::new('--cialike', '--cialike', [CompletionResultType]::ParameterName, 'Shorten file lists longer than N characters the way irkerhook''s cialike does')
            [CompletionResult]::new('--tinyifier', '--tinyifier', [CompletionResultType]::ParameterName, 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print each request as JSON (like irkerhook -n) and send nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each request as JSON (like irkerhook -n) and send nothing')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;hook;hg' {
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'The repository [default: the current directory]')
            [CompletionResult]::new('--repository', '--repository', [CompletionResultType]::ParameterName, 'The repository [default: the current directory]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time budget for the whole run, in seconds [default: 5]')
            [CompletionResult]::new('--project', '--project', [CompletionResultType]::ParameterName, 'Project name [default: the repository directory without .git]')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository name in the message [default: the project in lower case]')
            [CompletionResult]::new('--channels', '--channels', [CompletionResultType]::ParameterName, 'Comma-separated target URLs')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'The daemon''s HOST[:PORT] [default: localhost:6659]')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP (true) or UDP (false) to the daemon [default: true]')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'Message template with irkerhook''s %(field)s names')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'mIRC, ANSI or none')
            [CompletionResult]::new('--urlprefix', '--urlprefix', [CompletionResultType]::ParameterName, 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL')
            [CompletionResult]::new('--revformat', '--revformat', [CompletionResultType]::ParameterName, 'raw, short or describe [default: describe]')
            [CompletionResult]::new('--maxchannels', '--maxchannels', [CompletionResultType]::ParameterName, 'Send to at most N channels (0: all)')
            [CompletionResult]::new('--filtercmd', '--filtercmd', [CompletionResultType]::ParameterName, 'A program that gets the fields as JSON and prints them, changed, as JSON')
            [CompletionResult]::new('--cialike', '--cialike', [CompletionResultType]::ParameterName, 'Shorten file lists longer than N characters the way irkerhook''s cialike does')
            [CompletionResult]::new('--tinyifier', '--tinyifier', [CompletionResultType]::ParameterName, 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print each request as JSON (like irkerhook -n) and send nothing')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print each request as JSON (like irkerhook -n) and send nothing')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;hook;install' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'The repository [default: the current directory]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing hook that is not vext''s')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;hook;help' {
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)')
            [CompletionResult]::new('svn', 'svn', [CompletionResultType]::ParameterValue, 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")')
            [CompletionResult]::new('hg', 'hg', [CompletionResultType]::ParameterValue, 'Announce Mercurial changesets (from a commit or changegroup hook)')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install vext as a git hook (post-receive or post-commit)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;hook;help;git' {
            break
        }
        'vext;hook;help;svn' {
            break
        }
        'vext;hook;help;hg' {
            break
        }
        'vext;hook;help;install' {
            break
        }
        'vext;hook;help;help' {
            break
        }
        'vext;scan' {
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig context [default: current-context]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'With --kube: the namespace [default: the context''s, else default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'With --kube: the namespace [default: the context''s, else default]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--docker', '--docker', [CompletionResultType]::ParameterName, 'Also the running containers of the Docker engine (their images)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --docker: stopped containers too')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'With --kube: every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'With --kube: every namespace')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output a JSON array')
            [CompletionResult]::new('--ndjson', '--ndjson', [CompletionResultType]::ParameterName, 'Output one JSON object per line, as results come')
            [CompletionResult]::new('--unique', '--unique', [CompletionResultType]::ParameterName, 'Group by image: {image, count, sources}')
            [CompletionResult]::new('--hidden', '--hidden', [CompletionResultType]::ParameterName, 'Also scan hidden files and directories')
            [CompletionResult]::new('--no-ignore', '--no-ignore', [CompletionResultType]::ParameterName, 'Do not skip what .gitignore, .ignore and git''s excludes ignore')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 65 when a manifest could not be read or parsed (the scan still goes on)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;check' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Read `vext scan --json`/`--ndjson` output from FILE, or - for stdin')
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig context [default: current-context]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'With --kube: the namespace [default: the context''s, else default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'With --kube: the namespace [default: the context''s, else default]')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'The policy file (TOML with a [policy] section) [default: [policy] in the config file]')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file for registries (self-signed or private CAs)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound the whole run: images not checked by then are failures that say so (exit 75 when none could be checked) [default: no limit beyond each request''s 30 s]')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'Send a summary to TARGET when there is something to report (repeatable; nothing is sent when there is not)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'With --via: sign the summary with the shared secret in FILE (the daemon''s --secret-file)')
            [CompletionResult]::new('--nats', '--nats', [CompletionResultType]::ParameterName, 'Publish events (what was found, applied, rolled back) to NATS at URL on vext.events.> [default: [nats] url in the config, if any]')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write Prometheus textfile metrics to PATH (replaced atomically), for node_exporter')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where each run records what it found, for --only-new and for telling when a `latest`-style tag''s digest changed since the last run (the daemon''s state dir) [default: as vext daemon]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--docker', '--docker', [CompletionResultType]::ParameterName, 'Also the running containers of the Docker engine (their images)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --docker: stopped containers too')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'With --kube: every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'With --kube: every namespace')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output a JSON array, one object per image: image, current, latest (approved), newest, change, decision, error, digest')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit 1 when at least one update is approved')
            [CompletionResult]::new('--only-new', '--only-new', [CompletionResultType]::ParameterName, 'Report only what is new since the last --only-new report that reached its reader')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;update' {
            [CompletionResult]::new('--docker-host', '--docker-host', [CompletionResultType]::ParameterName, 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'With --kube: the kubeconfig context [default: current-context]')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'With --kube: the namespace [default: the context''s, else default]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'With --kube: the namespace [default: the context''s, else default]')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only images matching GLOB (nginx, ''ghcr.io/acme/*''; repeatable)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'With --commit: commit on a new branch NAME')
            [CompletionResult]::new('--stable-for', '--stable-for', [CompletionResultType]::ParameterName, 'Without a HEALTHCHECK in the image: how long the new container must run without an exit or a restart [default: 30s]')
            [CompletionResult]::new('--health-timeout', '--health-timeout', [CompletionResultType]::ParameterName, 'The longest the health gate waits for a new container to prove itself, or a Kubernetes rollout to complete [default: 120s]')
            [CompletionResult]::new('--health-url', '--health-url', [CompletionResultType]::ParameterName, 'Also require this URL to answer 2xx before an update counts as healthy')
            [CompletionResult]::new('--health-cmd', '--health-cmd', [CompletionResultType]::ParameterName, 'Also require this shell command to exit 0 before an update counts as healthy')
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'Clear the hold on IMAGE:TAG (set after a rolled-back update) and exit')
            [CompletionResult]::new('--approve', '--approve', [CompletionResultType]::ParameterName, 'Approve the pending update ID (a policy''s approve = "manual" or "chat" holds updates for this) and exit; the next run applies it')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Deny the pending update ID and exit: later runs skip that version (a newer one asks again)')
            [CompletionResult]::new('--pre-update', '--pre-update', [CompletionResultType]::ParameterName, 'Run CMD (sh -c) before each update, with VEXT_WORKLOAD, VEXT_IMAGE, VEXT_FROM, VEXT_TO, VEXT_CHANGE, VEXT_SOURCE set; if it fails, that update is skipped')
            [CompletionResult]::new('--post-update', '--post-update', [CompletionResultType]::ParameterName, 'Run CMD (sh -c) once each updated workload is healthy, with the same variables; if it fails, the update is rolled back and the version held')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Update up to N workloads at once')
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'The policy file (TOML with a [policy] section) [default: [policy] in the config file]')
            [CompletionResult]::new('--insecure-registry', '--insecure-registry', [CompletionResultType]::ParameterName, 'Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default)')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file for registries')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, 'Send a summary to TARGET when there is something to report (repeatable; nothing is sent when there is not)')
            [CompletionResult]::new('--via', '--via', [CompletionResultType]::ParameterName, 'With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'With --via: sign the summary with the shared secret in FILE (the daemon''s --secret-file)')
            [CompletionResult]::new('--nats', '--nats', [CompletionResultType]::ParameterName, 'Publish events (what was found, applied, rolled back) to NATS at URL on vext.events.> [default: [nats] url in the config, if any]')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write Prometheus textfile metrics (safe_updater_*) to PATH, replaced atomically')
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'Where the update journal and the held versions live (the daemon''s state dir) [default: as vext daemon]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--docker', '--docker', [CompletionResultType]::ParameterName, 'Also the running containers of the Docker engine (their images)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --docker: stopped containers too')
            [CompletionResult]::new('--kube', '--kube', [CompletionResultType]::ParameterName, 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'With --kube: every namespace')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'With --kube: every namespace')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Print what an apply would do, in order, and change nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON (see below for the fields)')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Rewrite approved tags in the manifest files found under PATHs, and in the compose file of a compose container updated')
            [CompletionResult]::new('--commit', '--commit', [CompletionResultType]::ParameterName, 'With --write: make one git commit listing each change (nothing is pushed)')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Remove the old image once the new container is healthy')
            [CompletionResult]::new('--pending', '--pending', [CompletionResultType]::ParameterName, 'List the updates waiting for approval, and those approved, and exit')
            [CompletionResult]::new('--recover', '--recover', [CompletionResultType]::ParameterName, 'Finish or undo what an interrupted run left, and exit (every run does this first)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Apply approved updates now, even outside the maintenance window (the policy''s or [update] window)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List the projects')
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'List a project''s templates')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Start a task from a template')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a task''s status')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a task''s log')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop a running task')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;semaphore;projects' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore;templates' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore;run' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Limit the play to these hosts (Ansible --limit)')
            [CompletionResult]::new('--tags', '--tags', [CompletionResultType]::ParameterName, 'Only tasks with these tags (Ansible --tags)')
            [CompletionResult]::new('--skip-tags', '--skip-tags', [CompletionResultType]::ParameterName, 'Skip tasks with these tags (Ansible --skip-tags)')
            [CompletionResult]::new('--extra-vars', '--extra-vars', [CompletionResultType]::ParameterName, 'Extra variables, a JSON object')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The git branch of the repository to run from')
            [CompletionResult]::new('--poll', '--poll', [CompletionResultType]::ParameterName, 'How often to ask Semaphore while waiting')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check mode: change nothing')
            [CompletionResult]::new('--debug', '--debug', [CompletionResultType]::ParameterName, 'Verbose Ansible output')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for the task to end; the exit status says how it ended')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Print the task''s log as it runs (implies --wait)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore;status' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore;logs' {
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Only the last N lines')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new lines until the task ends')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new lines until the task ends')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore;stop' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Semaphore''s base URL [default: [semaphore] url in the config]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The longest one request to Semaphore may take')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Kill it instead of asking it to stop')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;semaphore;help' {
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List the projects')
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'List a project''s templates')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Start a task from a template')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a task''s status')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a task''s log')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop a running task')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;semaphore;help;projects' {
            break
        }
        'vext;semaphore;help;templates' {
            break
        }
        'vext;semaphore;help;run' {
            break
        }
        'vext;semaphore;help;status' {
            break
        }
        'vext;semaphore;help;logs' {
            break
        }
        'vext;semaphore;help;stop' {
            break
        }
        'vext;semaphore;help;help' {
            break
        }
        'vext;nats' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The stream, the shared consumer and its counts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;nats;status' {
            [CompletionResult]::new('--nats', '--nats', [CompletionResultType]::ParameterName, 'NATS server URL(s), comma-separated [default: [nats] url in the config]')
            [CompletionResult]::new('--nats-creds', '--nats-creds', [CompletionResultType]::ParameterName, 'NATS credentials file (.creds)')
            [CompletionResult]::new('--nats-token-file', '--nats-token-file', [CompletionResultType]::ParameterName, 'File holding a NATS token')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in this PEM file (tls:// servers)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Output JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;nats;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The stream, the shared consumer and its counts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;nats;help;status' {
            break
        }
        'vext;nats;help;help' {
            break
        }
        'vext;forge' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;forge;test' {
            [CompletionResult]::new('--forge', '--forge', [CompletionResultType]::ParameterName, 'The forge that sent it')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The event, as the forge''s header names it (X-GitHub-Event: push, pull_request, issues, release, workflow_run, check_suite; X-Gitlab-Event: ''Push Hook'', ''Merge Request Hook'', ''Pipeline Hook''…) [default: push, or ''Push Hook'']')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;forge;help' {
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;forge;help;test' {
            break
        }
        'vext;forge;help;help' {
            break
        }
        'vext;history' {
            [CompletionResult]::new('--state-dir', '--state-dir', [CompletionResultType]::ParameterName, 'The daemon''s state directory (same default as `vext daemon --state-dir`)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Only messages with a target matching PATTERN (`*` matches anything)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only messages received since then: a duration (1h, 2d) or a time (2026-11-22T10:00:00Z)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Only messages with a target in this state')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'At most this many messages (the newest) [default: 100; 0 for all]')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many messages (the newest) [default: 100; 0 for all]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line (with --follow too), for programs')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new messages as they arrive')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new messages as they arrive')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration (file, environment and defaults), secrets redacted')
            [CompletionResult]::new('reference', 'reference', [CompletionResultType]::ParameterValue, 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;config;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;config;reference' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration (file, environment and defaults), secrets redacted')
            [CompletionResult]::new('reference', 'reference', [CompletionResultType]::ParameterValue, 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;config;help;show' {
            break
        }
        'vext;config;help;reference' {
            break
        }
        'vext;config;help;help' {
            break
        }
        'vext;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory that receives completions/ and man/')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--strict-permissions', '--strict-permissions', [CompletionResultType]::ParameterName, 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vext;help' {
            [CompletionResult]::new('send', 'send', [CompletionResultType]::ParameterValue, 'Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon')
            [CompletionResult]::new('daemon', 'daemon', [CompletionResultType]::ParameterValue, 'Run the relay daemon: irker''s JSON protocol on TCP and UDP, persistent IRC connections')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Announce commits from git hooks (a drop-in for irkerhook)')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check registries for newer versions of the images in use, gated by a safe-update policy')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback')
            [CompletionResult]::new('semaphore', 'semaphore', [CompletionResultType]::ParameterValue, 'Run, follow and stop Semaphore UI (Ansible) tasks')
            [CompletionResult]::new('nats', 'nats', [CompletionResultType]::ParameterValue, 'Inspect the NATS JetStream work queue that daemons run with --nats share')
            [CompletionResult]::new('forge', 'forge', [CompletionResultType]::ParameterValue, 'Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'Show what the daemon stored and delivered (the spool is the history)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Inspect the configuration')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the completion script for a shell (the static binary carries its own)')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (for packagers and the project itself)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vext;help;send' {
            break
        }
        'vext;help;daemon' {
            break
        }
        'vext;help;hook' {
            [CompletionResult]::new('git', 'git', [CompletionResultType]::ParameterValue, 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)')
            [CompletionResult]::new('svn', 'svn', [CompletionResultType]::ParameterValue, 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")')
            [CompletionResult]::new('hg', 'hg', [CompletionResultType]::ParameterValue, 'Announce Mercurial changesets (from a commit or changegroup hook)')
            [CompletionResult]::new('install', 'install', [CompletionResultType]::ParameterValue, 'Install vext as a git hook (post-receive or post-commit)')
            break
        }
        'vext;help;hook;git' {
            break
        }
        'vext;help;hook;svn' {
            break
        }
        'vext;help;hook;hg' {
            break
        }
        'vext;help;hook;install' {
            break
        }
        'vext;help;scan' {
            break
        }
        'vext;help;check' {
            break
        }
        'vext;help;update' {
            break
        }
        'vext;help;semaphore' {
            [CompletionResult]::new('projects', 'projects', [CompletionResultType]::ParameterValue, 'List the projects')
            [CompletionResult]::new('templates', 'templates', [CompletionResultType]::ParameterValue, 'List a project''s templates')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Start a task from a template')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show a task''s status')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print a task''s log')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop a running task')
            break
        }
        'vext;help;semaphore;projects' {
            break
        }
        'vext;help;semaphore;templates' {
            break
        }
        'vext;help;semaphore;run' {
            break
        }
        'vext;help;semaphore;status' {
            break
        }
        'vext;help;semaphore;logs' {
            break
        }
        'vext;help;semaphore;stop' {
            break
        }
        'vext;help;nats' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The stream, the shared consumer and its counts')
            break
        }
        'vext;help;nats;status' {
            break
        }
        'vext;help;forge' {
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`')
            break
        }
        'vext;help;forge;test' {
            break
        }
        'vext;help;history' {
            break
        }
        'vext;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration (file, environment and defaults), secrets redacted')
            [CompletionResult]::new('reference', 'reference', [CompletionResultType]::ParameterValue, 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))')
            break
        }
        'vext;help;config;show' {
            break
        }
        'vext;help;config;reference' {
            break
        }
        'vext;help;completions' {
            break
        }
        'vext;help;generate' {
            break
        }
        'vext;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
