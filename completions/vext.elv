
use builtin;
use str;

set edit:completion:arg-completer[vext] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vext'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vext'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand send 'Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon'
            cand daemon 'Run the relay daemon: irker''s JSON protocol on TCP and UDP, persistent IRC connections'
            cand hook 'Announce commits from git hooks (a drop-in for irkerhook)'
            cand scan 'Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker'
            cand check 'Check registries for newer versions of the images in use, gated by a safe-update policy'
            cand update 'Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback'
            cand semaphore 'Run, follow and stop Semaphore UI (Ansible) tasks'
            cand nats 'Inspect the NATS JetStream work queue that daemons run with --nats share'
            cand forge 'Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload'
            cand history 'Show what the daemon stored and delivered (the spool is the history)'
            cand config 'Inspect the configuration'
            cand completions 'Print the completion script for a shell (the static binary carries its own)'
            cand generate 'Write shell completions and man pages (for packagers and the project itself)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;send'= {
            cand -m 'The text to send (each line becomes a message). Without it, stdin is read'
            cand --message 'The text to send (each line becomes a message). Without it, stdin is read'
            cand --via 'Hand the notification to a running daemon at HOST[:PORT] (port 6659 by default)'
            cand --id 'An idempotency key for --via (a random one by default)'
            cand --timeout 'Give up after this long (exit 75): seconds, or like 30s or 2m [default: 30]'
            cand --nick 'Nick to use when the target URL names none [default: vext + 3 random digits]'
            cand --ca-file 'Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks'
            cand --client-cert 'Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too'
            cand --client-key 'The client certificate''s private key (PEM) when it is not in --client-cert''s file; keep it chmod 600'
            cand --title 'A title: bold on IRC, the attachment/embed title on Slack and Discord'
            cand --type 'What kind of news: info, success, warning or failure (colours the message where the target can)'
            cand --format 'Matrix: how the text is formatted (markdown, html or text) [default: text]'
            cand --msgtype 'Matrix: send m.notice (default; bots must not trigger other bots) or m.text'
            cand --matrix-token-file 'Matrix: read the access token from FILE (else the config file or VEXT_MATRIX_TOKEN)'
            cand --secret-file 'With --via: sign the request with the shared secret in FILE (the daemon''s --secret-file)'
            cand --config 'Configuration file (TOML)'
            cand --no-ack 'With --via: send a plain irker request and do not wait for a reply (for irkerd). Exit 0 then only means the request was written: a refusal by the daemon (a signature it requires, a target it does not allow) is in its log only'
            cand --dry-run 'Print the one request line --via would send, and send nothing'
            cand --notice 'Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;daemon'= {
            cand --listen 'Address for irker''s protocol, TCP and UDP on the same port [default: 127.0.0.1:6659]'
            cand -n 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]'
            cand --nick 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]'
            cand --nickserv-password-file 'File holding the NickServ password sent after registration (irkerd -p, but not on the command line)'
            cand --ca-file 'Also trust the CA certificates in this PEM file (a private CA), besides the public roots, for ircs://, matrixs:// and HTTPS webhooks'
            cand --client-cert 'Present this client certificate (PEM) to ircs:// servers that ask: CertFP, and SASL EXTERNAL where the server offers it (irkerd -e). The file may hold the private key too'
            cand --client-key 'The client certificate''s private key (PEM) when it is not in --client-cert''s file; keep it chmod 600'
            cand --channel-ttl 'Part a channel after this long without messages: seconds, or like 90m [default: 10800, 3 hours]'
            cand --connection-ttl 'Quit a connection with no channels left after this long [default: 10800, 3 hours]'
            cand --burst 'Lines a connection may send at once before pacing starts [default: 5]'
            cand --line-rate 'Lines per second per connection after the burst [default: 1]'
            cand --max-connections 'Connections per IRC server that a message to many channels is spread over, so that it is not paced down one connection (more only when the server''s CHANLIMIT forces them) [default: 4]'
            cand --window 'Deliveries per route (IRC server, homeserver, webhook host) held in memory at once [default: 1000]'
            cand --drain-timeout 'On SIGTERM/SIGINT, keep delivering what is queued for at most this long [default: 10 seconds]'
            cand --state-dir 'Where the spool (SQLite) and the lock file live'
            cand --max-age 'Retry transient failures until a message is this old, then mark it failed (e.g. 24h, 90m, 2d) [default: 24h]'
            cand --retain 'Keep delivered and failed messages this long for `vext history` [default: 7d]'
            cand --http 'Serve HTTP on ADDR: GET /healthz, GET /metrics (Prometheus), POST /v1/notify. Off by default'
            cand --secret-file 'Require requests signed with the shared secret in FILE (HMAC-SHA256)'
            cand --allow-target 'Only deliver to targets matching PATTERN (repeatable), e.g. ''irc://*.libera.chat/*''. Matched as scheme://host[:port]/path on the parsed target: a `*` host label stands for whole labels, `:*` for any port, and a URL''s user part never counts'
            cand --rate 'Per-source rate limit, e.g. 100/min, 10/s, 1000/h; beyond it requests are refused. What a source is: see --rate-by'
            cand --rate-by 'What --rate counts against: address (an IPv4 address, all of 127/8 as one, or an IPv6 /64), prefix (an IPv4 /24 or an IPv6 /48), or key (signed requests against the secret, whatever address they come from; unsigned ones by address)'
            cand --check-every 'Run `vext check` on what [check] in the config lists, this often (e.g. 6h), and send [check] notify a summary of what is new'
            cand --update-every 'Run `vext update` on what [update] in the config names (docker, kube, paths), this often (e.g. 6h), and tell [update] notify what was applied, rolled back or failed. Off unless given here or as [update] every'
            cand --log-format 'Log format on stderr: text, or json (one object per line)'
            cand --nats 'Share the work with other daemons through NATS JetStream at URL (comma-separated for a cluster), e.g. nats://127.0.0.1:4222'
            cand --nats-creds 'NATS credentials file (.creds: a user JWT and NKey seed)'
            cand --nats-token-file 'File holding a NATS token'
            cand --config 'Configuration file (TOML)'
            cand --allow-unauthenticated 'Listen beyond loopback without a secret: anyone who can reach the port can send'
            cand --notice 'Send every IRC message as NOTICE instead of PRIVMSG, as many channels ask of bots (per target: ?notice)'
            cand --trust-loopback 'With a secret: accept unsigned requests from loopback (irk and irkerhook cannot sign)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;hook'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand git 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)'
            cand svn 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")'
            cand hg 'Announce Mercurial changesets (from a commit or changegroup hook)'
            cand install 'Install vext as a git hook (post-receive or post-commit)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;hook;git'= {
            cand --max-commits 'Commits announced per ref; beyond, one summary line [default: 5]'
            cand -C 'The repository (irkerhook''s --repository) [default: the current directory]'
            cand --repository 'The repository (irkerhook''s --repository) [default: the current directory]'
            cand --timeout 'Time budget for the whole run, in seconds [default: 5]'
            cand --project 'Project name [default: the repository directory without .git]'
            cand --repo 'Repository name in the message [default: the project in lower case]'
            cand --channels 'Comma-separated target URLs'
            cand --server 'The daemon''s HOST[:PORT] [default: localhost:6659]'
            cand --tcp 'TCP (true) or UDP (false) to the daemon [default: true]'
            cand --template 'Message template with irkerhook''s %(field)s names'
            cand --color 'mIRC, ANSI or none'
            cand --urlprefix 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL'
            cand --revformat 'raw, short or describe [default: describe]'
            cand --maxchannels 'Send to at most N channels (0: all)'
            cand --filtercmd 'A program that gets the fields as JSON and prints them, changed, as JSON'
            cand --cialike 'Shorten file lists longer than N characters the way irkerhook''s cialike does'
            cand --tinyifier 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)'
            cand --config 'Configuration file (TOML)'
            cand --stdin 'Read post-receive lines (OLD NEW REFNAME) on stdin and announce each pushed ref'
            cand -n 'Print each request as JSON (like irkerhook -n) and send nothing'
            cand --dry-run 'Print each request as JSON (like irkerhook -n) and send nothing'
            cand --strict 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;hook;svn'= {
            cand --timeout 'Time budget for the whole run, in seconds [default: 5]'
            cand --project 'Project name [default: the repository directory without .git]'
            cand --repo 'Repository name in the message [default: the project in lower case]'
            cand --channels 'Comma-separated target URLs'
            cand --server 'The daemon''s HOST[:PORT] [default: localhost:6659]'
            cand --tcp 'TCP (true) or UDP (false) to the daemon [default: true]'
            cand --template 'Message template with irkerhook''s %(field)s names'
            cand --color 'mIRC, ANSI or none'
            cand --urlprefix 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL'
            cand --revformat 'raw, short or describe [default: describe]'
            cand --maxchannels 'Send to at most N channels (0: all)'
            cand --filtercmd 'A program that gets the fields as JSON and prints them, changed, as JSON'
            cand --cialike 'Shorten file lists longer than N characters the way irkerhook''s cialike does'
            cand --tinyifier 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)'
            cand --config 'Configuration file (TOML)'
            cand -n 'Print each request as JSON (like irkerhook -n) and send nothing'
            cand --dry-run 'Print each request as JSON (like irkerhook -n) and send nothing'
            cand --strict 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;hook;hg'= {
            cand -R 'The repository [default: the current directory]'
            cand --repository 'The repository [default: the current directory]'
            cand --timeout 'Time budget for the whole run, in seconds [default: 5]'
            cand --project 'Project name [default: the repository directory without .git]'
            cand --repo 'Repository name in the message [default: the project in lower case]'
            cand --channels 'Comma-separated target URLs'
            cand --server 'The daemon''s HOST[:PORT] [default: localhost:6659]'
            cand --tcp 'TCP (true) or UDP (false) to the daemon [default: true]'
            cand --template 'Message template with irkerhook''s %(field)s names'
            cand --color 'mIRC, ANSI or none'
            cand --urlprefix 'Commit link prefix: a URL the commit id is appended to, or a preset (github:OWNER/REPO, gitlab:GROUP/REPO, codeberg:OWNER/REPO, gitea:URL, forgejo:URL, gitweb, cgit, viewcvs); empty or none: no URL'
            cand --revformat 'raw, short or describe [default: describe]'
            cand --maxchannels 'Send to at most N channels (0: all)'
            cand --filtercmd 'A program that gets the fields as JSON and prints them, changed, as JSON'
            cand --cialike 'Shorten file lists longer than N characters the way irkerhook''s cialike does'
            cand --tinyifier 'Accepted for irkerhook compatibility and ignored (vext never calls a URL shortener)'
            cand --config 'Configuration file (TOML)'
            cand -n 'Print each request as JSON (like irkerhook -n) and send nothing'
            cand --dry-run 'Print each request as JSON (like irkerhook -n) and send nothing'
            cand --strict 'Fail (non-zero exit) when the notification cannot be delivered, and deliver in the foreground'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;hook;install'= {
            cand -C 'The repository [default: the current directory]'
            cand --config 'Configuration file (TOML)'
            cand --force 'Replace an existing hook that is not vext''s'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;hook;help'= {
            cand git 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)'
            cand svn 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")'
            cand hg 'Announce Mercurial changesets (from a commit or changegroup hook)'
            cand install 'Install vext as a git hook (post-receive or post-commit)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;hook;help;git'= {
        }
        &'vext;hook;help;svn'= {
        }
        &'vext;hook;help;hg'= {
        }
        &'vext;hook;help;install'= {
        }
        &'vext;hook;help;help'= {
        }
        &'vext;scan'= {
            cand --docker-host 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]'
            cand --kubeconfig 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'With --kube: the kubeconfig context [default: current-context]'
            cand -N 'With --kube: the namespace [default: the context''s, else default]'
            cand --namespace 'With --kube: the namespace [default: the context''s, else default]'
            cand --config 'Configuration file (TOML)'
            cand --docker 'Also the running containers of the Docker engine (their images)'
            cand --all 'With --docker: stopped containers too'
            cand --kube 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods'
            cand -A 'With --kube: every namespace'
            cand --all-namespaces 'With --kube: every namespace'
            cand --json 'Output a JSON array'
            cand --ndjson 'Output one JSON object per line, as results come'
            cand --unique 'Group by image: {image, count, sources}'
            cand --hidden 'Also scan hidden files and directories'
            cand --no-ignore 'Do not skip what .gitignore, .ignore and git''s excludes ignore'
            cand --strict 'Exit 65 when a manifest could not be read or parsed (the scan still goes on)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;check'= {
            cand --from 'Read `vext scan --json`/`--ndjson` output from FILE, or - for stdin'
            cand --docker-host 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]'
            cand --kubeconfig 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'With --kube: the kubeconfig context [default: current-context]'
            cand -N 'With --kube: the namespace [default: the context''s, else default]'
            cand --namespace 'With --kube: the namespace [default: the context''s, else default]'
            cand --policy 'The policy file (TOML with a [policy] section) [default: [policy] in the config file]'
            cand --insecure-registry 'Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default)'
            cand --ca-file 'Also trust the CA certificates in this PEM file for registries (self-signed or private CAs)'
            cand --timeout 'Bound the whole run: images not checked by then are failures that say so (exit 75 when none could be checked) [default: no limit beyond each request''s 30 s]'
            cand --notify 'Send a summary to TARGET when there is something to report (repeatable; nothing is sent when there is not)'
            cand --via 'With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly'
            cand --secret-file 'With --via: sign the summary with the shared secret in FILE (the daemon''s --secret-file)'
            cand --nats 'Publish events (what was found, applied, rolled back) to NATS at URL on vext.events.> [default: [nats] url in the config, if any]'
            cand --metrics-file 'Write Prometheus textfile metrics to PATH (replaced atomically), for node_exporter'
            cand --state-dir 'Where each run records what it found, for --only-new and for telling when a `latest`-style tag''s digest changed since the last run (the daemon''s state dir) [default: as vext daemon]'
            cand --config 'Configuration file (TOML)'
            cand --docker 'Also the running containers of the Docker engine (their images)'
            cand --all 'With --docker: stopped containers too'
            cand --kube 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods'
            cand -A 'With --kube: every namespace'
            cand --all-namespaces 'With --kube: every namespace'
            cand --json 'Output a JSON array, one object per image: image, current, latest (approved), newest, change, decision, error, digest'
            cand --exit-code 'Exit 1 when at least one update is approved'
            cand --only-new 'Report only what is new since the last --only-new report that reached its reader'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;update'= {
            cand --docker-host 'The Docker engine: unix:///path/to/docker.sock or tcp://host:port [default: $DOCKER_HOST, else unix:///var/run/docker.sock]'
            cand --kubeconfig 'With --kube: the kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]'
            cand --context 'With --kube: the kubeconfig context [default: current-context]'
            cand -N 'With --kube: the namespace [default: the context''s, else default]'
            cand --namespace 'With --kube: the namespace [default: the context''s, else default]'
            cand --only 'Only images matching GLOB (nginx, ''ghcr.io/acme/*''; repeatable)'
            cand --branch 'With --commit: commit on a new branch NAME'
            cand --stable-for 'Without a HEALTHCHECK in the image: how long the new container must run without an exit or a restart [default: 30s]'
            cand --health-timeout 'The longest the health gate waits for a new container to prove itself, or a Kubernetes rollout to complete [default: 120s]'
            cand --health-url 'Also require this URL to answer 2xx before an update counts as healthy'
            cand --health-cmd 'Also require this shell command to exit 0 before an update counts as healthy'
            cand --release 'Clear the hold on IMAGE:TAG (set after a rolled-back update) and exit'
            cand --approve 'Approve the pending update ID (a policy''s approve = "manual" or "chat" holds updates for this) and exit; the next run applies it'
            cand --deny 'Deny the pending update ID and exit: later runs skip that version (a newer one asks again)'
            cand --pre-update 'Run CMD (sh -c) before each update, with VEXT_WORKLOAD, VEXT_IMAGE, VEXT_FROM, VEXT_TO, VEXT_CHANGE, VEXT_SOURCE set; if it fails, that update is skipped'
            cand --post-update 'Run CMD (sh -c) once each updated workload is healthy, with the same variables; if it fails, the update is rolled back and the version held'
            cand --parallel 'Update up to N workloads at once'
            cand --policy 'The policy file (TOML with a [policy] section) [default: [policy] in the config file]'
            cand --insecure-registry 'Talk plain HTTP to this registry HOST[:PORT] (repeatable; never the default)'
            cand --ca-file 'Also trust the CA certificates in this PEM file for registries'
            cand --notify 'Send a summary to TARGET when there is something to report (repeatable; nothing is sent when there is not)'
            cand --via 'With --notify: hand the summary to a daemon at HOST[:PORT] instead of sending it directly'
            cand --secret-file 'With --via: sign the summary with the shared secret in FILE (the daemon''s --secret-file)'
            cand --nats 'Publish events (what was found, applied, rolled back) to NATS at URL on vext.events.> [default: [nats] url in the config, if any]'
            cand --metrics-file 'Write Prometheus textfile metrics (safe_updater_*) to PATH, replaced atomically'
            cand --state-dir 'Where the update journal and the held versions live (the daemon''s state dir) [default: as vext daemon]'
            cand --config 'Configuration file (TOML)'
            cand --docker 'Also the running containers of the Docker engine (their images)'
            cand --all 'With --docker: stopped containers too'
            cand --kube 'Also the workloads of the Kubernetes API (kubeconfig or in-cluster): Deployments, StatefulSets, DaemonSets, CronJobs, Jobs, Pods'
            cand -A 'With --kube: every namespace'
            cand --all-namespaces 'With --kube: every namespace'
            cand --plan 'Print what an apply would do, in order, and change nothing'
            cand --json 'Output JSON (see below for the fields)'
            cand --write 'Rewrite approved tags in the manifest files found under PATHs, and in the compose file of a compose container updated'
            cand --commit 'With --write: make one git commit listing each change (nothing is pushed)'
            cand --prune 'Remove the old image once the new container is healthy'
            cand --pending 'List the updates waiting for approval, and those approved, and exit'
            cand --recover 'Finish or undo what an interrupted run left, and exit (every run does this first)'
            cand --now 'Apply approved updates now, even outside the maintenance window (the policy''s or [update] window)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore'= {
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand projects 'List the projects'
            cand templates 'List a project''s templates'
            cand run 'Start a task from a template'
            cand status 'Show a task''s status'
            cand logs 'Print a task''s log'
            cand stop 'Stop a running task'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;semaphore;projects'= {
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore;templates'= {
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore;run'= {
            cand --limit 'Limit the play to these hosts (Ansible --limit)'
            cand --tags 'Only tasks with these tags (Ansible --tags)'
            cand --skip-tags 'Skip tasks with these tags (Ansible --skip-tags)'
            cand --extra-vars 'Extra variables, a JSON object'
            cand --branch 'The git branch of the repository to run from'
            cand --poll 'How often to ask Semaphore while waiting'
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand --dry-run 'Check mode: change nothing'
            cand --debug 'Verbose Ansible output'
            cand --wait 'Wait for the task to end; the exit status says how it ended'
            cand --follow 'Print the task''s log as it runs (implies --wait)'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore;status'= {
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore;logs'= {
            cand --tail 'Only the last N lines'
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand -f 'Keep printing new lines until the task ends'
            cand --follow 'Keep printing new lines until the task ends'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore;stop'= {
            cand --url 'Semaphore''s base URL [default: [semaphore] url in the config]'
            cand --token-file 'A file holding the API token [default: VEXT_SEMAPHORE_TOKEN, else [semaphore] token / token_file]'
            cand --ca-file 'Also trust the CA certificates in this PEM file'
            cand --timeout 'The longest one request to Semaphore may take'
            cand --config 'Configuration file (TOML)'
            cand --force 'Kill it instead of asking it to stop'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;semaphore;help'= {
            cand projects 'List the projects'
            cand templates 'List a project''s templates'
            cand run 'Start a task from a template'
            cand status 'Show a task''s status'
            cand logs 'Print a task''s log'
            cand stop 'Stop a running task'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;semaphore;help;projects'= {
        }
        &'vext;semaphore;help;templates'= {
        }
        &'vext;semaphore;help;run'= {
        }
        &'vext;semaphore;help;status'= {
        }
        &'vext;semaphore;help;logs'= {
        }
        &'vext;semaphore;help;stop'= {
        }
        &'vext;semaphore;help;help'= {
        }
        &'vext;nats'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand status 'The stream, the shared consumer and its counts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;nats;status'= {
            cand --nats 'NATS server URL(s), comma-separated [default: [nats] url in the config]'
            cand --nats-creds 'NATS credentials file (.creds)'
            cand --nats-token-file 'File holding a NATS token'
            cand --ca-file 'Also trust the CA certificates in this PEM file (tls:// servers)'
            cand --config 'Configuration file (TOML)'
            cand --json 'Output JSON'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;nats;help'= {
            cand status 'The stream, the shared consumer and its counts'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;nats;help;status'= {
        }
        &'vext;nats;help;help'= {
        }
        &'vext;forge'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand test 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;forge;test'= {
            cand --forge 'The forge that sent it'
            cand --event 'The event, as the forge''s header names it (X-GitHub-Event: push, pull_request, issues, release, workflow_run, check_suite; X-Gitlab-Event: ''Push Hook'', ''Merge Request Hook'', ''Pipeline Hook''…) [default: push, or ''Push Hook'']'
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;forge;help'= {
            cand test 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;forge;help;test'= {
        }
        &'vext;forge;help;help'= {
        }
        &'vext;history'= {
            cand --state-dir 'The daemon''s state directory (same default as `vext daemon --state-dir`)'
            cand --target 'Only messages with a target matching PATTERN (`*` matches anything)'
            cand --since 'Only messages received since then: a duration (1h, 2d) or a time (2026-11-22T10:00:00Z)'
            cand --state 'Only messages with a target in this state'
            cand -n 'At most this many messages (the newest) [default: 100; 0 for all]'
            cand --limit 'At most this many messages (the newest) [default: 100; 0 for all]'
            cand --config 'Configuration file (TOML)'
            cand --json 'One JSON object per line (with --follow too), for programs'
            cand -f 'Keep printing new messages as they arrive'
            cand --follow 'Keep printing new messages as they arrive'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;config'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Print the effective configuration (file, environment and defaults), secrets redacted'
            cand reference 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;config;show'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;config;reference'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;config;help'= {
            cand show 'Print the effective configuration (file, environment and defaults), secrets redacted'
            cand reference 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;config;help;show'= {
        }
        &'vext;config;help;reference'= {
        }
        &'vext;config;help;help'= {
        }
        &'vext;completions'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;generate'= {
            cand --out 'Directory that receives completions/ and man/'
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand --strict-permissions 'Refuse secret files (tokens, passwords, --secret-file, .creds) that group or others can read, instead of warning (also `strict_permissions = true` in the config)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;help'= {
            cand send 'Deliver one notification to IRC, Matrix and webhook targets, directly or through a daemon'
            cand daemon 'Run the relay daemon: irker''s JSON protocol on TCP and UDP, persistent IRC connections'
            cand hook 'Announce commits from git hooks (a drop-in for irkerhook)'
            cand scan 'Find the container images in use: manifest files (Kubernetes, kustomize, compose, Dockerfiles) and Docker'
            cand check 'Check registries for newer versions of the images in use, gated by a safe-update policy'
            cand update 'Apply the updates the policy approves: recreate containers, patch Kubernetes workloads, rewrite manifest tags; health gate and automatic rollback'
            cand semaphore 'Run, follow and stop Semaphore UI (Ansible) tasks'
            cand nats 'Inspect the NATS JetStream work queue that daemons run with --nats share'
            cand forge 'Forge webhooks (GitHub, GitLab, Gitea, Forgejo): try the [forge] routes on a saved payload'
            cand history 'Show what the daemon stored and delivered (the spool is the history)'
            cand config 'Inspect the configuration'
            cand completions 'Print the completion script for a shell (the static binary carries its own)'
            cand generate 'Write shell completions and man pages (for packagers and the project itself)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;help;send'= {
        }
        &'vext;help;daemon'= {
        }
        &'vext;help;hook'= {
            cand git 'Announce git commits: HEAD (post-commit), the given REVs, or a push (--stdin, post-receive)'
            cand svn 'Announce a Subversion commit (from the post-commit hook: vext hook svn "$REPOS" "$REV")'
            cand hg 'Announce Mercurial changesets (from a commit or changegroup hook)'
            cand install 'Install vext as a git hook (post-receive or post-commit)'
        }
        &'vext;help;hook;git'= {
        }
        &'vext;help;hook;svn'= {
        }
        &'vext;help;hook;hg'= {
        }
        &'vext;help;hook;install'= {
        }
        &'vext;help;scan'= {
        }
        &'vext;help;check'= {
        }
        &'vext;help;update'= {
        }
        &'vext;help;semaphore'= {
            cand projects 'List the projects'
            cand templates 'List a project''s templates'
            cand run 'Start a task from a template'
            cand status 'Show a task''s status'
            cand logs 'Print a task''s log'
            cand stop 'Stop a running task'
        }
        &'vext;help;semaphore;projects'= {
        }
        &'vext;help;semaphore;templates'= {
        }
        &'vext;help;semaphore;run'= {
        }
        &'vext;help;semaphore;status'= {
        }
        &'vext;help;semaphore;logs'= {
        }
        &'vext;help;semaphore;stop'= {
        }
        &'vext;help;nats'= {
            cand status 'The stream, the shared consumer and its counts'
        }
        &'vext;help;nats;status'= {
        }
        &'vext;help;forge'= {
            cand test 'Render a saved webhook payload through [forge] in the config, without sending: one JSON line per line, {"to": [targets], "privmsg": line}, as `vext hook --dry-run`'
        }
        &'vext;help;forge;test'= {
        }
        &'vext;help;history'= {
        }
        &'vext;help;config'= {
            cand show 'Print the effective configuration (file, environment and defaults), secrets redacted'
            cand reference 'Print every section and key the file may hold, with an example value and what it means (also vext-config(5))'
        }
        &'vext;help;config;show'= {
        }
        &'vext;help;config;reference'= {
        }
        &'vext;help;completions'= {
        }
        &'vext;help;generate'= {
        }
        &'vext;help;help'= {
        }
    ]
    $completions[$command]
}
