cmake_minimum_required(VERSION 3.25)
# Fails unless the shared library LIB exports (defines in its dynamic symbol table) ocop_*
# symbols only. ALLOWED lists what the toolchain itself must export; for GNU ld on x86-64 nothing
# is needed (no _init/_fini in the dynamic table), the names are accepted in case another linker
# puts them there.
# cmake -DLIB=libocopsdk.so -DNM=nm -P exports_only_c_abi.cmake
set(ALLOWED _init _fini)
if(NOT EXISTS "${LIB}")
  message(FATAL_ERROR "${LIB} does not exist: build ocop_sdk_shared first")
endif()
execute_process(COMMAND ${NM} -D --defined-only "${LIB}" OUTPUT_VARIABLE out
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D failed on ${LIB}: ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(c_abi 0)
set(stray "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-fA-F]* +[A-Za-z] +([^ ]+)$")
    set(name "${CMAKE_MATCH_1}")
    if(name MATCHES "^ocop_")
      math(EXPR c_abi "${c_abi} + 1")
    elseif(NOT name IN_LIST ALLOWED)
      string(APPEND stray "\n  ${name}")
    endif()
  endif()
endforeach()
# The C ABI must be there, or a library that exports nothing would pass.
if(c_abi EQUAL 0 OR NOT out MATCHES " ocop_sdk_abi_version\n")
  message(FATAL_ERROR "${LIB} exports no C ABI (ocop_sdk_abi_version missing)")
endif()
if(NOT stray STREQUAL "")
  message(FATAL_ERROR "${LIB} exports symbols outside the C ABI (mobile-sdk/ocopsdk.map):${stray}")
endif()
message(STATUS "${LIB}: ${c_abi} symbols exported, all ocop_*")
