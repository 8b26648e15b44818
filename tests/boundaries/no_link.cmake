cmake_minimum_required(VERSION 3.25)
# Fails if the link libraries CMake recorded for a target (LINKS_FILE, written at generate
# time by file(GENERATE)) name any of FORBID (a regex): the declared dependencies, which the
# symbol check (no_references.cmake) cannot see when nothing uses them yet.
file(READ "${LINKS_FILE}" links)
if(links STREQUAL "")
  message(FATAL_ERROR "${LINKS_FILE} is empty: the check saw nothing")
endif()
string(REPLACE ";" "\n  " shown "${links}")
if(links MATCHES "${FORBID}")
  message(FATAL_ERROR "${WHAT}: links ${CMAKE_MATCH_0}; its links are:\n  ${shown}")
endif()
message(STATUS "${WHAT}: links\n  ${shown}")
