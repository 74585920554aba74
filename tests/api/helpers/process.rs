//! A second server as an OS process on the same database (for SIGKILL tests).

use std::time::Duration;

use super::*;

/// A second server, as a separate OS process on the same database, for tests
/// that kill it with SIGKILL.
pub struct ServerProcess {
    pub child: KillOnDrop,
    pub base: String,
    /// Its log lines (stderr), as they come.
    pub log_lines: std::sync::mpsc::Receiver<String>,
}

/// A child process killed (and reaped) when dropped: a test that panics
/// half-way leaves no server running behind it.
pub struct KillOnDrop(pub std::process::Child);

impl std::ops::Deref for KillOnDrop {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl TestApp {
    pub async fn spawn_server_process(&self, env: &[(&str, &str)]) -> ServerProcess {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut command = Command::new(env!("CARGO_BIN_EXE_ocop-trace"));
        command
            // The server picks a free port and says which: a port found
            // free here could be taken by the time the child binds it.
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", &self.database_url)
            .env("JWT_SECRET", TEST_JWT_SECRET)
            .env("PUBLIC_BASE_URL", "http://ocop.test")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = KillOnDrop(command.spawn().expect("start server process"));
        let stderr = child.stderr.take().expect("stderr");
        let (tx, log_lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let started = std::time::Instant::now();
        let base = loop {
            let line = log_lines
                .recv_timeout(Duration::from_secs(30).saturating_sub(started.elapsed()))
                .expect("the server process said where it listens");
            if line.contains("\"listening\"") {
                let said: serde_json::Value = serde_json::from_str(&line).expect("a JSON log line");
                let address = said["address"].as_str().expect("its address");
                break format!("http://{address}");
            }
        };
        while self
            .client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server process did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        ServerProcess {
            child,
            base,
            log_lines,
        }
    }
}
