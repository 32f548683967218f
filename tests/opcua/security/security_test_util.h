// Shared by the security tests: hex helpers and one RSA key for the whole test binary, because
// RSA key generation is slow.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "opcua/security/crypto.h"

namespace mw::opcua::security::testing {

inline std::string Unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// RSA 2048, made once per process (thread-safe static initialisation).
inline const PrivateKey& TestKey() {
  static const PrivateKey key = *PrivateKey::Generate(2048);
  return key;
}

// A self-signed certificate for TestKey(), valid from `not_before` to `not_after`.
inline Certificate TestCertificate(Timestamp not_before, Timestamp not_after,
                                   std::string_view uri = "urn:test:peer") {
  Result<Certificate> cert =
      CreateSelfSignedCertificate(TestKey(), uri, "Test Peer", {"peer.example"}, not_before, not_after);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return cert.ok() ? *cert : Certificate();
}

// TestCertificate valid from a day ago for a year.
inline const Certificate& TestCertificate() {
  static const Certificate cert = [] {
    const Timestamp now = SystemClock::Instance().Now();
    return TestCertificate(now - 86'400 * kNanosPerSecond, now + 365 * 86'400 * kNanosPerSecond);
  }();
  return cert;
}

}  // namespace mw::opcua::security::testing
