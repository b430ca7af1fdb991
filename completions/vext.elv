
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
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand send 'Deliver one notification to IRC targets, directly or through a daemon'
            cand daemon 'Run the relay daemon: irker''s JSON protocol on TCP and UDP, persistent IRC connections'
            cand config 'Inspect the configuration'
            cand generate 'Write shell completions and man pages (for packagers and the project itself)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;send'= {
            cand -m 'The text to send (each line becomes a message). Without it, stdin is read'
            cand --message 'The text to send (each line becomes a message). Without it, stdin is read'
            cand --via 'Hand the notification to a running daemon at HOST[:PORT] (port 6659 by default)'
            cand --id 'An idempotency key for --via (a random one by default)'
            cand --timeout 'Give up after this many seconds (exit 75) [default: 30]'
            cand --nick 'Nick to use when the target URL names none [default: vext + 3 random digits]'
            cand --ca-file 'Also trust the CA certificates in this PEM file for ircs:// (in addition to the system roots)'
            cand --config 'Configuration file (TOML)'
            cand --no-ack 'With --via: send a plain irker request and do not wait for a reply (for irkerd)'
            cand --dry-run 'Print the one request line --via would send, and send nothing'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;daemon'= {
            cand --listen 'Address for irker''s protocol, TCP and UDP on the same port [default: 127.0.0.1:6659]'
            cand -n 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]'
            cand --nick 'Nick on IRC servers when a target URL names none (irkerd -n) [default: vext + 3 random digits]'
            cand --nickserv-password-file 'File holding the NickServ password sent after registration (irkerd -p, but not on the command line)'
            cand --ca-file 'Also trust the CA certificates in this PEM file for ircs://'
            cand --channel-ttl 'Part a channel after this many seconds without messages [default: 10800, 3 hours]'
            cand --connection-ttl 'Quit a connection with no channels left after this many seconds [default: 10800]'
            cand --burst 'Lines a connection may send at once before pacing starts [default: 5]'
            cand --line-rate 'Lines per second per connection after the burst [default: 1]'
            cand --drain-timeout 'On SIGTERM/SIGINT, keep delivering what is queued for at most this many seconds [default: 10]'
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;config'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Print the effective configuration (file, environment and defaults), secrets redacted'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;config;show'= {
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;config;help'= {
            cand show 'Print the effective configuration (file, environment and defaults), secrets redacted'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;config;help;show'= {
        }
        &'vext;config;help;help'= {
        }
        &'vext;generate'= {
            cand --out 'Directory that receives completions/ and man/'
            cand --config 'Configuration file (TOML)'
            cand -v 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand --verbose 'More diagnostics on stderr (-v info, -vv debug, -vvv protocol trace)'
            cand -q 'Only errors on stderr'
            cand --quiet 'Only errors on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vext;help'= {
            cand send 'Deliver one notification to IRC targets, directly or through a daemon'
            cand daemon 'Run the relay daemon: irker''s JSON protocol on TCP and UDP, persistent IRC connections'
            cand config 'Inspect the configuration'
            cand generate 'Write shell completions and man pages (for packagers and the project itself)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vext;help;send'= {
        }
        &'vext;help;daemon'= {
        }
        &'vext;help;config'= {
            cand show 'Print the effective configuration (file, environment and defaults), secrets redacted'
        }
        &'vext;help;config;show'= {
        }
        &'vext;help;generate'= {
        }
        &'vext;help;help'= {
        }
    ]
    $completions[$command]
}
