#include "fake_http.hpp"

#include <Poco/Net/NetException.h>
#include <Poco/NumberParser.h>

#include <algorithm>
#include <iterator>

#include "fuzz_check.hpp"

namespace ocop::fuzz {

namespace {

std::string rest_of(std::istream& in) {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// RFC 9112 §7.1 chunked framing, as strict as Poco's HTTPChunkedStreamBuf: hex size, optional
// extension after ';', CRLF, data, CRLF; a zero size ends the body (trailers are ignored). Returns
// the data decoded before the framing broke, and whether it broke.
std::pair<std::string, bool> unchunk(const std::string& wire) {
    std::string out;
    size_t pos = 0;
    while (true) {
        const size_t eol = wire.find("\r\n", pos);
        if (eol == std::string::npos) return {out, true};
        std::string line = wire.substr(pos, eol - pos);
        line = line.substr(0, line.find(';'));
        unsigned size = 0;
        if (line.empty() || line.size() > 8 || !Poco::NumberParser::tryParseHex(line, size))
            return {out, true};
        pos = eol + 2;
        if (size == 0) return {out, false};
        if (wire.size() - pos < size) {
            out.append(wire, pos, std::string::npos);
            return {out, true};
        }
        out.append(wire, pos, size);
        pos += size;
        if (wire.compare(pos, 2, "\r\n") != 0) return {out, true};
        pos += 2;
    }
}

}  // namespace

std::ostream& FakeResponse::send() {
    ++answers_;
    return body_;
}

void FakeResponse::sendFile(const std::string&, const std::string&) {
    fail("the server sent a file");
}

void FakeResponse::sendBuffer(const void* buffer, std::size_t length) {
    ++answers_;
    body_.write(static_cast<const char*>(buffer), static_cast<std::streamsize>(length));
}

void FakeResponse::redirect(const std::string&, HTTPStatus) {
    fail("the server redirected");
}

void FakeResponse::requireAuthentication(const std::string&) {
    fail("the server asked for HTTP Basic authentication");
}

BodyBuffer::BodyBuffer(std::string bytes, bool broken_at_end)
    : bytes_(std::move(bytes)), broken_at_end_(broken_at_end) {
    setg(bytes_.data(), bytes_.data(), bytes_.data() + bytes_.size());
}

BodyBuffer::int_type BodyBuffer::underflow() {
    if (broken_at_end_) throw Poco::Net::MessageException("Invalid chunked encoding");
    return traits_type::eof();
}

FakeRequest::FakeRequest(std::istream& wire, FakeResponse& response) : response_(response) {
    read(wire);
    std::string rest = rest_of(wire);
    std::string body;
    bool broken = false;
    if (getChunkedTransferEncoding()) {
        std::tie(body, broken) = unchunk(rest);
    } else if (hasContentLength()) {
        const auto length = getContentLength64();  // throws on a malformed value, as in Poco
        body = rest.substr(0, static_cast<size_t>(std::max<Poco::Int64>(length, 0)));
    } else if (getMethod() == HTTP_GET || getMethod() == HTTP_HEAD || getMethod() == HTTP_DELETE) {
        body.clear();
    } else {
        body = std::move(rest);  // Poco reads such a body until the connection closes
    }
    body_buffer_ = std::make_unique<BodyBuffer>(std::move(body), broken);
    body_stream_.rdbuf(body_buffer_.get());
}

}  // namespace ocop::fuzz
