//! A minimal HTTP/1.1 client over one kept-alive connection: small buffers and no task of
//! its own, so one process can hold tens of thousands of them.

use std::io;
use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpSocket, TcpStream};

/// One connection to `addr`, optionally from a chosen source address (to spread ports over
/// several loopback addresses).
pub struct Connection {
    stream: BufReader<TcpStream>,
    host: String,
}

/// A response's status and body.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: SocketAddr, source: Option<IpAddr>) -> io::Result<Self> {
        let socket = TcpSocket::new_v4()?;
        if let Some(ip) = source {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let stream = socket.connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::with_capacity(2048, stream),
            host: addr.to_string(),
        })
    }

    /// Sends `GET path` without waiting for the answer.
    pub async fn send_get(&mut self, path: &str) -> io::Result<()> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host);
        self.send_raw(request.as_bytes()).await
    }

    /// Sends a whole request made by [`form_post`], without waiting for the answer.
    pub async fn send_raw(&mut self, request: &[u8]) -> io::Result<()> {
        self.stream.get_mut().write_all(request).await
    }

    pub async fn get(&mut self, path: &str) -> io::Result<Response> {
        self.send_get(path).await?;
        self.read_response().await
    }

    /// Reads one response: status line, headers, then a `Content-Length` or chunked body.
    pub async fn read_response(&mut self) -> io::Result<Response> {
        let mut line = String::new();
        self.read_line(&mut line).await?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line {line:?}")))?;
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            line.clear();
            self.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.parse().map_err(|_| invalid("bad content-length"))?;
                } else if name.eq_ignore_ascii_case("transfer-encoding") {
                    chunked = value.eq_ignore_ascii_case("chunked");
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.read_line(&mut line).await?;
                let size = usize::from_str_radix(line.trim_end(), 16)
                    .map_err(|_| invalid("bad chunk size"))?;
                let start = body.len();
                body.resize(start + size + 2, 0);
                self.stream.read_exact(&mut body[start..]).await?;
                body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else {
            body.resize(length, 0);
            self.stream.read_exact(&mut body).await?;
        }
        Ok(Response { status, body })
    }

    async fn read_line(&mut self, line: &mut String) -> io::Result<()> {
        if self.stream.read_line(line).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(())
    }
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// A form `POST` with extra headers, as bytes to send.
pub fn form_post(host: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    request.into_bytes()
}
