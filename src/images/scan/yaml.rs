//! A small YAML tree with line numbers, built from the events of
//! libyaml-safer (a port of libyaml, so that vext reads YAML as PyYAML,
//! libyaml and docker compose do: a test compares them): anchors and aliases
//! resolved (with a cap against alias bombs) and merge keys (`<<`) applied.

use std::collections::HashMap;

use libyaml_safer::{EventData, Parser, ScalarStyle};

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Scalar {
        value: String,
        line: usize,
        plain: bool,
    },
    Seq {
        items: Vec<Node>,
        line: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        line: usize,
    },
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map { entries, .. } => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub(crate) fn line(&self) -> usize {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } => *line,
        }
    }

    pub(crate) fn items(&self) -> &[Node] {
        match self {
            Node::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub(crate) fn entries(&self) -> &[(Node, Node)] {
        match self {
            Node::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    fn size(&self) -> usize {
        match self {
            Node::Scalar { .. } => 1,
            Node::Seq { items, .. } => 1 + items.iter().map(Node::size).sum::<usize>(),
            Node::Map { entries, .. } => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.size() + v.size())
                    .sum::<usize>()
            }
        }
    }
}

/// Most nodes aliases may add to a file beyond as many as it writes out
/// itself: real files repeat a few anchored blocks (compose's `<<: *defaults`);
/// an alias bomb multiplies them (a kilobyte that expands to 9^12 nodes).
/// As Go's yaml.v3 judges it, by the share of the expansion, so a large file
/// without aliases is never refused for its size.
const MAX_ALIASED: usize = 100_000;

enum Frame {
    Seq {
        items: Vec<Node>,
        line: usize,
        anchor: Option<String>,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        line: usize,
        anchor: Option<String>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<String, Node>,
    docs: Vec<Node>,
    /// Nodes the file writes out, and nodes its aliases add.
    nodes: usize,
    aliased: usize,
}

impl Builder {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn anchor(&mut self, name: Option<String>, node: &Node) {
        if let Some(name) = name {
            self.anchors.insert(name, node.clone());
        }
    }

    /// Takes one event; an error stops the document.
    fn on_event(&mut self, ev: EventData, line: usize) -> Result<(), String> {
        match ev {
            EventData::Scalar {
                value,
                style,
                anchor,
                ..
            } => {
                self.nodes += 1;
                let node = Node::Scalar {
                    value,
                    line,
                    plain: style == ScalarStyle::Plain,
                };
                self.anchor(anchor, &node);
                self.push(node);
            }
            EventData::Alias { anchor } => {
                let node = self
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or_else(|| format!("line {line}: undefined alias *{anchor}"))?;
                self.aliased += node.size();
                if self.aliased > MAX_ALIASED.max(self.nodes) {
                    return Err(format!(
                        "aliases expand to more than {} nodes (the file writes {} itself)",
                        MAX_ALIASED.max(self.nodes),
                        self.nodes
                    ));
                }
                self.push(node);
            }
            EventData::SequenceStart { anchor, .. } => self.stack.push(Frame::Seq {
                items: Vec::new(),
                line,
                anchor,
            }),
            EventData::MappingStart { anchor, .. } => self.stack.push(Frame::Map {
                entries: Vec::new(),
                key: None,
                line,
                anchor,
            }),
            EventData::SequenceEnd => {
                if let Some(Frame::Seq {
                    items,
                    line,
                    anchor,
                }) = self.stack.pop()
                {
                    self.nodes += 1;
                    let node = Node::Seq { items, line };
                    self.anchor(anchor, &node);
                    self.push(node);
                }
            }
            EventData::MappingEnd => {
                if let Some(Frame::Map {
                    entries,
                    line,
                    anchor,
                    ..
                }) = self.stack.pop()
                {
                    self.nodes += 1;
                    let node = Node::Map {
                        entries: merge_keys(entries),
                        line,
                    };
                    self.anchor(anchor, &node);
                    self.push(node);
                }
            }
            // Anchors are per document.
            EventData::DocumentEnd { .. } => self.anchors.clear(),
            _ => {}
        }
        Ok(())
    }
}

/// Applies `<<: *anchor` (or a list of them): merged keys never override explicit ones.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(k, Node::Scalar { value, plain: true, .. } if value == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let (merges, mut own): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| is_merge(k));
    for (_, v) in merges {
        let sources: Vec<Node> = match v {
            Node::Map { .. } => vec![v],
            Node::Seq { items, .. } => items,
            Node::Scalar { .. } => vec![],
        };
        for src in sources {
            if let Node::Map { entries, .. } = src {
                for (k, val) in entries {
                    if !own
                        .iter()
                        .any(|(ok, _)| ok.as_str().is_some() && ok.as_str() == k.as_str())
                    {
                        own.push((k, val));
                    }
                }
            }
        }
    }
    own
}

/// Every document in the text.
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = Builder::default();
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    loop {
        let ev = parser.parse().map_err(|e| e.to_string())?;
        if matches!(ev.data, EventData::StreamEnd) {
            break;
        }
        let line = usize::try_from(ev.start_mark.line).unwrap_or(usize::MAX - 1) + 1;
        builder.on_event(ev.data, line)?;
    }
    Ok(builder.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two inputs that made libyaml-safer 0.3.0 panic (vendor/libyaml-safer).
    #[test]
    fn inputs_that_crashed_the_yaml_reader() {
        let docs = parse("a: |\n  x").unwrap();
        assert_eq!(docs.len(), 1);
        assert!(parse("a: |\n  x]").is_ok());
        // As PyYAML: a refusal, not a panic.
        assert!(parse("c: [\n  \"start\"!,\n]\n").is_err());
        assert!(parse("c: [!!str, a]").is_ok());
        assert!(parse("a: \"x\\").is_err());
    }

    #[test]
    fn lines_anchors_and_merge_keys() {
        let docs = parse(
            "\u{feff}base: &base\n  image: nginx:1.25\n  ports: [80]\nweb:\n  <<: *base\n  image: nginx:1.27\nworker:\n  <<: *base\n---\nkind: Second\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let web = docs[0].get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("nginx:1.27"));
        assert_eq!(web.get("image").unwrap().line(), 6);
        let worker = docs[0].get("worker").unwrap();
        assert_eq!(worker.get("image").unwrap().as_str(), Some("nginx:1.25"));
        assert_eq!(worker.get("image").unwrap().line(), 2);
        assert_eq!(docs[1].get("kind").unwrap().as_str(), Some("Second"));
    }

    #[test]
    fn crlf_and_errors() {
        let docs = parse("a: 1\r\nb:\r\n  c: x\r\n").unwrap();
        assert_eq!(docs[0].get("b").unwrap().get("c").unwrap().line(), 3);
        assert!(parse("a: [1, 2\n").is_err());
        assert!(parse("a:\n\t- tab\n").is_err());
    }

    #[test]
    fn alias_bombs_are_stopped() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            text.push_str(&format!("{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
            prev = c;
        }
        assert!(parse(&text).unwrap_err().contains("aliases"));
    }

    /// A tree as JSON, for comparing with PyYAML: scalars as strings (PyYAML
    /// is run without type resolution), maps by string key.
    fn to_json(n: &Node) -> serde_json::Value {
        match n {
            Node::Scalar { value, .. } => value.clone().into(),
            Node::Seq { items, .. } => items.iter().map(to_json).collect(),
            Node::Map { entries, .. } => {
                let mut m = serde_json::Map::new();
                for (k, v) in entries {
                    let key = match k.as_str() {
                        Some(s) => s.to_string(),
                        None => to_json(k).to_string(),
                    };
                    m.insert(key, to_json(v));
                }
                m.into()
            }
        }
    }

    /// Cases libyaml and docker compose accept that are easy to get wrong.
    const GENERATED: &[&str] = &[
        // A flow sequence across lines, closed at its key's indentation.
        "services:\n  app:\n    image: nginx:1.25\n    command: [\n      \"start\",\n      \"x\"\n    ]\n",
        "services:\n  app:\n    command: [\n      \"a\", \"b\"\n    ]\n    image: redis:7\n",
        "a: {x: 1,\n  y: 2\n}\nb: [1,\n2,\n 3]\n",
        "env: {\n  A: 1,\n  B: \"two\"\n}\n",
        // Anchors, aliases and merge keys.
        "base: &b {image: x, pull: always}\nweb:\n  <<: *b\n  image: y\n",
        "a: &a {k: 1}\nb: &b {k: 2, m: 3}\nc:\n  <<: [*a, *b]\n  n: 4\n",
        "list: &l [1, 2]\ncopy: *l\n",
        // Several documents, markers, an end marker.
        "---\na: 1\n---\nb: 2\n...\n---\nc: 3\n",
        "%YAML 1.1\n---\nkind: Pod\n",
        // Block scalars.
        "script: |\n  echo a\n  echo b\nfolded: >-\n  one\n  two\nkeep: |+\n  x\n\nlast: end\n",
        // Comments everywhere.
        "# head\na: 1 # after a value\n# between\nb: # after a key\n  - x # in a list\n  # alone in a list\n  - y\n# tail\n",
        // Line ends, a byte order mark.
        "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
        "\u{feff}kind: Pod\nimage: busybox\n",
        // Tabs where YAML allows them.
        "a:\tvalue\nb: [x,\ty]\nc: \"tab\\there\"\n# a\ttab in a comment\n",
        // Quoting, empties, explicit keys, compact nesting.
        "s: 'it''s'\nd: \"a\\\"b\"\ne:\nf: ~\ng: ''\n",
        "? complex\n: value\nnested:\n- - a\n  - b\n- c\n",
        "long: this is a\n  plain scalar over\n  several lines\n",
        // Errors both must refuse.
        "a: [1, 2\n",
        "a: b: c\n",
    ];

    /// Runs PyYAML over `texts`: for each, its documents as JSON, or null
    /// when PyYAML refuses it.
    fn pyyaml(texts: &[String]) -> Vec<serde_json::Value> {
        const SCRIPT: &str = r#"
import json, sys, yaml
# libyaml's parser (PyYAML's C loader), as docker compose's users meet it.
Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
class L(Base):
    # Keys that are not strings (a {{ template }} read as a map) as vext
    # shows them: compact JSON.
    def construct_mapping(self, node, deep=False):
        self.flatten_mapping(node)
        out = {}
        for k, v in node.value:
            key = self.construct_object(k, deep=True)
            if not isinstance(key, str):
                key = json.dumps(key, separators=(",", ":"))
            out[key] = self.construct_object(v, deep=deep)
        return out
# Every scalar a string, as vext reads them; merge keys still resolved.
L.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag == "tag:yaml.org,2002:merge"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
L.add_constructor("tag:yaml.org,2002:map", lambda l, n: l.construct_mapping(n, deep=True))
out = []
for text in json.load(sys.stdin):
    try:
        out.append(list(yaml.load_all(text, Loader=L)))
    except yaml.YAMLError:
        out.append(None)
json.dump(out, sys.stdout)
"#;
        for python in ["/usr/bin/python3", "python3"] {
            let Ok(mut child) = std::process::Command::new(python)
                .args(["-c", SCRIPT])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
            else {
                continue;
            };
            let input = serde_json::to_vec(texts).unwrap();
            std::io::Write::write_all(child.stdin.as_mut().unwrap(), &input).unwrap();
            drop(child.stdin.take());
            let out = child.wait_with_output().unwrap();
            if out.status.success() {
                return serde_json::from_slice(&out.stdout).unwrap();
            }
        }
        panic!("PyYAML is needed for this test: `make deps` installs python3-yaml");
    }

    fn fixtures() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut out = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                    let bytes = std::fs::read(&p).unwrap();
                    out.push((
                        p.display().to_string(),
                        String::from_utf8_lossy(&bytes).into(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    /// The scanner reads YAML as libyaml (PyYAML's C loader) does: every
    /// fixture of the tests and the generated cases give the same documents,
    /// or both are refused. (PyYAML's pure-Python loader is stricter than
    /// libyaml about tabs.)
    #[test]
    fn agrees_with_pyyaml() {
        let mut cases = fixtures();
        cases.extend(
            GENERATED
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("generated #{i}"), t.to_string())),
        );
        let texts: Vec<String> = cases.iter().map(|(_, t)| t.clone()).collect();
        let theirs = pyyaml(&texts);
        let mut differ = Vec::new();
        for ((name, text), want) in cases.iter().zip(theirs) {
            let ours = parse(text).map(|docs| docs.iter().map(to_json).collect::<Vec<_>>());
            let agree = match (&ours, &want) {
                (Ok(docs), serde_json::Value::Array(w)) => docs == w,
                (Err(_), serde_json::Value::Null) => true,
                _ => false,
            };
            if !agree {
                differ.push(format!("{name}:\n  vext:   {ours:?}\n  PyYAML: {want}"));
            }
        }
        assert!(differ.is_empty(), "{}", differ.join("\n"));
    }
}
