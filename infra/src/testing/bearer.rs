//! Bearer tokens for tests of AUTH_MODE=jwt: minting HS256 and RS256 JWTs,
//! and an RSA key pair made with the `openssl` command (in every CI image
//! here) as PEM files and as a JWKS entry.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use uuid::Uuid;

/// Unix seconds now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims naming `user`, expiring in an hour.
pub fn claims_for(user: Uuid) -> Value {
    json!({ "sub": user.to_string(), "exp": now() + 3600, "iat": now() })
}

pub fn hs256(secret: &str, claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signs")
}

/// An RSA key pair in a directory of its own, removed on drop.
pub struct RsaKeyPair {
    dir: PathBuf,
    private_pem: String,
    modulus: Vec<u8>,
}

impl RsaKeyPair {
    /// A fresh 2048-bit key (`openssl genpkey`).
    pub fn generate() -> Self {
        let dir = std::env::temp_dir().join(format!("tf-rsa-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let private = dir.join("private.pem");
        let public = dir.join("public.pem");
        openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            path(&private),
        ]);
        openssl(&[
            "pkey",
            "-in",
            path(&private),
            "-pubout",
            "-out",
            path(&public),
        ]);
        let modulus = openssl(&["rsa", "-in", path(&private), "-modulus", "-noout"]);
        let hex = modulus
            .trim()
            .strip_prefix("Modulus=")
            .expect("openssl prints Modulus=<hex>");
        let modulus = (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex"))
            .collect();
        let private_pem = std::fs::read_to_string(&private).expect("private key written");
        Self {
            dir,
            private_pem,
            modulus,
        }
    }

    /// The public key's PEM file (AUTH_JWT_RS256_PUBLIC_KEY_FILE).
    pub fn public_pem_file(&self) -> String {
        path(&self.dir.join("public.pem")).to_owned()
    }

    /// The public key as a JWKS entry (e = 65537, openssl's default).
    pub fn jwk(&self, kid: &str) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(&self.modulus),
            "e": "AQAB",
        })
    }

    /// `claims` signed RS256, naming `kid` in the header if given.
    pub fn rs256(&self, claims: &Value, kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let key = EncodingKey::from_rsa_pem(self.private_pem.as_bytes()).expect("PEM parses");
        encode(&header, claims, &key).expect("RS256 signs")
    }

    /// Writes a JWKS document of `keys` next to the key pair; its path.
    pub fn write_jwks(&self, keys: &[Value]) -> String {
        let file = self.dir.join("jwks.json");
        std::fs::write(&file, json!({ "keys": keys }).to_string()).expect("JWKS written");
        path(&file).to_owned()
    }
}

impl Drop for RsaKeyPair {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn openssl(args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("openssl prints UTF-8")
}
