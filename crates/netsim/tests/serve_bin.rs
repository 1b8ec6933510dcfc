//! The `netsim` binary at scale: a multi-thousand-device lab served with
//! shared listeners needs two sockets, not two per device.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const T: Duration = Duration::from_secs(60);

/// Kills the server however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_shares_two_listeners_among_thousands_of_devices() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.toml");
    let topo = netsim::generate(&netsim::GenerateOptions {
        devices: 3000,
        base_ip: "127.60.0.1".parse().unwrap(),
        ..Default::default()
    });
    std::fs::write(&file, topo.to_toml_string()).unwrap();
    let core = topo.device("s002-core1").unwrap().mgmt_ip;

    let mut child = Command::new(env!("CARGO_BIN_EXE_netsim"))
        .arg("serve")
        .arg(&file)
        .args(["--port", "0", "--telnet-port", "0", "--grace-ms", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    // The first line, read on a thread so the test has a deadline.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let ready = rx.recv_timeout(T).expect("no ready line");
    assert!(
        ready.starts_with("ready: 3000 devices, 2 listeners (ssh port "),
        "{ready}"
    );
    // A device is reached through the one telnet port by its own address.
    let telnet_port: u16 = ready
        .trim_end()
        .trim_end_matches(')')
        .rsplit(' ')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no telnet port in {ready}"));
    assert_ne!(telnet_port, 0);
    let mut s = std::net::TcpStream::connect((core, telnet_port)).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&got).contains("Username:") {
        use std::io::Read;
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
}
