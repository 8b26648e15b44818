#include "ocop/server/tls.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SocketAddress.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fstream>

#include "ocop/server/tuning.hpp"

namespace ocop::server {

namespace {

bool readable(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return in.good();
}

}  // namespace

std::optional<std::string> transport_problem(const std::string& listen,
                                             const std::string& cert_file,
                                             const std::string& key_file, bool plain_http) {
    const bool tls = !cert_file.empty() || !key_file.empty();
    if (plain_http && tls)
        return "both plain HTTP and TLS files are configured: choose one (drop --plain-http to "
               "serve HTTPS)";
    if (!plain_http) {
        if (!tls)
            return "no TLS certificate configured: give --tls-cert FILE and --tls-key FILE (PEM), "
                   "or --plain-http to serve plain HTTP on a loopback address";
        if (cert_file.empty()) return "--tls-key is given but --tls-cert is missing";
        if (key_file.empty()) return "--tls-cert is given but --tls-key is missing";
        if (!readable(cert_file)) return "cannot read the TLS certificate file '" + cert_file + "'";
        if (!readable(key_file)) return "cannot read the TLS private key file '" + key_file + "'";
        return std::nullopt;
    }
    Poco::Net::IPAddress host;
    try {
        host = Poco::Net::SocketAddress(listen, 0).host();
    } catch (const Poco::Exception& e) {
        return "cannot use the listen address '" + listen + "': " + e.displayText();
    }
    if (!host.isLoopback())
        return "plain HTTP is only allowed on a loopback address (127.0.0.0/8 or ::1), not on '" +
               listen + "': serve HTTPS with --tls-cert and --tls-key";
    return std::nullopt;
}

Poco::Net::Context::Ptr make_server_tls_context(const std::string& cert_file,
                                                const std::string& key_file) {
    Poco::Net::Context::Params params;
    params.certificateFile = cert_file;  // loaded as a chain: intermediates may follow
    params.privateKeyFile = key_file;
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificates
    params.loadDefaultCAs = false;
    params.cipherList = tuning::tls12_cipher_list;
    Poco::Net::Context::Ptr context;
    try {
        context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    } catch (const Poco::Exception& e) {
        throw Poco::InvalidArgumentException("cannot load the TLS certificate '" + cert_file +
                                             "' or private key '" + key_file +
                                             "' (PEM, key unencrypted): " + e.displayText());
    }
    if (SSL_CTX_check_private_key(context->sslContext()) != 1) {
        ERR_clear_error();
        throw Poco::InvalidArgumentException("the TLS private key '" + key_file +
                                             "' does not belong to the certificate '" + cert_file +
                                             "'");
    }
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    context->preferServerCiphers();
    return context;
}

SslLibrary::SslLibrary() {
    Poco::Net::initializeSSL();
}

SslLibrary::~SslLibrary() {
    Poco::Net::uninitializeSSL();
}

}  // namespace ocop::server
