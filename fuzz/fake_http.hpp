// Poco's server request and response over memory instead of a socket, so the fuzz target can
// drive the real Router and RequestHandler with arbitrary bytes. The request's header is parsed
// by Poco (HTTPRequest::read); its body is framed the way Poco's HTTPServerRequestImpl frames it
// (chunked, Content-Length, none for GET/HEAD/DELETE, else up to the end of the input). The
// response records every answer sent, so the target can check there was exactly one.
#pragma once

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>

#include <istream>
#include <memory>
#include <sstream>
#include <streambuf>
#include <string>

namespace ocop::fuzz {

class FakeResponse final : public Poco::Net::HTTPServerResponse {
  public:
    void sendContinue() override { ++continues_; }
    std::ostream& send() override;
    void sendFile(const std::string& path, const std::string& media_type) override;
    void sendBuffer(const void* buffer, std::size_t length) override;
    void redirect(const std::string& uri, HTTPStatus status) override;
    void requireAuthentication(const std::string& realm) override;
    bool sent() const override { return answers_ > 0; }

    int answers() const { return answers_; }
    std::string body() const { return body_.str(); }

  private:
    int answers_ = 0;
    int continues_ = 0;
    std::ostringstream body_;
};

// A body stream that yields `bytes`, then fails the way Poco's chunked stream does on a broken
// chunk (an exception inside the stream buffer, which the istream turns into badbit).
class BodyBuffer final : public std::streambuf {
  public:
    BodyBuffer(std::string bytes, bool broken_at_end);
    const std::string& bytes() const { return bytes_; }

  protected:
    int_type underflow() override;

  private:
    std::string bytes_;
    bool broken_at_end_;
};

class FakeRequest final : public Poco::Net::HTTPServerRequest {
  public:
    // Parses the request header from `wire`; throws Poco::Net::MessageException (or another
    // Poco::Exception) where Poco's server would answer 400 itself without calling a handler.
    FakeRequest(std::istream& wire, FakeResponse& response);

    std::istream& stream() override { return body_stream_; }
    const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
    const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
    const Poco::Net::HTTPServerParams& serverParams() const override { return *params_; }
    Poco::Net::HTTPServerResponse& response() const override { return response_; }
    bool secure() const override { return false; }

    // The body as framed (before any gunzip), for the target's own checks.
    const std::string& framed_body() const { return body_buffer_->bytes(); }

  private:
    FakeResponse& response_;
    Poco::Net::SocketAddress client_{"127.0.0.1", 40000};
    Poco::Net::SocketAddress server_{"127.0.0.1", 8443};
    Poco::Net::HTTPServerParams::Ptr params_{new Poco::Net::HTTPServerParams};
    std::unique_ptr<BodyBuffer> body_buffer_;
    std::istream body_stream_{nullptr};
};

}  // namespace ocop::fuzz
