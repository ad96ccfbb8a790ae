//! Access-token verification and cookie-header parsing: whatever a client sends in
//! `Authorization: Bearer …` or `Cookie: …`, the server answers with an error, never a panic.
//!
//! The first byte picks the mode; the rest is the input:
//! * `0`: the rest is a compact JWT given to `TokenKeys::verify`.
//! * `1`: the rest is a JSON claims object, signed with the server's key and then verified, so
//!   the claim checks behind a valid signature (`iat`, `sub`, `exp` near `u64::MAX`) are reached.
//! * `2`: the rest is one or more `Cookie` header values, one per line, searched by `cookie` and
//!   `csrf_ok`.

#![no_main]

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, header};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use libfuzzer_sys::fuzz_target;
use reskill_server::auth::cookies::{self, ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE};
use reskill_server::auth::tokens::{TokenKeys, constant_time_eq, hash_token};
use reskill_server::auth::{AuthConfig, SigningKey};

const SECRET: &str = "fuzzing-secret-fuzzing-secret-fuzzing-secret";

static KEYS: LazyLock<TokenKeys> = LazyLock::new(|| {
    let key = SigningKey::from_secret(SECRET).expect("the fuzzing secret is long enough");
    TokenKeys::new(&key, &AuthConfig::default())
});

static ENCODING: LazyLock<EncodingKey> =
    LazyLock::new(|| EncodingKey::from_secret(SECRET.as_bytes()));

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match mode % 3 {
        0 => {
            let _ = KEYS.verify(&text);
            let _ = hash_token(&text);
            let _ = constant_time_eq(&text, SECRET);
        }
        1 => {
            let Ok(claims) = serde_json::from_slice::<serde_json::Value>(rest) else {
                return;
            };
            let Ok(token) =
                jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &ENCODING)
            else {
                return;
            };
            if let Ok((user, _)) = KEYS.verify(&token) {
                assert!(user.0 > 0, "a verified token names a positive user id");
            }
        }
        _ => {
            let mut headers = HeaderMap::new();
            let mut lines = rest.split(|&b| b == b'\n');
            let name = lines
                .next()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            for line in lines {
                if let Ok(value) = HeaderValue::from_bytes(line) {
                    headers.append(header::COOKIE, value);
                }
            }
            for wanted in [ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE, name.as_ref()] {
                if let Some(value) = cookies::cookie(&headers, wanted) {
                    assert!(!value.is_empty(), "an empty cookie reads as absent");
                }
            }
            let _ = cookies::csrf_ok(&headers, Some(&name));
            let _ = cookies::csrf_ok(&headers, None);
        }
    }
});
