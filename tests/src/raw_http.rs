//! HTTP/1.1 requests written byte for byte over a TCP connection: header values that are not
//! UTF-8, repeated headers, whitespace a client library would normalize. What a server's own
//! parser (Node's, hyper's, actix's) makes of such bytes is part of what the tests check.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// A response: status, headers (names lower-cased), body (chunked encoding undone). Status 0:
/// the connection closed without an HTTP response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Every header, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Sends `method path` to `base_url` (`http://host:port`) with exactly these header lines (plus
/// `Host`, `Connection: close` and, with a body, `Content-Type: application/json` and
/// `Content-Length`), and reads the whole response.
pub async fn send(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: Option<&str>,
) -> RawResponse {
    let authority = base_url
        .strip_prefix("http://")
        .expect("an http:// base URL")
        .trim_end_matches('/');
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n")
            .into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    if let Some(body) = body {
        request.extend_from_slice(
            format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    request.extend_from_slice(b"\r\n");
    if let Some(body) = body {
        request.extend_from_slice(body.as_bytes());
    }
    let exchange = async {
        let mut stream = TcpStream::connect(authority).await.expect("connect");
        stream.write_all(&request).await.expect("write the request");
        // A server that refuses the request outright (Node answers 431 to heads over 16 KiB)
        // may reset the connection after its answer: keep what arrived.
        let mut raw = Vec::new();
        let mut buffer = [0u8; 8192];
        while let Ok(n) = stream.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buffer[..n]);
        }
        raw
    };
    let raw = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {path}: no response within 10 s"));
    parse(&raw).unwrap_or(RawResponse {
        status: 0,
        headers: Vec::new(),
        body: raw,
    })
}

fn parse(raw: &[u8]) -> Option<RawResponse> {
    let end = raw.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    if chunked {
        body = unchunk(&body)?;
    }
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

fn unchunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
