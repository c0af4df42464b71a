//! Mutual TLS between ISPs: a development federation CA, per-ISP
//! certificates, rustls configurations, and the ASN a certificate names.
//!
//! Every ISP certificate carries the DNS name `as<N>.traceback.invalid`
//! (see [`dns_name_for`]) and `127.0.0.1` as subject alternative names, is
//! signed by the federation CA and is valid for both client and server
//! authentication. A peer's ASN is the one its certificate names: the
//! driver checks the ASN claimed in the peer's `Hello` with
//! [`cert_names_asn`]. Only the `ring` crypto provider is used.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::{TlsAcceptor, TlsConnector};
use traceback_core::Asn;

/// Errors while generating, loading or configuring TLS material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PEM file could not be parsed.
    #[error("cannot parse {what}: {detail}")]
    Pem {
        /// Which file or object.
        what: String,
        /// The parser's message.
        detail: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// [`create_federation`] would replace or write twice a file.
    #[error("refusing to write {path}: {reason}")]
    Refused {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// AS 0 names no ISP (RFC 7607).
    #[error("{0} is reserved (RFC 7607) and names no ISP")]
    ReservedAsn(Asn),
    /// The federation secret could not be written.
    #[error("writing the federation secret: {0}")]
    Secret(#[source] crate::secret::SecretError),
}

/// The DNS name an ISP's certificate carries: `as<N>.traceback.invalid`.
pub fn dns_name_for(asn: Asn) -> String {
    format!("as{}.traceback.invalid", asn.0)
}

/// The rustls server name to verify when connecting to `asn`'s interconnect.
pub fn server_name_for(asn: Asn) -> ServerName<'static> {
    // `dns_name_for` always yields a valid DNS name.
    ServerName::try_from(dns_name_for(asn))
        .unwrap_or_else(|_| ServerName::IpAddress(Ipv4Addr::LOCALHOST.into()))
}

/// Whether `cert` is valid for `asn`'s name (the certificate names that ISP).
pub fn cert_names_asn(cert: &CertificateDer<'_>, asn: Asn) -> bool {
    let Ok(parsed) = rustls::server::ParsedCertificate::try_from(cert) else {
        return false;
    };
    rustls::client::verify_server_name(&parsed, &server_name_for(asn)).is_ok()
}

fn crypto() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A federation certificate authority (for development and tests: the key is
/// kept in PEM next to the certificate).
pub struct DevCa {
    params: CertificateParams,
    key: KeyPair,
    cert_pem: String,
}

/// A certificate and key issued to one ISP, in PEM.
#[derive(Clone, Debug)]
pub struct IssuedCert {
    /// The ISP.
    pub asn: Asn,
    /// The certificate.
    pub cert_pem: String,
    /// The private key (PKCS#8).
    pub key_pem: String,
}

impl DevCa {
    /// A new CA with a fresh key, named `name`.
    pub fn generate(name: &str) -> Result<Self, TlsError> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "traceback federation (development)");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate()?;
        let cert_pem = params.self_signed(&key)?.pem();
        Ok(DevCa {
            params,
            key,
            cert_pem,
        })
    }

    /// The CA certificate in PEM (what every ISP trusts).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA private key in PEM.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// Issue a certificate for `asn` with SANs `as<N>.traceback.invalid`, `127.0.0.1` and `extra_ips`.
    pub fn issue(&self, asn: Asn, extra_ips: &[IpAddr]) -> Result<IssuedCert, TlsError> {
        let mut params = CertificateParams::new(vec![dns_name_for(asn)])?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        for ip in extra_ips {
            params.subject_alt_names.push(SanType::IpAddress(*ip));
        }
        params
            .distinguished_name
            .push(DnType::CommonName, asn.to_string());
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate()?;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer)?;
        Ok(IssuedCert {
            asn,
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

/// Paths of one program's TLS material (a `[tls]` table in its config).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// The federation CA certificate (PEM).
    pub ca: PathBuf,
    /// This ISP's certificate (PEM).
    pub cert: PathBuf,
    /// This ISP's private key (PEM).
    pub key: PathBuf,
}

impl TlsFiles {
    /// The file names [`write_federation`] uses for `asn` under `dir`.
    pub fn in_dir(dir: &Path, asn: Asn) -> Self {
        TlsFiles {
            ca: dir.join(CA_CERT_FILE),
            cert: dir.join(format!("as{}.pem", asn.0)),
            key: dir.join(format!("as{}.key", asn.0)),
        }
    }
}

/// Whether a file of a federation may replace one already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (a test or `field_trial` regenerating its own directory).
    Replace,
    /// Refuse: the file is created only if nothing is at its path, not even
    /// a dangling symlink (`gen_certs`: a replaced CA orphans every
    /// certificate it signed).
    Refuse,
}

/// Write `text` to `path`; a private key (`private`) is readable by its
/// owner only on Unix, whatever the umask.
fn write(path: PathBuf, text: &str, private: bool, existing: Existing) -> Result<PathBuf, TlsError> {
    let io = |source| TlsError::Io {
        path: path.clone(),
        source,
    };
    let mut open = std::fs::OpenOptions::new();
    open.write(true);
    match existing {
        Existing::Refuse => open.create_new(true),
        Existing::Replace => open.create(true).truncate(true),
    };
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    }
    let mut f = open.open(&path).map_err(io)?;
    // A replaced key keeps the mode it had: set it.
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(io)?;
    Ok(path)
}

