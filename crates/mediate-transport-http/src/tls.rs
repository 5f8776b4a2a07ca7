//! TLS (feature `tls`): rustls configurations for the listener and the client, from PEM.
//!
//! rustls with the `ring` provider: memory-safe, no system OpenSSL. The listener offers
//! HTTP/2 and HTTP/1.1 by ALPN; the client verifies backends against the platform's roots
//! ([`native_client_config`]) unless it is given its own ([`client_config_with_roots`]).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Re-exported: the TLS library, to build configurations by hand.
pub use rustls;

/// Why a TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The PEM text holds no certificate, or a broken one.
    #[error("no usable certificate in the PEM text{}", detail(.0))]
    Certificates(Option<String>),
    /// The PEM text holds no private key, or a broken one.
    #[error("no usable private key in the PEM text{}", detail(.0))]
    PrivateKey(Option<String>),
    /// rustls refused the certificates or key (a key that does not match the certificate).
    #[error("the TLS configuration is refused: {0}")]
    Rustls(#[from] rustls::Error),
}

fn detail(d: &Option<String>) -> String {
    d.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificates(Some(e.to_string())))?;
    if certs.is_empty() {
        return Err(TlsError::Certificates(None));
    }
    Ok(certs)
}

/// A listener configuration from a PEM certificate chain (leaf first) and a PEM private key
/// (PKCS#8, PKCS#1 or SEC1), offering HTTP/2 and HTTP/1.1 (ALPN). Set it as
/// [`ServerConfig::tls`](crate::ServerConfig::tls).
pub fn server_config(
    cert_chain_pem: &[u8],
    key_pem: &[u8],
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let certs = certificates(cert_chain_pem)?;
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| TlsError::PrivateKey(Some(e.to_string())))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// [`server_config`] from two PEM files.
pub fn server_config_from_files(
    cert_chain: &Path,
    key: &Path,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.display().to_string(),
            source,
        })
    };
    server_config(&read(cert_chain)?, &read(key)?)
}

/// A client configuration that trusts exactly the CA certificates in `roots_pem` (a private
/// CA, a test certificate). Set it as [`ClientConfig::tls`](crate::ClientConfig::tls).
pub fn client_config_with_roots(roots_pem: &[u8]) -> Result<Arc<rustls::ClientConfig>, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certificates(roots_pem)? {
        roots.add(cert)?;
    }
    Ok(Arc::new(
        client_builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}

/// A client configuration that trusts the platform's CA certificates (the system store), what
/// a [`HyperSender`](crate::HyperSender) uses when its configuration names none. When the
/// platform has none, it trusts nothing (every `https://` backend then fails to connect) and
/// says so in a warning.
pub fn native_client_config() -> Arc<rustls::ClientConfig> {
    let found = rustls_native_certs::load_native_certs();
    for err in &found.errors {
        tracing::debug!(error = %err, "a system CA certificate store could not be read");
    }
    let mut roots = rustls::RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    if ignored > 0 {
        tracing::debug!(
            ignored,
            "system CA certificates that rustls cannot use were skipped"
        );
    }
    if added == 0 {
        tracing::warn!(
            "no CA certificates found on this system; HTTPS backends cannot be verified"
        );
    }
    Arc::new(
        client_builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

fn client_builder() -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier> {
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        // Not input-dependent: ring has cipher suites for TLS 1.2 and 1.3.
        .expect("the ring provider supports the default TLS versions")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_problems_are_reported() {
        assert!(matches!(
            server_config(b"", b""),
            Err(TlsError::Certificates(None))
        ));
        assert!(matches!(
            client_config_with_roots(b"not pem"),
            Err(TlsError::Certificates(None))
        ));
        let cert = include_bytes!("../tests/tls/localhost.pem");
        assert!(matches!(
            server_config(cert, b"no key here"),
            Err(TlsError::PrivateKey(_))
        ));
        let err =
            server_config_from_files(Path::new("/nonexistent.pem"), Path::new("/x")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent.pem"), "{err}");
    }

    #[test]
    fn pem_files_make_configurations() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tls");
        let server =
            server_config_from_files(&dir.join("localhost.pem"), &dir.join("localhost.key"))
                .unwrap();
        assert_eq!(
            server.alpn_protocols,
            [b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        client_config_with_roots(include_bytes!("../tests/tls/ca.pem")).unwrap();
        let _ = native_client_config();
    }
}
