//! `mediate serve DIR` end to end: the binary on real ports, the example project answering the
//! README's curl commands, `/healthz`, a bad artifact refused with `FILE:LINE:COL`, and SIGTERM
//! ending the process with status 0 (the contract in `shared/CONTRACT.md`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn example_project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mi-project")
}

/// A port free right now (bound then released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The server process; killed if a test fails before stopping it.
struct Server {
    child: Option<Child>,
    http: u16,
    management: u16,
}

impl Server {
    fn start(dir: &Path, extra: &[&str]) -> Server {
        let http = free_port();
        let management = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_mediate"))
            .arg("serve")
            .arg(dir)
            .args(["--http-port", &http.to_string()])
            .args(["--management-port", &management.to_string()])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start mediate serve");
        Server {
            child: Some(child),
            http,
            management,
        }
    }

    /// Waits until `/healthz` answers 200.
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok((200, _)) = request(self.management, "GET", "/healthz", None) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("mediate serve did not become ready within 30 s");
    }

    /// Sends SIGTERM and returns the exit status and stderr.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let mut child = self.child.take().expect("running");
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                let mut stderr = String::new();
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut stderr);
                }
                return (status, stderr);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("mediate serve did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One HTTP/1.1 request over a fresh connection: (status, body).
fn request(
    port: u16,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let body = json.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[test]
fn the_example_project_answers_the_readme_requests_and_stops_on_sigterm() {
    let server = Server::start(&example_project(), &[]);
    server.wait_ready();

    // (POST /orders calls the warehouse API through OrderBackendEP, whose uri-template names
    // the default port 8290; this test runs on a free port, so it calls the warehouse API
    // directly instead. The runtime tests cover call end to end.)
    let (status, body) = request(server.http, "GET", "/orders/A-7", None).expect("GET /orders/A-7");
    assert_eq!(status, 200);
    assert!(body.contains("<id>A-7</id>"), "{body}");
    assert!(body.contains("<status>RECEIVED</status>"), "{body}");

    let (status, body) = request(
        server.http,
        "POST",
        "/orders",
        Some(r#"{"order": {"id": "A-8", "quantity": 0}}"#),
    )
    .expect("POST /orders");
    assert_eq!(status, 400);
    assert!(
        body.contains("an order needs a positive quantity"),
        "{body}"
    );

    let (status, body) = request(
        server.http,
        "POST",
        "/warehouse/orders/priority",
        Some(r#"{"orderId": "A-9", "quantity": 3}"#),
    )
    .expect("POST /warehouse/orders/priority");
    assert_eq!(status, 201);
    assert!(body.contains(r#""lane": "priority""#), "{body}");

    let (status, body) = request(server.management, "GET", "/management/apis", None).expect("apis");
    assert_eq!(status, 200);
    assert!(
        body.contains("OrderAPI") && body.contains("WarehouseAPI"),
        "{body}"
    );
    let (status, body) = request(server.management, "GET", "/metrics", None).expect("metrics");
    assert_eq!(status, 200);
    assert!(body.contains("mediate_http_requests_total"), "{body}");
    assert!(
        body.contains(
            r#"mediate_sequence_messages_total{sequence="OrderFaultSeq",outcome="in"} 1"#
        ),
        "{body}"
    );
    assert_eq!(
        request(server.http, "GET", "/nowhere", None)
            .expect("404")
            .0,
        404
    );

    let (status, stderr) = server.terminate();
    assert!(status.success(), "exit {status:?}; stderr:\n{stderr}");
    assert!(stderr.contains("mediate is serving"), "{stderr}");
}

#[test]
fn a_bad_artifact_stops_the_server_from_starting() {
    let dir = std::env::temp_dir().join(format!("mediate-cli-serve-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("api.xml"),
        "<api xmlns=\"http://ws.apache.org/ns/synapse\" name=\"A\" context=\"/a\">\n  <resource methods=\"GET\">\n    <inSequence><lgo/></inSequence>\n  </resource>\n</api>\n",
    )
    .expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_mediate"))
        .arg("serve")
        .arg(&dir)
        .args(["--http-port", &free_port().to_string()])
        .args(["--management-port", &free_port().to_string()])
        .output()
        .expect("run mediate serve");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("api.xml:3:17:"), "{stderr}");
    assert!(stderr.contains("did you mean `log`"), "{stderr}");
}

/// The CPUs of a `Cpus_allowed_list` line of `/proc/…/status` (`0-3,6`), in order.
#[cfg(target_os = "linux")]
fn cpus_allowed(status_path: &Path) -> Vec<usize> {
    let status = std::fs::read_to_string(status_path).expect("read status");
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .expect("Cpus_allowed_list")
        .trim();
    let mut cpus = Vec::new();
    for part in list.split(',') {
        let (lo, hi) = part.split_once('-').unwrap_or((part, part));
        let (lo, hi): (usize, usize) = (lo.parse().expect("cpu"), hi.parse().expect("cpu"));
        cpus.extend(lo..=hi);
    }
    cpus
}

/// The serving threads' CPU sets of a running `mediate serve`: the main thread and the
/// `mediate-http-N` ones.
#[cfg(target_os = "linux")]
fn serving_thread_cpus(pid: u32) -> Vec<Vec<usize>> {
    let mut found = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).expect("tasks") {
        let task = task.expect("task").path();
        let comm = std::fs::read_to_string(task.join("comm")).unwrap_or_default();
        let is_main = task.file_name().and_then(|n| n.to_str()) == Some(&pid.to_string());
        if is_main || comm.starts_with("mediate-http-") {
            found.push(cpus_allowed(&task.join("status")));
        }
    }
    found
}

/// Starts `mediate serve` with `extra` arguments, and reads its serving threads' CPU sets until
/// `settled` says they are as expected (each thread binds itself as it starts) or 10 s pass;
/// the last reading, after a clean SIGTERM stop.
#[cfg(target_os = "linux")]
fn serving_cpus_once_settled(
    extra: &[&str],
    settled: impl Fn(&[Vec<usize>]) -> bool,
) -> Vec<Vec<usize>> {
    let server = Server::start(&example_project(), extra);
    server.wait_ready();
    // Answering: the serving threads have started.
    let answer = request(server.http, "GET", "/nothing-here", None).expect("answer");
    assert_eq!(answer.0, 404);
    let pid = server.child.as_ref().expect("running").id();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut serving = serving_thread_cpus(pid);
    while !settled(&serving) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        serving = serving_thread_cpus(pid);
    }
    let (status, stderr) = server.terminate();
    assert!(status.success(), "exit {status:?}; stderr:\n{stderr}");
    serving
}

#[cfg(target_os = "linux")]
#[test]
fn serving_threads_get_a_cpu_each_when_there_is_one_per_allowed_cpu_and_none_when_off() {
    let allowed = cpus_allowed(Path::new("/proc/self/status"));
    // What the server computes too: it inherits this process's CPU set and limits.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let unbound = |serving: &[Vec<usize>]| {
        serving.len() == threads && serving.iter().all(|cpus| *cpus == allowed)
    };

    let bound = threads > 1 && allowed.len() == threads;
    let expected = |serving: &[Vec<usize>]| {
        if bound {
            // One CPU each, all different: together the whole set.
            let mut sorted = serving.to_vec();
            sorted.sort();
            serving.len() == threads && sorted.concat() == allowed
        } else {
            unbound(serving)
        }
    };
    let serving = serving_cpus_once_settled(&[], expected);
    assert!(
        expected(&serving),
        "allowed {allowed:?}, {threads} threads, bound: {bound}; serving threads' CPUs: {serving:?}"
    );

    let serving = serving_cpus_once_settled(&["--cpu-affinity", "off"], unbound);
    assert!(unbound(&serving), "allowed {allowed:?}: {serving:?}");
}