/// The files [`write_federation`] writes under `out` for `asns`, in the
/// order it writes them: `ca.pem`, `ca.key`, then `as<N>.pem` and
/// `as<N>.key` per ASN. A caller that must not overwrite anything checks
/// these first.
pub fn federation_paths(out: &Path, asns: &[Asn]) -> Vec<PathBuf> {
    let mut paths = vec![out.join(CA_CERT_FILE), out.join(CA_KEY_FILE)];
    for &asn in asns {
        let names = TlsFiles::in_dir(out, asn);
        paths.extend([names.cert, names.key]);
    }
    paths
}

/// The federation CA's certificate in a [`write_federation`] directory.
const CA_CERT_FILE: &str = "ca.pem";
/// The CA's private key beside it.
const CA_KEY_FILE: &str = "ca.key";

/// Generate a development federation under `out`: the files of
/// [`federation_paths`], replacing any already there. Returns the files
/// written. Private keys are readable by their owner only (Unix).
pub fn write_federation(out: &Path, asns: &[Asn]) -> Result<Vec<PathBuf>, TlsError> {
    write_federation_with(out, asns, Existing::Replace)
}

/// Create a new development federation (what `gen_certs` does): the files
/// of [`federation_paths`] and, when `secret_file` is given, a fresh
/// federation secret there ([`crate::secret::write_new`], written first, so
/// a path it cannot be written to stops it before any certificate exists).
/// Nothing is replaced: it refuses, before writing anything, if any of the
/// files is there (a dangling symlink included), if a path would be written
/// twice (a repeated ASN, a secret named like a certificate), or for AS 0;
/// the writes themselves refuse too, should a file appear meanwhile. A
/// replaced CA would orphan every certificate it signed, a replaced secret
/// every digest made with it. Returns the files written, the secret last.
pub fn create_federation(
    out: &Path,
    asns: &[Asn],
    secret_file: Option<&Path>,
) -> Result<Vec<PathBuf>, TlsError> {
    if let Some(&zero) = asns.iter().find(|a| a.0 == 0) {
        return Err(TlsError::ReservedAsn(zero));
    }
    let mut targets = federation_paths(out, asns);
    targets.extend(secret_file.map(Path::to_path_buf));
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].contains(t) {
            return Err(TlsError::Refused {
                path: t.clone(),
                reason: "it would be written twice (a repeated ASN, or the secret named like a certificate)",
            });
        }
    }
    if let Some(there) = targets.iter().find(|p| p.symlink_metadata().is_ok()) {
        return Err(TlsError::Refused {
            path: there.clone(),
            reason: "it exists; remove it or choose another directory",
        });
    }
    std::fs::create_dir_all(out).map_err(|source| TlsError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    if let Some(path) = secret_file {
        crate::secret::write_new(path).map_err(TlsError::Secret)?;
    }
    let mut files = write_federation_with(out, asns, Existing::Refuse)?;
    files.extend(secret_file.map(Path::to_path_buf));
    Ok(files)
}

