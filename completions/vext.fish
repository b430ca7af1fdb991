# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vext_global_optspecs
    string join \n config= v/verbose q/quiet strict-permissions h/help V/version
end

function __fish_vext_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vext_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vext_using_subcommand
    set -l cmd (__fish_vext_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vext -n "__fish_vext_needs_command" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_needs_command" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_needs_command" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_needs_command" -s V -l version -d 'Print version'
complete -c vext -n "__fish_vext_needs_command" -f -a "send" -d 'Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon'
complete -c vext -n "__fish_vext_needs_command" -f -a "daemon" -d 'Run the relay daemon: irker\'s JSON protocol on TCP and UDP, persistent IRC connections'
complete -c vext -n "__fish_vext_needs_command" -f -a "hook" -d 'Announce commits from git hooks (a drop-in for irkerhook)'
complete -c vext -n "__fish_vext_needs_command" -f -a "scan" -d 'Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker'
complete -c vext -n "__fish_vext_needs_command" -f -a "check" -d 'Check registries for newer versions of the images in use, gated by a safe-update policy'
complete -c vext -n "__fish_vext_needs_command" -f -a "update" -d 'Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback'
complete -c vext -n "__fish_vext_needs_command" -f -a "semaphore" -d 'Run, follow and stop Semaphore UI (Ansible) tasks'
complete -c vext -n "__fish_vext_needs_command" -f -a "nats" -d 'Inspect the NATS JetStream work queue that daemons run with --nats share'
complete -c vext -n "__fish_vext_needs_command" -f -a "forge" -d 'Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload'
complete -c vext -n "__fish_vext_needs_command" -f -a "history" -d 'Show what the daemon stored and delivered (the spool is the history)'
complete -c vext -n "__fish_vext_needs_command" -f -a "config" -d 'Inspect the configuration'
complete -c vext -n "__fish_vext_needs_command" -f -a "completions" -d 'Print the completion script for a shell (the static binary carries its own)'
complete -c vext -n "__fish_vext_needs_command" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the project itself)'
complete -c vext -n "__fish_vext_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand send" -s m -l message -d 'The text to send (each line becomes a message). Without it, stdin is read' -r
complete -c vext -n "__fish_vext_using_subcommand send" -l via -d 'Hand the notification to a running daemon at HOST[:PORT] (port 6659 by default)' -r
complete -c vext -n "__fish_vext_using_subcommand send" -l id -d 'An idempotency key for --via (a random one by default)' -r
complete -c vext -n "__fish_vext_using_subcommand send" -l timeout -d 'Give up after this long (exit 75): seconds, or like 30s or 2m [default: 30]' -r
complete -c vext -n "__fish_vext_using_subcommand send" -l nick -d 'Nick to use when the target URL names none [default: vext + 3 random digits]' -r
complete -c vext -n "__fish_vext_using_subcommand send" -l ca-file -d 'Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks' -r -F
complete -c vext -n "__fish_vext_using_subcommand send" -l client-cert -d 'Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too' -r -F
complete -c vext -n "__fish_vext_using_subcommand send" -l client-key -d 'The client certificate\'s private key (PEM) when it is not in --client-cert\'s file; keep it chmod 600' -r -F
complete -c vext -n "__fish_vext_using_subcommand send" -l title -d 'A title: bold on IRC, the attachment/embed title on Slack and Discord' -r
complete -c vext -n "__fish_vext_using_subcommand send" -l type -d 'What kind of news: info, success, warning or failure (colours the message where the target can)' -r -f -a "info\t''
success\t''
warning\t''
failure\t''"
complete -c vext -n "__fish_vext_using_subcommand send" -l format -d 'Matrix: how the text is formatted (markdown, html or text) [default: text]' -r -f -a "markdown\t''
html\t''
text\t''"
complete -c vext -n "__fish_vext_using_subcommand send" -l msgtype -d 'Matrix: send m.notice (default; bots must not trigger other bots) or m.text' -r -f -a "notice\t''
text\t''"
complete -c vext -n "__fish_vext_using_subcommand send" -l matrix-token-file -d 'Matrix: read the access token from FILE (else the config file or VEXT_MATRIX_TOKEN)' -r -F
complete -c vext -n "__fish_vext_using_subcommand send" -l secret-file -d 'With --via: sign the request with the shared secret in FILE (the daemon\'s --secret-file)' -r -F
complete -c vext -n "__fish_vext_using_subcommand send" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand send" -l no-ack -d 'With --via: send a plain irker request and do not wait for a reply (for irkerd). Exit 0 then only means the request was written: a refusal by the daemon (a signature it requires, a target it does not allow) is in its log only'
complete -c vext -n "__fish_vext_using_subcommand send" -l dry-run -d 'Print the one request line --via would send, and send nothing'
complete -c vext -n "__fish_vext_using_subcommand send" -l notice -d 'Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice)'
complete -c vext -n "__fish_vext_using_subcommand send" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand send" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand send" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand daemon" -l listen -d 'Address for irker\'s protocol, TCP and UDP on the same port [default: 127.0.0.1:6659]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -s n -l nick -d 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l nickserv-password-file -d 'File holding the NickServ password sent after registration (irkerd -p, but not on the command line)' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l ca-file -d 'Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l client-cert -d 'Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l client-key -d 'The client certificate\'s private key (PEM) when it is not in --client-cert\'s file; keep it chmod 600' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l channel-ttl -d 'Part a channel after this long without messages: seconds, or like 90m [default: 10800, 3 hours]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l connection-ttl -d 'Quit a connection with no channels left after this long [default: 10800, 3 hours]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l burst -d 'Lines a connection may send at once before pacing starts [default: 5]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l line-rate -d 'Lines per second per connection after the burst [default: 1]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l max-connections -d 'Connections per IRC server that a message to many channels is spread over, so that it is not paced down one connection (more only when the server\'s CHANLIMIT forces them) [default: 4]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l window -d 'Deliveries per route (IRC server, homeserver, webhook host) held in memory at once [default: 1000]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l drain-timeout -d 'On SIGTERM/SIGINT, keep delivering what is queued for at most this long [default: 10 seconds]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l state-dir -d 'Where the spool (SQLite) and the lock file live' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l max-age -d 'Retry transient failures until a message is this old, then mark it failed (e.g. 24h, 90m, 2d) [default: 24h]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l retain -d 'Keep delivered and failed messages this long for `vext history` [default: 7d]' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l http -d 'Serve HTTP on ADDR: GET /healthz, GET /metrics (Prometheus), POST /v1/notify. Off by default' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l secret-file -d 'Require requests signed with the shared secret in FILE (HMAC-SHA256)' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l allow-target -d 'Only deliver to targets matching PATTERN (repeatable), e.g. \'irc://*.libera.chat/*\'. Matched as scheme://host[:port]/path on the parsed target: a `*` host label stands for whole labels, `:*` for any port, and a URL\'s user part never counts' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l rate -d 'Per-source rate limit, e.g. 100/min, 10/s, 1000/h; beyond it requests are refused. What a source is: see --rate-by' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l rate-by -d 'What --rate counts against: address (an IPv4 address, all of 127/8 as one, or an IPv6 /64), prefix (an IPv4 /24 or an IPv6 /48), or key (signed requests against the secret, whatever address they come from; unsigned ones by address)' -r -f -a "address\t''
prefix\t''
key\t''"
complete -c vext -n "__fish_vext_using_subcommand daemon" -l check-every -d 'Run `vext check` on what [check] in the config lists, this often (e.g. 6h), and send [check] notify a summary of what is new' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l update-every -d 'Run `vext update` on what [update] in the config names (docker, kube, paths), this often (e.g. 6h), and tell [update] notify what was applied, rolled back or failed. Off unless given here or as [update] every' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l log-format -d 'Log format on stderr: text, or json (one object per line)' -r -f -a "text\t''
json\t''"
complete -c vext -n "__fish_vext_using_subcommand daemon" -l nats -d 'Share the work with other daemons through NATS JetStream at URL (comma-separated for a cluster), e.g. nats://127.0.0.1:4222' -r
complete -c vext -n "__fish_vext_using_subcommand daemon" -l nats-creds -d 'NATS credentials file (.creds: a user JWT and NKey seed)' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l nats-token-file -d 'File holding a NATS token' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand daemon" -l allow-unauthenticated -d 'Listen beyond loopback without a secret: anyone who can reach the port can send'
complete -c vext -n "__fish_vext_using_subcommand daemon" -l notice -d 'Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice)'
complete -c vext -n "__fish_vext_using_subcommand daemon" -l trust-loopback -d 'With a secret: accept unsigned requests from loopback (irk and irkerhook cannot sign)'
complete -c vext -n "__fish_vext_using_subcommand daemon" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand daemon" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand daemon" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand daemon" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -f -a "git" -d 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -f -a "svn" -d 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -f -a "hg" -d 'Announce Mercurial changesets (from a commit or changegroup hook)'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -f -a "install" -d 'Install vext as a git hook (post-receive or post-commit)'
complete -c vext -n "__fish_vext_using_subcommand hook; and not __fish_seen_subcommand_from git svn hg install help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l max-commits -d 'Commits announced per ref; beyond, one summary line [default: 5]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -s C -l repository -d 'The repository (irkerhook\'s --repository) [default: the current directory]' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l timeout -d 'Time budget for the whole run, in seconds [default: 5]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l project -d 'Project name [default: the repository directory without .git]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l repo -d 'Repository name in the message [default: the project in lower case]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l channels -d 'Comma-separated target URLs' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l server -d 'The daemon\'s HOST[:PORT] [default: localhost:6659]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l tcp -d 'TCP (true) or UDP (false) to the daemon [default: true]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l template -d 'Message template with irkerhook\'s %(field)s names' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l color -d 'mIRC, ANSI or none' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l urlprefix -d 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l revformat -d 'raw, short or describe [default: describe]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l maxchannels -d 'Send to at most N channels (0: all)' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l filtercmd -d 'A program that gets the fields as JSON and prints them, changed, as JSON' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l cialike -d 'Shorten file lists longer than N characters the way irkerhook\'s cialike does' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l tinyifier -d 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l stdin -d 'Read post-receive lines (OLD NEW REFNAME) on stdin and announce each pushed ref'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -s n -l dry-run -d 'Print each request as JSON (like irkerhook -n) and send nothing'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l strict -d 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from git" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l timeout -d 'Time budget for the whole run, in seconds [default: 5]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l project -d 'Project name [default: the repository directory without .git]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l repo -d 'Repository name in the message [default: the project in lower case]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l channels -d 'Comma-separated target URLs' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l server -d 'The daemon\'s HOST[:PORT] [default: localhost:6659]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l tcp -d 'TCP (true) or UDP (false) to the daemon [default: true]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l template -d 'Message template with irkerhook\'s %(field)s names' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l color -d 'mIRC, ANSI or none' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l urlprefix -d 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l revformat -d 'raw, short or describe [default: describe]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l maxchannels -d 'Send to at most N channels (0: all)' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l filtercmd -d 'A program that gets the fields as JSON and prints them, changed, as JSON' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l cialike -d 'Shorten file lists longer than N characters the way irkerhook\'s cialike does' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l tinyifier -d 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -s n -l dry-run -d 'Print each request as JSON (like irkerhook -n) and send nothing'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l strict -d 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from svn" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -s R -l repository -d 'The repository [default: the current directory]' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l timeout -d 'Time budget for the whole run, in seconds [default: 5]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l project -d 'Project name [default: the repository directory without .git]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l repo -d 'Repository name in the message [default: the project in lower case]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l channels -d 'Comma-separated target URLs' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l server -d 'The daemon\'s HOST[:PORT] [default: localhost:6659]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l tcp -d 'TCP (true) or UDP (false) to the daemon [default: true]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l template -d 'Message template with irkerhook\'s %(field)s names' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l color -d 'mIRC, ANSI or none' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l urlprefix -d 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l revformat -d 'raw, short or describe [default: describe]' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l maxchannels -d 'Send to at most N channels (0: all)' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l filtercmd -d 'A program that gets the fields as JSON and prints them, changed, as JSON' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l cialike -d 'Shorten file lists longer than N characters the way irkerhook\'s cialike does' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l tinyifier -d 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)' -r
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -s n -l dry-run -d 'Print each request as JSON (like irkerhook -n) and send nothing'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l strict -d 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from hg" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -s C -d 'The repository [default: the current directory]' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -l force -d 'Replace an existing hook that is not vext\'s'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "git" -d 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "svn" -d 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "hg" -d 'Announce Mercurial changesets (from a commit or changegroup hook)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "install" -d 'Install vext as a git hook (post-receive or post-commit)'
complete -c vext -n "__fish_vext_using_subcommand hook; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand scan" -l docker-host -d 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]' -r
complete -c vext -n "__fish_vext_using_subcommand scan" -l kubeconfig -d 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c vext -n "__fish_vext_using_subcommand scan" -l context -d 'With --kube: the kubeconfig context [default: current-context]' -r
complete -c vext -n "__fish_vext_using_subcommand scan" -s N -l namespace -d 'With --kube: the namespace [default: the context\'s, else default]' -r
complete -c vext -n "__fish_vext_using_subcommand scan" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand scan" -l docker -d 'Also the running containers of the Docker engine (their images)'
complete -c vext -n "__fish_vext_using_subcommand scan" -l all -d 'With --docker: stopped containers too'
complete -c vext -n "__fish_vext_using_subcommand scan" -l kube -d 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods'
complete -c vext -n "__fish_vext_using_subcommand scan" -s A -l all-namespaces -d 'With --kube: every namespace'
complete -c vext -n "__fish_vext_using_subcommand scan" -l json -d 'Output a JSON array'
complete -c vext -n "__fish_vext_using_subcommand scan" -l ndjson -d 'Output one JSON object per line, as results come'
complete -c vext -n "__fish_vext_using_subcommand scan" -l unique -d 'Group by image: {image, count, sources}'
complete -c vext -n "__fish_vext_using_subcommand scan" -l hidden -d 'Also scan hidden files and directories'
complete -c vext -n "__fish_vext_using_subcommand scan" -l no-ignore -d 'Do not skip what .gitignore, .ignore and git\'s excludes ignore'
complete -c vext -n "__fish_vext_using_subcommand scan" -l strict -d 'Exit 65 when a manifest could not be read or parsed (the scan still goes on)'
complete -c vext -n "__fish_vext_using_subcommand scan" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand scan" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand scan" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand check" -l from -d 'Read `vext scan --json`/`--ndjson` output from FILE, or - for stdin' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l docker-host -d 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l kubeconfig -d 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l context -d 'With --kube: the kubeconfig context [default: current-context]' -r
complete -c vext -n "__fish_vext_using_subcommand check" -s N -l namespace -d 'With --kube: the namespace [default: the context\'s, else default]' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l policy -d 'The policy file (TOML with a [policy] section) [default: [policy] in the config file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l insecure-registry -d 'Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default)' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l ca-file -d 'Also trust the CA certificates in this PEM file for registries (self-signed or private CAs)' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l timeout -d 'Bound the whole run: images not checked by then are failures that say so (exit 75 when none could be checked) [default: no limit beyond each request\'s 30 s]' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l notify -d 'Send a summary to TARGET when there is something to report (repeatable; nothing is sent when there is not)' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l via -d 'With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l secret-file -d 'With --via: sign the summary with the shared secret in FILE (the daemon\'s --secret-file)' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l nats -d 'Publish events (what was found, applied, rolled back) to NATS at URL on vext.events.> [default: [nats] url in the config, if any]' -r
complete -c vext -n "__fish_vext_using_subcommand check" -l metrics-file -d 'Write Prometheus textfile metrics to PATH (replaced atomically), for node_exporter' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l state-dir -d 'Where each run records what it found, for --only-new and for telling when a `latest`-style tag\'s digest changed since the last run (the daemon\'s state dir) [default: as vext daemon]' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand check" -l docker -d 'Also the running containers of the Docker engine (their images)'
complete -c vext -n "__fish_vext_using_subcommand check" -l all -d 'With --docker: stopped containers too'
complete -c vext -n "__fish_vext_using_subcommand check" -l kube -d 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods'
complete -c vext -n "__fish_vext_using_subcommand check" -s A -l all-namespaces -d 'With --kube: every namespace'
complete -c vext -n "__fish_vext_using_subcommand check" -l json -d 'Output a JSON array, one object per image: image, current, latest (approved), newest, change, decision, error, digest'
complete -c vext -n "__fish_vext_using_subcommand check" -l exit-code -d 'Exit 1 when at least one update is approved'
complete -c vext -n "__fish_vext_using_subcommand check" -l only-new -d 'Report only what is new since the last --only-new report that reached its reader'
complete -c vext -n "__fish_vext_using_subcommand check" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand check" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand check" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand update" -l docker-host -d 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l kubeconfig -d 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l context -d 'With --kube: the kubeconfig context [default: current-context]' -r
complete -c vext -n "__fish_vext_using_subcommand update" -s N -l namespace -d 'With --kube: the namespace [default: the context\'s, else default]' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l only -d 'Only images matching GLOB (nginx, \'ghcr.io/acme/*\'; repeatable)' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l branch -d 'With --commit: commit on a new branch NAME' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l stable-for -d 'Without a HEALTHCHECK in the image: how long the new container must run without an exit or a restart [default: 30s]' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l health-timeout -d 'The longest the health gate waits for a new container to prove itself, or a Kubernetes rollout to complete [default: 120s]' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l health-url -d 'Also require this URL to answer 2xx before an update counts as healthy' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l health-cmd -d 'Also require this shell command to exit 0 before an update counts as healthy' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l release -d 'Clear the hold on IMAGE:TAG (set after a rolled-back update) and exit' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l approve -d 'Approve the pending update ID (a policy\'s approve = "manual" or "chat" holds updates for this) and exit; the next run applies it' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l deny -d 'Deny the pending update ID and exit: later runs skip that version (a newer one asks again)' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l pre-update -d 'Run CMD (sh -c) before each update, with VEXT_WORKLOAD, VEXT_IMAGE, VEXT_FROM, VEXT_TO, VEXT_CHANGE, VEXT_SOURCE set; if it fails, that update is skipped' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l post-update -d 'Run CMD (sh -c) once each updated workload is healthy, with the same variables; if it fails, the update is rolled back and the version held' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l parallel -d 'Update up to N workloads at once' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l policy -d 'The policy file (TOML with a [policy] section) [default: [policy] in the config file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l insecure-registry -d 'Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default)' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l ca-file -d 'Also trust the CA certificates in this PEM file for registries' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l notify -d 'Send a summary to TARGET when there is something to report (repeatable; nothing is sent when there is not)' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l via -d 'With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l secret-file -d 'With --via: sign the summary with the shared secret in FILE (the daemon\'s --secret-file)' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l nats -d 'Publish events (what was found, applied, rolled back) to NATS at URL on vext.events.> [default: [nats] url in the config, if any]' -r
complete -c vext -n "__fish_vext_using_subcommand update" -l metrics-file -d 'Write Prometheus textfile metrics (safe_updater_*) to PATH, replaced atomically' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l state-dir -d 'Where the update journal and the held versions live (the daemon\'s state dir) [default: as vext daemon]' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand update" -l docker -d 'Also the running containers of the Docker engine (their images)'
complete -c vext -n "__fish_vext_using_subcommand update" -l all -d 'With --docker: stopped containers too'
complete -c vext -n "__fish_vext_using_subcommand update" -l kube -d 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods'
complete -c vext -n "__fish_vext_using_subcommand update" -s A -l all-namespaces -d 'With --kube: every namespace'
complete -c vext -n "__fish_vext_using_subcommand update" -l plan -d 'Print what an apply would do, in order, and change nothing'
complete -c vext -n "__fish_vext_using_subcommand update" -l json -d 'Output JSON (see below for the fields)'
complete -c vext -n "__fish_vext_using_subcommand update" -l write -d 'Rewrite approved tags in the manifest files found under PATHs, and in the compose file of a compose container updated'
complete -c vext -n "__fish_vext_using_subcommand update" -l commit -d 'With --write: make one git commit listing each change (nothing is pushed)'
complete -c vext -n "__fish_vext_using_subcommand update" -l prune -d 'Remove the old image once the new container is healthy'
complete -c vext -n "__fish_vext_using_subcommand update" -l pending -d 'List the updates waiting for approval, and those approved, and exit'
complete -c vext -n "__fish_vext_using_subcommand update" -l recover -d 'Finish or undo what an interrupted run left, and exit (every run does this first)'
complete -c vext -n "__fish_vext_using_subcommand update" -l now -d 'Apply approved updates now, even outside the maintenance window (the policy\'s or [update] window)'
complete -c vext -n "__fish_vext_using_subcommand update" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand update" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand update" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "projects" -d 'List the projects'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "templates" -d 'List a project\'s templates'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "run" -d 'Start a task from a template'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "status" -d 'Show a task\'s status'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "logs" -d 'Print a task\'s log'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "stop" -d 'Stop a running task'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and not __fish_seen_subcommand_from projects templates run status logs stop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from projects" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from templates" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l limit -d 'Limit the play to these hosts (Ansible --limit)' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l tags -d 'Only tasks with these tags (Ansible --tags)' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l skip-tags -d 'Skip tasks with these tags (Ansible --skip-tags)' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l extra-vars -d 'Extra variables, a JSON object' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l branch -d 'The git branch of the repository to run from' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l poll -d 'How often to ask Semaphore while waiting' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l dry-run -d 'Check mode: change nothing'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l debug -d 'Verbose Ansible output'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l wait -d 'Wait for the task to end; the exit status says how it ended'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l follow -d 'Print the task\'s log as it runs (implies --wait)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l tail -d 'Only the last N lines' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new lines until the task ends'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l url -d 'Semaphore\'s base URL [default: [semaphore] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l token-file -d 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l ca-file -d 'Also trust the CA certificates in this PEM file' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l timeout -d 'The longest one request to Semaphore may take' -r
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l force -d 'Kill it instead of asking it to stop'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "projects" -d 'List the projects'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "templates" -d 'List a project\'s templates'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "run" -d 'Start a task from a template'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show a task\'s status'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "logs" -d 'Print a task\'s log'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop a running task'
complete -c vext -n "__fish_vext_using_subcommand semaphore; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -f -a "status" -d 'The stream, the shared consumer and its counts'
complete -c vext -n "__fish_vext_using_subcommand nats; and not __fish_seen_subcommand_from status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l nats -d 'NATS server URL(s), comma-separated [default: [nats] url in the config]' -r
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l nats-creds -d 'NATS credentials file (.creds)' -r -F
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l nats-token-file -d 'File holding a NATS token' -r -F
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l ca-file -d 'Also trust the CA certificates in this PEM file (tls:// servers)' -r -F
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l json -d 'Output JSON'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from help" -f -a "status" -d 'The stream, the shared consumer and its counts'
complete -c vext -n "__fish_vext_using_subcommand nats; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -f -a "test" -d 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`'
complete -c vext -n "__fish_vext_using_subcommand forge; and not __fish_seen_subcommand_from test help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -l forge -d 'The forge that sent it' -r -f -a "github\t''
gitlab\t''
gitea\t''"
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -l event -d 'The event, as the forge\'s header names it (X-GitHub-Event: push, pull_request, issues, release, workflow_run, check_suite; X-Gitlab-Event: \'Push Hook\', \'Merge Request Hook\', \'Pipeline Hook\'…) [default: push, or \'Push Hook\']' -r
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from help" -f -a "test" -d 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`'
complete -c vext -n "__fish_vext_using_subcommand forge; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand history" -l state-dir -d 'The daemon\'s state directory (same default as `vext daemon --state-dir`)' -r -F
complete -c vext -n "__fish_vext_using_subcommand history" -l target -d 'Only messages with a target matching PATTERN (`*` matches anything)' -r
complete -c vext -n "__fish_vext_using_subcommand history" -l since -d 'Only messages received since then: a duration (1h, 2d) or a time (2026-11-22T10:00:00Z)' -r
complete -c vext -n "__fish_vext_using_subcommand history" -l state -d 'Only messages with a target in this state' -r -f -a "queued\t''
sending\t''
delivered\t''
failed\t''"
complete -c vext -n "__fish_vext_using_subcommand history" -s n -l limit -d 'At most this many messages (the newest) [default: 100; 0 for all]' -r
complete -c vext -n "__fish_vext_using_subcommand history" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand history" -l json -d 'One JSON object per line (with --follow too), for programs'
complete -c vext -n "__fish_vext_using_subcommand history" -s f -l follow -d 'Keep printing new messages as they arrive'
complete -c vext -n "__fish_vext_using_subcommand history" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand history" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand history" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -f -a "show" -d 'Print the effective configuration (file, environment and defaults), secrets redacted'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -f -a "reference" -d 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))'
complete -c vext -n "__fish_vext_using_subcommand config; and not __fish_seen_subcommand_from show reference help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from show" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from reference" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from reference" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from reference" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from reference" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from reference" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration (file, environment and defaults), secrets redacted'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "reference" -d 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))'
complete -c vext -n "__fish_vext_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand completions" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand completions" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand completions" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand generate" -l out -d 'Directory that receives completions/ and man/' -r -F
complete -c vext -n "__fish_vext_using_subcommand generate" -l config -d 'Configuration file (TOML)' -r -F
complete -c vext -n "__fish_vext_using_subcommand generate" -s v -l verbose -d 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
complete -c vext -n "__fish_vext_using_subcommand generate" -s q -l quiet -d 'Only errors on stderr'
complete -c vext -n "__fish_vext_using_subcommand generate" -l strict-permissions -d 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
complete -c vext -n "__fish_vext_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "send" -d 'Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "daemon" -d 'Run the relay daemon: irker\'s JSON protocol on TCP and UDP, persistent IRC connections'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "hook" -d 'Announce commits from git hooks (a drop-in for irkerhook)'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "scan" -d 'Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "check" -d 'Check registries for newer versions of the images in use, gated by a safe-update policy'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "update" -d 'Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "semaphore" -d 'Run, follow and stop Semaphore UI (Ansible) tasks'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "nats" -d 'Inspect the NATS JetStream work queue that daemons run with --nats share'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "forge" -d 'Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "history" -d 'Show what the daemon stored and delivered (the spool is the history)'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "config" -d 'Inspect the configuration'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "completions" -d 'Print the completion script for a shell (the static binary carries its own)'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "generate" -d 'Write shell completions and man pages (for packagers and the project itself)'
complete -c vext -n "__fish_vext_using_subcommand help; and not __fish_seen_subcommand_from send daemon hook scan check update semaphore nats forge history config completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "git" -d 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "svn" -d 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "hg" -d 'Announce Mercurial changesets (from a commit or changegroup hook)'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from hook" -f -a "install" -d 'Install vext as a git hook (post-receive or post-commit)'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from semaphore" -f -a "projects" -d 'List the projects'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from semaphore" -f -a "templates" -d 'List a project\'s templates'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from semaphore" -f -a "run" -d 'Start a task from a template'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from semaphore" -f -a "status" -d 'Show a task\'s status'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from semaphore" -f -a "logs" -d 'Print a task\'s log'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from semaphore" -f -a "stop" -d 'Stop a running task'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from nats" -f -a "status" -d 'The stream, the shared consumer and its counts'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from forge" -f -a "test" -d 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration (file, environment and defaults), secrets redacted'
complete -c vext -n "__fish_vext_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "reference" -d 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))'
