//! A small YAML tree with line numbers, built from yaml-rust2's events:
//! anchors and aliases resolved (with a cap against alias bombs) and merge
//! keys (`<<`) applied.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

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

/// Most nodes a file may expand to (aliases included).
const MAX_NODES: usize = 2_000_000;

enum Frame {
    Seq {
        items: Vec<Node>,
        line: usize,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        line: usize,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    nodes: usize,
    error: Option<String>,
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

    fn anchor(&mut self, id: usize, node: &Node) {
        if id > 0 {
            self.anchors.insert(id, node.clone());
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line();
        match ev {
            Event::Scalar(value, style, anchor, _) => {
                self.nodes += 1;
                let node = Node::Scalar {
                    value,
                    line,
                    plain: style == TScalarStyle::Plain,
                };
                self.anchor(anchor, &node);
                self.push(node);
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node::Scalar {
                    value: String::new(),
                    line,
                    plain: true,
                });
                self.nodes += node.size();
                if self.nodes > MAX_NODES {
                    self.error = Some(format!(
                        "more than {MAX_NODES} nodes once aliases are expanded"
                    ));
                    return;
                }
                self.push(node);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                items: Vec::new(),
                line,
                anchor,
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                key: None,
                line,
                anchor,
            }),
            Event::SequenceEnd => {
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
            Event::MappingEnd => {
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
            _ => {}
        }
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
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(|e| e.to_string())?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