/// [`write_federation`], with what to do about files already there.
pub fn write_federation_with(out: &Path, asns: &[Asn], existing: Existing) -> Result<Vec<PathBuf>, TlsError> {
    std::fs::create_dir_all(out).map_err(|source| TlsError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let ca = DevCa::generate("traceback development federation CA")?;
    let mut files = vec![
        write(out.join(CA_CERT_FILE), ca.cert_pem(), false, existing)?,
        write(out.join(CA_KEY_FILE), &ca.key_pem(), true, existing)?,
    ];
    for &asn in asns {
        let issued = ca.issue(asn, &[])?;
        let names = TlsFiles::in_dir(out, asn);
        files.push(write(names.cert, &issued.cert_pem, false, existing)?);
        files.push(write(names.key, &issued.key_pem, true, existing)?);
    }
    debug_assert_eq!(files, federation_paths(out, asns));
    Ok(files)
}

/// One ISP's TLS identity: the trusted federation CA, its chain and key.
#[derive(Clone)]
pub struct TlsIdentity {
    roots: Arc<RootCertStore>,
    chain: Vec<CertificateDer<'static>>,
    key: Arc<PrivateKeyDer<'static>>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("roots", &self.roots.len())
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl TlsIdentity {
    /// Load from files.
    pub fn load(files: &TlsFiles) -> Result<Self, TlsError> {
        Self::from_pem(&read(&files.ca)?, &read(&files.cert)?, &read(&files.key)?)
    }

    /// From PEM bytes: the CA certificate(s), this ISP's certificate chain and its key.
    pub fn from_pem(ca: &[u8], cert: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        fn pem_err(what: &'static str) -> impl Fn(rustls::pki_types::pem::Error) -> TlsError {
            move |e| TlsError::Pem {
                what: what.into(),
                detail: e.to_string(),
            }
        }
        let mut roots = RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(ca) {
            roots
                .add(c.map_err(pem_err("CA certificate"))?)
                .map_err(|e| TlsError::Config(e.to_string()))?;
        }
        if roots.is_empty() {
            return Err(TlsError::Pem {
                what: "CA certificate".into(),
                detail: "no certificate in file".into(),
            });
        }
        let chain = CertificateDer::pem_slice_iter(cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(pem_err("certificate"))?;
        if chain.is_empty() {
            return Err(TlsError::Pem {
                what: "certificate".into(),
                detail: "no certificate in file".into(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(key).map_err(pem_err("private key"))?;
        Ok(TlsIdentity {
            roots: Arc::new(roots),
            chain,
            key: Arc::new(key),
        })
    }

    /// Whether this identity's own certificate names `asn` (peers check it
    /// against the ASN of the Hello).
    pub fn names_asn(&self, asn: Asn) -> bool {
        self.chain.first().is_some_and(|c| cert_names_asn(c, asn))
    }

    /// A server configuration that requires a client certificate from the federation CA.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let verifier = WebPkiClientVerifier::builder_with_provider(self.roots.clone(), crypto())
            .build()
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let config = ServerConfig::builder_with_provider(crypto())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| TlsError::Config(e.to_string()))?;
        Ok(Arc::new(config))
    }

    /// A client configuration presenting this ISP's certificate and trusting only the federation CA.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        let config = ClientConfig::builder_with_provider(crypto())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_root_certificates(self.roots.clone())
            .with_client_auth_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| TlsError::Config(e.to_string()))?;
        Ok(Arc::new(config))
    }

    /// A tokio acceptor for [`TlsIdentity::server_config`].
    pub fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        Ok(TlsAcceptor::from(self.server_config()?))
    }

    /// A tokio connector for [`TlsIdentity::client_config`].
    pub fn connector(&self) -> Result<TlsConnector, TlsError> {
        Ok(TlsConnector::from(self.client_config()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_cert_names_its_asn_only() {
        let ca = DevCa::generate("test").unwrap();
        let a = ca.issue(Asn(64500), &[]).unwrap();
        let der = CertificateDer::from_pem_slice(a.cert_pem.as_bytes()).unwrap();
        assert!(cert_names_asn(&der, Asn(64500)));
        assert!(!cert_names_asn(&der, Asn(64501)));
        assert!(!cert_names_asn(&CertificateDer::from(vec![1, 2, 3]), Asn(64500)));
        let id = TlsIdentity::from_pem(
            ca.cert_pem().as_bytes(),
            a.cert_pem.as_bytes(),
            a.key_pem.as_bytes(),
        )
        .unwrap();
        id.server_config().unwrap();
        id.client_config().unwrap();
        assert!(TlsIdentity::from_pem(b"", a.cert_pem.as_bytes(), a.key_pem.as_bytes()).is_err());
    }

    /// Every file under `dir` with its contents.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let bytes = std::fs::read(&p).unwrap_or_default();
                (p, bytes)
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_new_federation_replaces_nothing_and_keeps_keys_private() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("pki");
        let secret = out.join("federation.key");
        let (a, b) = (Asn(64500), Asn(64501));
        let files = create_federation(&out, &[a, b], Some(&secret)).unwrap();
        assert_eq!(files.len(), 7);
        assert_eq!(files.last(), Some(&secret));
        #[cfg(unix)]
        for f in &files {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            let private = f.extension().is_some_and(|e| e == "key");
            assert_eq!(mode & 0o077 == 0, private, "{}: {mode:o}", f.display());
        }
        TlsIdentity::load(&TlsFiles::in_dir(&out, b)).unwrap();
        let before = snapshot(&out);
        // Again, or any one file there: refused, nothing touched.
        let refused = |r: Result<Vec<PathBuf>, TlsError>, what: &str| match r {
            Err(TlsError::Refused { path, .. }) => path,
            other => panic!("{what}: {other:?}"),
        };
        assert_eq!(
            refused(create_federation(&out, &[a], None), "again"),
            out.join("ca.pem")
        );
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("as64501.key"), "mine").unwrap();
        let p = refused(create_federation(&other, &[a, b], None), "one key");
        assert_eq!(p, other.join("as64501.key"));
        assert_eq!(snapshot(&other).len(), 1);
        assert_eq!(std::fs::read(other.join("as64501.key")).unwrap(), b"mine");
        // A dangling symlink counts as there (nothing is written through it).
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::fs::create_dir(&link).unwrap();
            let target = dir.path().join("nowhere.pem");
            std::os::unix::fs::symlink(&target, link.join("ca.pem")).unwrap();
            refused(create_federation(&link, &[a], None), "symlink");
            assert!(!target.exists());
        }
        // Repeated names and AS 0.
        let fresh = dir.path().join("fresh");
        refused(create_federation(&fresh, &[a, a], None), "repeated ASN");
        let clash = fresh.join("ca.pem");
        refused(
            create_federation(&fresh, &[a], Some(&clash)),
            "secret named like the CA",
        );
        assert!(matches!(
            create_federation(&fresh, &[Asn(0)], None),
            Err(TlsError::ReservedAsn(Asn(0)))
        ));
        assert!(!fresh.exists());
        // A secret that cannot be written stops it before any certificate.
        let bad = dir.path().join("no-such-dir").join("federation.key");
        assert!(matches!(
            create_federation(&fresh, &[a], Some(&bad)),
            Err(TlsError::Secret(_))
        ));
        assert!(snapshot(&fresh).is_empty());
        assert_eq!(snapshot(&out), before);
        // The plain writer replaces (field_trial regenerates its own pki).
        write_federation(&out, &[a, b]).unwrap();
        assert_ne!(snapshot(&out), before);
    }
}
