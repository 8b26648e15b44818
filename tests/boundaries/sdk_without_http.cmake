cmake_minimum_required(VERSION 3.25)
# Configures the project once more into SCRATCH with OCOP_SDK_HTTP_TRANSPORT=OFF (tests and
# benchmarks off: about two seconds, nothing is compiled) and reads the link lines Ninja would
# run for libocopsdk.so and for ocop-field (which links the static ocop_sdk): neither may name
# Poco Net/NetSSL, OpenSSL or ocop_transport_http. The compile side (database.cpp must not name
# HttpTransport) is the job of the disabled object check next to this one.
file(REMOVE_RECURSE "${SCRATCH}")
execute_process(
  COMMAND ${CMAKE_COMMAND} -S "${SOURCE}" -B "${SCRATCH}" -G Ninja
          "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}" "-DCMAKE_CXX_COMPILER=${CXX}"
          "-DCMAKE_C_COMPILER=${CC}" -DOCOP_SDK_HTTP_TRANSPORT=OFF -DOCOP_BUILD_TESTS=OFF
          -DOCOP_BUILD_BENCH=OFF
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring with OCOP_SDK_HTTP_TRANSPORT=OFF failed:\n${out}\n${err}")
endif()
file(READ "${SCRATCH}/build.ninja" ninja)
foreach(output IN ITEMS "mobile-sdk/libocopsdk.so" "bin/ocop-field")
  string(FIND "${ninja}" "\nbuild ${output}:" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "no link step for ${output} in ${SCRATCH}/build.ninja")
  endif()
  string(SUBSTRING "${ninja}" ${at} 20000 block)
  string(REGEX MATCH "\n  LINK_LIBRARIES = [^\n]*" links "${block}")
  # The right line was read: the SDK's archives are on it.
  if(NOT links MATCHES "libocop_sync\\.a" OR NOT links MATCHES "libocop_domain\\.a")
    message(FATAL_ERROR "${output}: could not read its link line (got '${links}')")
  endif()
  if(links MATCHES "PocoNet|libssl|libcrypto|ocop_transport_http")
    message(FATAL_ERROR "${output} links ${CMAKE_MATCH_0} without the HTTP transport:${links}")
  endif()
  message(STATUS "${output}:${links}")
endforeach()
file(REMOVE_RECURSE "${SCRATCH}")
