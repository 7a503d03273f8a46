//! The password exchanges a PostgreSQL server may ask for beyond cleartext:
//! MD5 (`AuthenticationMD5Password`) and SCRAM-SHA-256 (RFC 5802, RFC 7677,
//! without channel binding), as PostgreSQL speaks them.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;

/// The most PBKDF2 iterations a server may ask for (PostgreSQL's default is 4096):
/// a larger count is refused rather than left to run for minutes.
const MAX_ITERATIONS: u32 = 10_000_000;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The PasswordMessage for `AuthenticationMD5Password`:
/// `"md5" + hex(md5(hex(md5(password + user)) + salt))`.
pub fn md5_password(user: &str, password: &str, salt: &[u8]) -> String {
    let inner = hex(&Md5::new().chain_update(password).chain_update(user).finalize());
    let outer = Md5::new().chain_update(inner.as_bytes()).chain_update(salt).finalize();
    format!("md5{}", hex(&outer))
}

/// A fresh client nonce: 18 random bytes in base64 (printable, no commas).
pub fn client_nonce() -> Result<String, String> {
    let mut raw = [0u8; 18];
    getrandom::fill(&mut raw).map_err(|e| format!("no random numbers for the SCRAM nonce: {e}"))?;
    Ok(B64.encode(raw))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The client side of one SCRAM-SHA-256 exchange.
pub struct Scram {
    password: String,
    nonce: String,
    client_first_bare: String,
    server_signature: Option<[u8; 32]>,
}

impl Scram {
    /// PostgreSQL takes the user from the startup message, so `user` is empty there.
    pub fn new(user: &str, password: &str, nonce: &str) -> Scram {
        let user = user.replace('=', "=3D").replace(',', "=2C");
        Scram { password: password.into(), nonce: nonce.into(), client_first_bare: format!("n={user},r={nonce}"), server_signature: None }
    }

    /// The client-first message (no channel binding: `n,,`).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message answering the server-first message, with the proof.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, String> {
        let bad = |why: &str| format!("the server's SCRAM challenge is malformed ({why})");
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for attr in server_first.split(',') {
            match attr.split_once('=') {
                Some(("r", v)) => nonce = Some(v),
                Some(("s", v)) => salt = Some(B64.decode(v).map_err(|_| bad("the salt is not base64"))?),
                Some(("i", v)) => iterations = Some(v.parse::<u32>().map_err(|_| bad("the iteration count is not a number"))?),
                Some(("m", _)) => return Err(bad("it asks for an extension this client does not speak")),
                _ => {}
            }
        }
        let nonce = nonce.ok_or_else(|| bad("no nonce"))?;
        let salt = salt.ok_or_else(|| bad("no salt"))?;
        let iterations = iterations.ok_or_else(|| bad("no iteration count"))?;
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(bad("its nonce does not extend the client's"));
        }
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(bad(&format!("{iterations} iterations")));
        }
        let salted = pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(self.password.as_bytes(), &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(client_signature).map(|(k, s)| k ^ s).collect();
        let server_key = hmac(&salted, b"Server Key");
        self.server_signature = Some(hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server-final message: the server proves it knows the password too.
    pub fn verify_server_final(&self, server_final: &str) -> Result<(), String> {
        if let Some(e) = server_final.strip_prefix("e=") {
            return Err(format!("the server refused the SCRAM exchange: {e}"));
        }
        let expected = self.server_signature.ok_or("the server ended the SCRAM exchange before its challenge")?;
        let got = server_final.split(',').find_map(|a| a.strip_prefix("v=")).and_then(|v| B64.decode(v).ok());
        match got {
            Some(sig) if sig == expected => Ok(()),
            _ => Err("the server's SCRAM signature does not match: it does not know this password; connection refused".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_known_answer() {
        // md5("secretpostgres") = 53f48b7c4b76a86ce72276c5755f217d
        assert_eq!(md5_password("postgres", "secret", &[1, 2, 3, 4]), "md5bb41a296aab6baccb36ff243a562abff");
    }

    #[test]
    fn scram_rfc7677_example() {
        let mut s = Scram::new("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(s.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        assert_eq!(
            s.client_final(server_first).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(s.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), Ok(()));
        let err = s.verify_server_final("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").unwrap_err();
        assert!(err.contains("does not match"), "{err}");
        assert!(s.verify_server_final("e=invalid-proof").unwrap_err().contains("invalid-proof"));
    }

    #[test]
    fn scram_refuses_bad_challenges() {
        let mut s = Scram::new("", "pencil", "abc");
        assert!(s.verify_server_final("v=AAAA").is_err());
        for bad in [
            "r=xyz,s=AAAA,i=4096",
            "r=abc,s=AAAA,i=4096",
            "r=abcd,s=!!,i=4096",
            "r=abcd,s=AAAA,i=0",
            "r=abcd,s=AAAA,i=4294967295",
            "r=abcd,s=AAAA",
            "garbage",
        ] {
            assert!(s.client_final(bad).is_err(), "{bad}");
        }
        assert!(client_nonce().unwrap() != client_nonce().unwrap());
    }
}
