//! A TLS front for the Pulsar tests: terminates TLS on a loopback port and
//! forwards the plain bytes to a plain Pulsar address (the test relay).
//!
//! Why it exists: pulsar-lite speaks plain TCP only, yet evscope's
//! `pulsar+ssl://` path (the pulsar crate's native-tls connector, the CA of
//! `--pulsar-ca`) deserves a run against a real TLS server. The front makes
//! a throwaway CA and a server certificate for `localhost` and 127.0.0.1
//! with the openssl crate (already built for the pulsar crate's native-tls)
//! and counts the handshakes that succeed and fail, so a test can tell that
//! traffic really went through TLS, or that a refusal came from the
//! handshake. Lookup answers must name the front as the broker's TLS
//! address: see [`Relay::advertise_tls`](super::relay::Relay::advertise_tls).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509, X509Name, X509NameBuilder};

/// A CA: its certificate and key.
pub struct Ca {
    cert: X509,
    key: PKey<Private>,
}

impl Ca {
    /// A fresh self-signed CA named `name`, valid from yesterday to tomorrow.
    pub fn new(name: &str) -> Ca {
        let key = new_key();
        let subject = common_name(name);
        let mut builder = cert_builder(&subject, &subject, &key);
        builder
            .append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        builder
            .append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        let ski = SubjectKeyIdentifier::new()
            .build(&builder.x509v3_context(None, None))
            .unwrap();
        builder.append_extension(ski).unwrap();
        builder.sign(&key, MessageDigest::sha256()).unwrap();
        Ca {
            cert: builder.build(),
            key,
        }
    }

    /// Write the CA certificate (PEM) to `path`; returns the path.
    pub fn write_pem(&self, path: &Path) -> PathBuf {
        std::fs::write(path, self.cert.to_pem().unwrap()).expect("write CA PEM");
        path.to_path_buf()
    }

    /// A server certificate for `localhost` and 127.0.0.1 signed by this
    /// CA: (certificate PEM, PKCS#8 key PEM).
    fn server_cert(&self) -> (Vec<u8>, Vec<u8>) {
        let key = new_key();
        let mut builder = cert_builder(&common_name("localhost"), self.cert.subject_name(), &key);
        builder
            .append_extension(BasicConstraints::new().build().unwrap())
            .unwrap();
        builder
            .append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_encipherment()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        builder
            .append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap();
        let context = builder.x509v3_context(Some(&self.cert), None);
        let san = SubjectAlternativeName::new()
            .dns("localhost")
            .ip("127.0.0.1")
            .build(&context)
            .unwrap();
        let ski = SubjectKeyIdentifier::new().build(&context).unwrap();
        let aki = AuthorityKeyIdentifier::new()
            .keyid(false)
            .build(&context)
            .unwrap();
        for extension in [san, ski, aki] {
            builder.append_extension(extension).unwrap();
        }
        builder.sign(&self.key, MessageDigest::sha256()).unwrap();
        (
            builder.build().to_pem().unwrap(),
            key.private_key_to_pem_pkcs8().unwrap(),
        )
    }
}

fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn common_name(name: &str) -> X509Name {
    let mut builder = X509NameBuilder::new().unwrap();
    builder.append_entry_by_nid(Nid::COMMONNAME, name).unwrap();
    builder.build()
}

/// A v3 certificate builder with a random serial, valid from yesterday to tomorrow.
fn cert_builder(
    subject: &openssl::x509::X509NameRef,
    issuer: &openssl::x509::X509NameRef,
    key: &PKey<Private>,
) -> openssl::x509::X509Builder {
    let mut builder = X509::builder().unwrap();
    builder.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    builder
        .set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    builder.set_subject_name(subject).unwrap();
    builder.set_issuer_name(issuer).unwrap();
    builder.set_pubkey(key).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    builder
        .set_not_before(&Asn1Time::from_unix(now - 86_400).unwrap())
        .unwrap();
    builder
        .set_not_after(&Asn1Time::from_unix(now + 86_400).unwrap())
        .unwrap();
    builder
}

/// A running TLS front; it lives as long as the test process.
pub struct TlsFront {
    /// The address TLS clients connect to.
    pub addr: SocketAddr,
    handshakes: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl TlsFront {
    /// Serve TLS with a certificate from `ca` on a fresh loopback port, on
    /// a thread of its own (its own runtime), forwarding to `upstream`.
    pub fn start(ca: &Ca, upstream: SocketAddr) -> TlsFront {
        let (cert, key) = ca.server_cert();
        let identity = native_tls::Identity::from_pkcs8(&cert, &key).expect("server identity");
        let acceptor = native_tls::TlsAcceptor::new(identity).expect("TLS acceptor");
        let acceptor = Arc::new(tokio_native_tls::TlsAcceptor::from(acceptor));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("TLS front bind");
        listener
            .set_nonblocking(true)
            .expect("TLS front nonblocking");
        let addr = listener.local_addr().expect("TLS front addr");
        let handshakes: Arc<AtomicUsize> = Arc::default();
        let refused: Arc<AtomicUsize> = Arc::default();
        let (ok, failed) = (handshakes.clone(), refused.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("TLS front runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("TLS listener");
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    let (acceptor, ok, failed) = (acceptor.clone(), ok.clone(), failed.clone());
                    tokio::spawn(async move {
                        let Ok(mut client) = acceptor.accept(client).await else {
                            failed.fetch_add(1, Ordering::SeqCst);
                            return;
                        };
                        ok.fetch_add(1, Ordering::SeqCst);
                        if let Ok(mut upstream) = tokio::net::TcpStream::connect(upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                        }
                    });
                }
            });
        });
        TlsFront {
            addr,
            handshakes,
            refused,
        }
    }

    /// `pulsar+ssl://localhost:PORT`: the name the certificate is for.
    pub fn url(&self) -> String {
        format!("pulsar+ssl://localhost:{}", self.addr.port())
    }

    /// Handshakes that succeeded so far.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }

    /// Handshakes that failed so far (the client refused our certificate).
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}
