// The PKI folder: the application's own identity and the trust list.
#include <openssl/x509.h>

#include <filesystem>

#include <fmt/format.h>

#include "core/time_format.h"
#include "opcua/security/crypto.h"
#include "opcua/security/openssl_util.h"

namespace mw::opcua::security {
namespace {

namespace fs = std::filesystem;

constexpr Timestamp kDay = 86'400 * kNanosPerSecond;
constexpr int kIdentityKeyBits = 2048;
constexpr std::size_t kMaxRejected = 256;

Result<ApplicationIdentity> LoadIdentity(const std::string& cert_path, const std::string& key_path,
                                         std::string_view application_uri) {
  Result<Certificate> cert = Certificate::FromFile(cert_path);
  if (!cert.ok()) return cert.status();
  Result<PrivateKey> key = PrivateKey::FromFile(key_path);
  if (!key.ok()) return key.status();
  if (X509_check_private_key(cert->x509(), key->get()) != 1) {
    internal::SslError();
    return Status::FailedPrecondition(fmt::format("{} is not the key of {}", key_path, cert_path));
  }
  if (cert->ApplicationUri() != application_uri) {
    return Status::FailedPrecondition(fmt::format(
        "{} is for application URI '{}', but this application is '{}'; peers would refuse it. Delete "
        "the folder {} to create a new certificate (peers must then trust the new one)",
        cert_path, cert->ApplicationUri(), application_uri,
        fs::path(cert_path).parent_path().parent_path().string()));
  }
  return ApplicationIdentity{std::move(cert).value(), std::move(key).value()};
}

Result<ApplicationIdentity> CreateIdentity(const std::string& cert_path, const std::string& key_path,
                                           std::string_view application_uri, std::string_view common_name,
                                           const std::vector<std::string>& hostnames) {
  Result<PrivateKey> key = PrivateKey::Generate(kIdentityKeyBits);
  if (!key.ok()) return key.status();
  const Timestamp now = SystemClock::Instance().Now();
  Result<Certificate> cert = CreateSelfSignedCertificate(*key, application_uri, common_name, hostnames,
                                                         now - kDay, now + 5 * 365 * kDay);
  if (!cert.ok()) return cert.status();
  Result<std::string> pem = key->ToPem();
  if (!pem.ok()) return pem.status();
  // The key first: a certificate without its key would block the next start.
  MW_RETURN_IF_ERROR(internal::WriteFileAtomically(key_path, *pem, 0600));
  MW_RETURN_IF_ERROR(internal::WriteFileAtomically(cert_path, cert->der(), 0644));
  return ApplicationIdentity{std::move(cert).value(), std::move(key).value()};
}

// True when `path` holds exactly `cert` (DER or PEM).
bool Holds(const fs::path& path, const Certificate& cert) {
  const std::string ext = path.extension().string();
  if (ext != ".der" && ext != ".pem" && ext != ".crt" && ext != ".cer") return false;
  Result<Certificate> other = Certificate::FromFile(path.string());
  return other.ok() && other->der() == cert.der();
}

std::size_t CountFiles(const std::string& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) ++n;
  return n;
}

}  // namespace

Result<ApplicationIdentity> LoadOrCreateApplicationIdentity(const std::string& pki_dir,
                                                            std::string_view application_uri,
                                                            std::string_view common_name,
                                                            const std::vector<std::string>& hostnames) {
  const std::string cert_path = pki_dir + "/own/certs/cert.der";
  const std::string key_path = pki_dir + "/own/private/key.pem";
  std::error_code ec;
  const bool have_cert = fs::exists(cert_path, ec);
  const bool have_key = fs::exists(key_path, ec);
  Result<ApplicationIdentity> identity = Status::Internal("unreachable");
  if (have_cert && have_key) {
    identity = LoadIdentity(cert_path, key_path, application_uri);
  } else if (have_cert || have_key) {
    // Replacing half an identity would silently invalidate what peers trust: ask the operator.
    return Status::FailedPrecondition(
        fmt::format("{} exists but {} does not; restore it, or delete {}/own to "
                    "create a new identity",
                    have_cert ? cert_path : key_path, have_cert ? key_path : cert_path, pki_dir));
  } else {
    identity = CreateIdentity(cert_path, key_path, application_uri, common_name, hostnames);
  }
  if (!identity.ok()) return identity;
  for (const char* dir : {"/trusted/certs", "/rejected/certs"}) {
    fs::create_directories(pki_dir + dir, ec);
    if (ec) return Status::IoError(fmt::format("cannot create {}{}: {}", pki_dir, dir, ec.message()));
  }
  return identity;
}

Status TrustList::Check(const Certificate& cert) const {
  std::error_code ec;
  bool trusted = false;
  for (fs::directory_iterator it(trusted_dir(), ec), end; !ec && it != end && !trusted; it.increment(ec)) {
    trusted = Holds(it->path(), cert);
  }
  const std::string who =
      fmt::format("certificate '{}' (thumbprint {})", cert.SubjectName(), cert.ThumbprintHex());
  if (trusted) {
    const Timestamp now = clock_->Now();
    if (now < cert.NotBefore()) {
      return Status::FailedPrecondition(
          fmt::format("{} is trusted but not valid before {}", who, FormatRfc3339(cert.NotBefore())));
    }
    if (now > cert.NotAfter()) {
      return Status::FailedPrecondition(
          fmt::format("{} is trusted but expired on {}", who, FormatRfc3339(cert.NotAfter())));
    }
    return Status::Ok();
  }
  // The message tells the operator to move the file into trusted/certs: make sure it exists.
  fs::create_directories(trusted_dir(), ec);
  const std::string rejected = rejected_dir() + "/" + cert.ThumbprintHex() + ".der";
  std::string saved;
  if (fs::exists(rejected, ec) || (CountFiles(rejected_dir()) < kMaxRejected &&
                                   internal::WriteFileAtomically(rejected, cert.der(), 0644).ok())) {
    saved = fmt::format("; it was saved as {}. To trust it, move it to {}/ (mv {} {}/)", rejected,
                        trusted_dir(), rejected, trusted_dir());
  } else {
    saved = fmt::format(
        "; it could not be saved to {}/ (full or not writable). To trust it, copy the "
        "certificate into {}/",
        rejected_dir(), trusted_dir());
  }
  return Status::FailedPrecondition(fmt::format("{} is not trusted{}", who, saved));
}

Status TrustList::Trust(const Certificate& cert) const {
  const std::string name = "/" + cert.ThumbprintHex() + ".der";
  MW_RETURN_IF_ERROR(internal::WriteFileAtomically(trusted_dir() + name, cert.der(), 0644));
  std::error_code ec;
  fs::remove(rejected_dir() + name, ec);  // best effort: a stale rejected copy only confuses
  return Status::Ok();
}

}  // namespace mw::opcua::security
