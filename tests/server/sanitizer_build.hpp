// Which sanitizer this test binary was built with, for the few tests whose bounds are about
// memory or time the sanitizers change. GCC defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__;
// clang (the asan and tsan presets) answers __has_feature instead.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define OCOP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OCOP_TEST_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define OCOP_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OCOP_TEST_TSAN 1
#endif
#endif
