//! HTTP/1.1 as vext speaks it over plain sockets: a reply parser for the
//! APIs it calls that way (the Docker engine on its unix socket), and a
//! bounded request reader for the daemon's HTTP side, which a stranger can
//! reach: the head and the body each have a size limit, so no request can
//! make the daemon hold more than that.

use std::io::{BufRead, Read};

pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// Parses an HTTP/1.1 reply read to the end (chunked bodies decoded).
pub(crate) fn parse_http(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body)?;
    }
    Some(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size_str = std::str::from_utf8(&data[..eol]).ok()?;
        let size = usize::from_str_radix(size_str.split(';').next()?.trim(), 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// A request's head: method, target path and headers (names lower-cased).
#[derive(Debug)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
}

impl RequestHead {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request could not be read; `status` is the answer to give.
#[derive(Debug)]
pub(crate) enum RequestError {
    /// The client closed the connection before a request began.
    Closed,
    /// The connection failed or timed out.
    Io(std::io::Error),
    /// A reply is owed: the status and what was wrong.
    Refused(u16, String),
}

fn refused(status: u16, why: impl Into<String>) -> RequestError {
    RequestError::Refused(status, why.into())
}

/// The most header lines a request may have.
const MAX_HEADERS: usize = 100;

/// Reads a request head of at most `max` bytes (request line and headers).
pub(crate) fn read_head(r: &mut impl BufRead, max: usize) -> Result<RequestHead, RequestError> {
    let mut budget = max;
    let mut lines: Vec<String> = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = r
            .by_ref()
            .take(budget as u64)
            .read_until(b'\n', &mut line)
            .map_err(RequestError::Io)?;
        if n == 0 && lines.is_empty() && budget == max {
            return Err(RequestError::Closed);
        }
        if !line.ends_with(b"\n") {
            return Err(if n == 0 || budget > n {
                RequestError::Io(std::io::ErrorKind::UnexpectedEof.into())
            } else {
                refused(431, format!("request head longer than {max} bytes"))
            });
        }
        budget -= n;
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        // Blank lines before the request line are tolerated (RFC 9112 2.2).
        if line.is_empty() && lines.is_empty() {
            continue;
        }
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8(line).map_err(|_| refused(400, "the head is not UTF-8"))?;
        if lines.len() > MAX_HEADERS {
            return Err(refused(
                431,
                format!("more than {MAX_HEADERS} header lines"),
            ));
        }
        lines.push(line);
    }
    let mut first = lines[0].split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (first.next(), first.next(), first.next(), first.next())
    else {
        return Err(refused(400, "not an HTTP request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(refused(505, format!("{version} is not spoken here")));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(refused(400, "not an HTTP method"));
    }
    let mut headers = Vec::new();
    for l in &lines[1..] {
        if l.starts_with([' ', '\t']) {
            return Err(refused(400, "folded header lines are not accepted"));
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(refused(400, "a header line without a colon"));
        };
        if k.is_empty() || k.contains([' ', '\t']) {
            return Err(refused(400, "a malformed header name"));
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    Ok(RequestHead {
        method: method.to_string(),
        path: path.to_string(),
        headers,
    })
}

/// Whether the client waits for `100 Continue` before sending its body.
pub(crate) fn expects_continue(head: &RequestHead) -> bool {
    head.header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
}

/// Reads the body `head` announces (Content-Length or chunked), at most
/// `max` bytes; a longer one is refused with 413 before it is read.
pub(crate) fn read_body(
    r: &mut impl BufRead,
    head: &RequestHead,
    max: usize,
) -> Result<Vec<u8>, RequestError> {
    let too_long = || refused(413, format!("body longer than {max} bytes"));
    if let Some(te) = head.header("transfer-encoding") {
        if !te.eq_ignore_ascii_case("chunked") {
            return Err(refused(
                501,
                format!("transfer coding {te:?} is not supported"),
            ));
        }
        let mut body = Vec::new();
        loop {
            let mut size_line = Vec::new();
            r.by_ref()
                .take(1024)
                .read_until(b'\n', &mut size_line)
                .map_err(RequestError::Io)?;
            let text = String::from_utf8_lossy(&size_line);
            let size = text
                .split(';')
                .next()
                .map(str::trim)
                .and_then(|h| usize::from_str_radix(h, 16).ok())
                .ok_or_else(|| refused(400, "a malformed chunk size"))?;
            if size == 0 {
                // Trailer lines, up to the blank line.
                loop {
                    let mut t = Vec::new();
                    let n = r
                        .by_ref()
                        .take(1024)
                        .read_until(b'\n', &mut t)
                        .map_err(RequestError::Io)?;
                    if n == 0 || t == b"\r\n" || t == b"\n" {
                        return Ok(body);
                    }
                }
            }
            if body.len().saturating_add(size) > max {
                return Err(too_long());
            }
            let start = body.len();
            r.by_ref()
                .take(size as u64)
                .read_to_end(&mut body)
                .map_err(RequestError::Io)?;
            if body.len() - start != size {
                return Err(RequestError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            let mut crlf = Vec::new();
            r.by_ref()
                .take(2)
                .read_until(b'\n', &mut crlf)
                .map_err(RequestError::Io)?;
        }
    }
    let lengths: Vec<&str> = head
        .headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    let Some(first) = lengths.first() else {
        return Ok(Vec::new());
    };
    if lengths.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refused(400, "a malformed Content-Length"));
    }
    let len: usize = first.parse().map_err(|_| too_long())?;
    if len > max {
        return Err(too_long());
    }
    let mut body = Vec::with_capacity(len);
    r.by_ref()
        .take(len as u64)
        .read_to_end(&mut body)
        .map_err(RequestError::Io)?;
    if body.len() != len {
        return Err(RequestError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_replies_plain_and_chunked() {
        let r = parse_http(b"HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\n\r\nOK").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"OK"[..]));
        let r = parse_http(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n[1,\r\n2\r\n2]\r\n0\r\n\r\n").unwrap();
        assert_eq!(r.body, b"[1,2]");
        assert!(parse_http(b"garbage").is_none());
    }

    fn read(raw: &[u8]) -> Result<(RequestHead, Vec<u8>), RequestError> {
        let mut r = std::io::BufReader::new(raw);
        let head = read_head(&mut r, 1024)?;
        let body = read_body(&mut r, &head, 64)?;
        Ok((head, body))
    }

    fn status(e: RequestError) -> u16 {
        match e {
            RequestError::Refused(s, _) => s,
            RequestError::Closed => 0,
            RequestError::Io(_) => 1,
        }
    }

    #[test]
    fn requests_are_read_within_their_limits() {
        let (h, b) = read(b"POST /v1/notify?x=1 HTTP/1.1\r\nHost: h\r\nX-Vext-Nonce:  n1 \r\nContent-Length: 5\r\n\r\nhello").unwrap();
        assert_eq!(
            (h.method.as_str(), h.path.as_str()),
            ("POST", "/v1/notify?x=1")
        );
        assert_eq!(h.header("x-vext-nonce"), Some("n1"));
        assert_eq!(b, b"hello");
        let (_, b) = read(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nTrailer: t\r\n\r\n").unwrap();
        assert_eq!(b, b"abcde");
        let (h, b) = read(b"\r\nGET /healthz HTTP/1.0\n\n").unwrap();
        assert_eq!((h.path.as_str(), b.len()), ("/healthz", 0));
        assert!(matches!(read(b""), Err(RequestError::Closed)));
        // A head with no end within the limit: refused after 1 KiB, not read on.
        let endless = [b"GET /".as_slice(), &[b'a'; 4096]].concat();
        assert_eq!(status(read(&endless).unwrap_err()), 431);
        let many: String = (0..200).map(|i| format!("h{i}: v\r\n")).collect();
        let raw = format!("GET / HTTP/1.1\r\n{many}\r\n");
        let mut r = std::io::BufReader::new(raw.as_bytes());
        assert_eq!(status(read_head(&mut r, 1 << 20).unwrap_err()), 431);
        for (raw, want) in [
            (&b"POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n"[..], 413),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                413,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                400,
            ),
            (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n",
                413,
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                400,
            ),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            (b"GET / HTTP/2\r\n\r\n", 505),
            (b"get / HTTP/1.1\r\n\r\n", 400),
            (b"GET /\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400),
        ] {
            assert_eq!(
                status(read(raw).unwrap_err()),
                want,
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        // Cut short: an I/O error, no reply owed.
        assert_eq!(
            status(read(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nabc").unwrap_err()),
            1
        );
        assert_eq!(status(read(b"GET / HTTP/1.1\r\nHost").unwrap_err()), 1);
    }
}
