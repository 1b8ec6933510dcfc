//! What the caller says about a device: where it is, how to log in, and how
//! long each step may take.

use device_platform::Platform;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// Where a device is. `host` may be a name or an address; the registry key
/// is what it resolves to, never this string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Name or address as given; a name is resolved under the connect deadline.
    pub host: String,
    /// A name for messages (a hostname from CDP, the inventory...).
    pub name: Option<String>,
    /// Port for SSH.
    pub ssh_port: u16,
    /// Port for the telnet fallback.
    pub telnet_port: u16,
}

impl Target {
    pub fn new(host: impl Into<String>) -> Self {
        Target {
            host: host.into(),
            name: None,
            ssh_port: 22,
            telnet_port: 23,
        }
    }

    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn ssh_port(mut self, port: u16) -> Self {
        self.ssh_port = port;
        self
    }

    pub fn telnet_port(mut self, port: u16) -> Self {
        self.telnet_port = port;
        self
    }
}

/// Login material. `Debug` prints the user name only; `secrecy` redacts the rest.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The login name.
    pub username: String,
    /// Password (also the keyboard-interactive answer); kept secret.
    pub password: Option<SecretString>,
    /// OpenSSH private key file, tried before the password on SSH.
    pub key_file: Option<PathBuf>,
    /// Passphrase of the private key, if it has one; kept secret.
    pub key_passphrase: Option<SecretString>,
    /// Raises IOS `>` to `#` after login.
    pub enable_secret: Option<SecretString>,
}

impl Credentials {
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            password: Some(SecretString::from(password.into())),
            key_file: None,
            key_passphrase: None,
            enable_secret: None,
        }
    }

    pub fn with_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.key_file = Some(path.into());
        self
    }

    pub fn with_enable_secret(mut self, secret: impl Into<String>) -> Self {
        self.enable_secret = Some(SecretString::from(secret.into()));
        self
    }
}

/// Deadlines per step. Each is the budget for that step alone, so a slow
/// banner cannot eat the command's time or the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Name resolution and TCP connect.
    pub connect: Duration,
    /// SSH key exchange, or telnet's first bytes.
    pub banner: Duration,
    /// Authentication.
    pub auth: Duration,
    /// The first CLI prompt after login.
    pub prompt: Duration,
    /// Each command, to its prompt.
    pub command: Duration,
    /// The goodbye on close, before it is forced.
    pub goodbye: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            banner: Duration::from_secs(10),
            auth: Duration::from_secs(10),
            prompt: Duration::from_secs(10),
            command: Duration::from_secs(60),
            goodbye: Duration::from_secs(3),
        }
    }
}

impl Timeouts {
    /// Every step gets the same short budget: for tests and fast labs.
    pub fn uniform(d: Duration) -> Self {
        Timeouts {
            connect: d,
            banner: d,
            auth: d,
            prompt: d,
            command: d,
            goodbye: d,
        }
    }
}

/// What to do with an SSH host key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Trust on first use: unknown keys are recorded in the file, a changed
    /// key is refused ([`crate::SessionError::HostKeyMismatch`]).
    AcceptNew { known_hosts: PathBuf },
    /// Only keys already in the file.
    Strict { known_hosts: PathBuf },
    /// Accept anything (logs a warning per connection). For labs only.
    Off,
}

impl Default for HostKeyPolicy {
    /// Accept-new on `~/.ssh/known_hosts`. Without a home directory the
    /// path is empty: known hosts are none, and recording a new key fails
    /// ([`crate::SessionError::HostKeyNotRecorded`]) instead of writing
    /// into whatever the current directory is.
    fn default() -> Self {
        let known_hosts = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".ssh").join("known_hosts"))
            .unwrap_or_default();
        HostKeyPolicy::AcceptNew { known_hosts }
    }
}

/// Legacy SSH algorithms (SHA-1 key exchange, `ssh-rsa` host keys, CBC
/// ciphers, SHA-1 MACs): when to offer them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LegacySsh {
    /// Never: a device that offers nothing else fails with
    /// [`crate::SessionError::LegacySshRequired`], naming what it offered.
    Off,
    /// Always, after the modern ones.
    On,
    /// Modern only; if the handshake fails because the device offers only
    /// legacy algorithms, retry that device once with them
    /// ([`crate::Session::legacy_crypto`] then says so).
    #[default]
    Auto,
}

/// Which transports to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transports {
    /// SSH, then telnet only if SSH is refused or unreachable (and
    /// `telnet_fallback` is on). Never after an authentication failure.
    #[default]
    Auto,
    SshOnly,
    TelnetOnly,
}

#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Known platform, or `None` to detect it (prompt shape, then `show version`).
    pub platform: Option<Platform>,
    /// Which transports may be tried.
    pub transports: Transports,
    /// Try telnet when SSH is refused, unreachable or closed before its
    /// banner (never after an authentication failure).
    pub telnet_fallback: bool,
    /// Whether to offer diffie-hellman-group14/group1-sha1, ssh-rsa,
    /// aes-cbc and hmac-sha1 (after the modern algorithms) for old gear.
    pub legacy_ssh: LegacySsh,
    /// How SSH host keys are checked and recorded.
    pub host_key_policy: HostKeyPolicy,
    /// A deadline for every step.
    pub timeouts: Timeouts,
    /// Turn paging off and raise to enable mode after login.
    pub prepare_terminal: bool,
    /// Most bytes buffered for one command (or for the banner before the
    /// first prompt). A device that streams forever or never prompts fails
    /// with [`crate::SessionError::OutputTooLarge`] once past it, instead
    /// of growing memory until the deadline. Default 16 MiB.
    pub max_output_bytes: usize,
}

/// The default [`OpenOptions::max_output_bytes`]: far above any real
/// `show` output, small enough that a few dozen runaway devices at once
/// do not exhaust memory.
pub const DEFAULT_MAX_OUTPUT: usize = 16 * 1024 * 1024;

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            platform: None,
            transports: Transports::Auto,
            telnet_fallback: true,
            legacy_ssh: LegacySsh::Auto,
            host_key_policy: HostKeyPolicy::default(),
            timeouts: Timeouts::default(),
            prepare_terminal: true,
            max_output_bytes: DEFAULT_MAX_OUTPUT,
        }
    }
}
