// Captures what a Poco logger writes while it lives: each message as logged (text, parameters),
// and each formatted line when a formatter is given. Restores the logger's channel and level
// afterwards. Loggers are shared by the whole process, so the server's worker threads log here
// too; access is locked.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <mutex>
#include <string>
#include <vector>

namespace ocop::server::test {

class CaptureChannel final : public Poco::Channel {
  public:
    void log(const Poco::Message& message) override {
        const std::lock_guard lock(mutex_);
        messages_.push_back(message);
    }
    std::vector<Poco::Message> messages() const {
        const std::lock_guard lock(mutex_);
        return messages_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Poco::Message> messages_;
};

class LogCapture {
  public:
    // `formatter` null: messages are kept as logged; otherwise their text is the formatted line.
    explicit LogCapture(const std::string& logger, Poco::Formatter::Ptr formatter = nullptr)
        : logger_(Poco::Logger::get(logger)),
          old_channel_(logger_.getChannel()),
          old_level_(logger_.getLevel()),
          capture_(new CaptureChannel) {
        if (formatter)
            logger_.setChannel(
                new Poco::FormattingChannel(formatter, Poco::Channel::Ptr(capture_)));
        else
            logger_.setChannel(Poco::Channel::Ptr(capture_));
        logger_.setLevel(Poco::Message::PRIO_INFORMATION);
    }
    ~LogCapture() {
        logger_.setChannel(old_channel_);
        logger_.setLevel(old_level_);
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    std::vector<Poco::Message> messages() const { return capture_->messages(); }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        for (const auto& m : messages()) out.push_back(m.getText());
        return out;
    }

  private:
    Poco::Logger& logger_;
    Poco::Channel::Ptr old_channel_;
    int old_level_;
    Poco::AutoPtr<CaptureChannel> capture_;
};

}  // namespace ocop::server::test
