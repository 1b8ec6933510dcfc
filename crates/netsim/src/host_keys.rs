//! Host keys for the devices that do not use the lab's Ed25519 key: an
//! ECDSA key (the `ecdsa_host_key` fault) and an RSA key (`legacy_ssh_only`,
//! whose only host-key algorithm is SHA-1 `ssh-rsa`).
//!
//! These are fixed keys, generated once for this simulator and published on
//! purpose, like the fixed Ed25519 seed in `LabConfig`: a client's
//! known_hosts stays valid across lab restarts, and no lab start pays for an
//! RSA key generation. They protect nothing; never use them elsewhere.

use russh::keys::PrivateKey;

const ECDSA_P256: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAaAAAABNlY2RzYS
1zaGEyLW5pc3RwMjU2AAAACG5pc3RwMjU2AAAAQQRF6GugOcqq8yfSPRVO32kjYTp5viez
Lv6ulzJP5/tkzifuqza4Bs3xZxfPI+8zlvFmm87zpwTZz5RUSw+1uFoZAAAAsF/LQa5fy0
GuAAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXoa6A5yqrzJ9I9
FU7faSNhOnm+J7Mu/q6XMk/n+2TOJ+6rNrgGzfFnF88j7zOW8WabzvOnBNnPlFRLD7W4Wh
kAAAAgTagTjA+SY/dyhKyVItddVo9uPcNOFakPL7rZjfd6OrYAAAAVbmV0c2ltLWVjZHNh
LWhvc3Qta2V5AQID
-----END OPENSSH PRIVATE KEY-----
";

const RSA_2048: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAABFwAAAAdzc2gtcn
NhAAAAAwEAAQAAAQEA7tOHANWZ9Vrn5z1HYuiIjB+9cFdPDIxQlsA4scGkSBI8abj6vdJT
epbNeaRlIjs116TnCNiEtj3k1qiraJjZ1txv3IoqT0URHDAPXAuCe/w+YamutaWBNPV21W
EtbyQBLVGDEgvumTcB+H/ayLf6b066xTvJfEiX8xghdnXM+R8jr3DlhvLZq48hzHa8EMd0
cfKR/tq4WHMVIFNfPDFCittkBtrBzG6zEPB/k02HXlwkSd3Hxbey4PfnvxzfmfDfgxOhI7
i9wE0wZd6q1e5w914TloKbm2+N5ONkOlDBzk1rPioaBKY1HxVxf5fGyJgp+cYp7zPgCkhY
fcK29HooFQAAA9Dxty+68bcvugAAAAdzc2gtcnNhAAABAQDu04cA1Zn1WufnPUdi6IiMH7
1wV08MjFCWwDixwaRIEjxpuPq90lN6ls15pGUiOzXXpOcI2IS2PeTWqKtomNnW3G/ciipP
RREcMA9cC4J7/D5hqa61pYE09XbVYS1vJAEtUYMSC+6ZNwH4f9rIt/pvTrrFO8l8SJfzGC
F2dcz5HyOvcOWG8tmrjyHMdrwQx3Rx8pH+2rhYcxUgU188MUKK22QG2sHMbrMQ8H+TTYde
XCRJ3cfFt7Lg9+e/HN+Z8N+DE6EjuL3ATTBl3qrV7nD3XhOWgpubb43k42Q6UMHOTWs+Kh
oEpjUfFXF/l8bImCn5xinvM+AKSFh9wrb0eigVAAAAAwEAAQAAAQAFtHTVnsSaOU0v12Vk
pfRZEIsIa3V+cb2dFENmb586f4EE73/B2AvZck+/N5+Y1TxAhfZk3jMxXUIhpI7PpVMS0F
o1tPE0yowRlc5QHxBDYO+mipSbTzRKbRClITiiHoSOrhNI85MEAu3fn0I9KDPpw8IvYvG5
r8w9aNany0GVs85osnTUSQkwGf1nFaYRTXnMcehjbsmi4tzN45uXCN2aDbUnDUTdw+RQr1
ONSH4EoxAPVw8/oTuz0OKBiNgdj9/Z1O3wQ4ZYA4HV4GJmBzLnyBibn7KuaEejrBEtDMuM
4O9OkG0RNVEROR1O60la4Jy8Ile3Cx7mB29srvMK5DvRAAAAgQCkCiq/yYk4/jmpOON4Yw
9hZh4bYEAjsEqiY1vm9zrrT/29nw53gptuT+tiEvZMK9bigRGilF0/jMPOAdMvCngvBBAn
rZPcZq1X/zJMQfKBKvB5VNwuR0Um8giHYSGOG7t0xUml1IWDDuAT2LL9dZFbxEbZ7CnoD+
fr4A0BNjIU2gAAAIEA+OQctyNkZses0sRG7mdzd0yhTrr/xkuT2OYcGF6vtYof6wrrU8IB
/tGQYS+n9DM+S6qqSpfmidpSEg8Xw+vbzHGKk840h/UdL3++S7W5kfxcEjUbkVpoTH46YW
C7aWVfzncj1fzxkdgzKRuGO777Ds75WTluHEmiO46cTa+XnE0AAACBAPWl0lZU3HSAwhfp
Wopg4QN0WTiUhszR1t1CaBe/GPQehnTagcyNnK+TE+B6CuloQxkRKMN21ZpXalchse48MC
b8Jjz4ZPWFjL9YEXIb8F1Ou6Ag12oQI/JYEpeOxmMCuhJFZFp+Mv+UsU01nJPCZ0mmab5A
D4Y+BM1b/0qiS37pAAAAE25ldHNpbS1yc2EtaG9zdC1rZXkBAgMEBQYH
-----END OPENSSH PRIVATE KEY-----
";

/// The ECDSA (nistp256) host key.
pub fn ecdsa() -> Result<PrivateKey, russh::keys::Error> {
    russh::keys::decode_secret_key(ECDSA_P256, None)
}

/// The RSA host key.
pub fn rsa() -> Result<PrivateKey, russh::keys::Error> {
    russh::keys::decode_secret_key(RSA_2048, None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_decode_with_their_algorithms() {
        assert!(super::ecdsa().unwrap().algorithm().is_ecdsa());
        assert!(super::rsa().unwrap().algorithm().is_rsa());
    }
}
