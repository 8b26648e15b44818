# The Debian package of the server, built with CPack from the release build:
#   cmake --preset release && cmake --build --preset release
#   cd build/release && cpack -G DEB        -> ocop-server_<version>-<release>_<arch>.deb
# It installs ocop-server and ocop-admin (/usr/bin), their manual pages, the systemd unit
# (/lib/systemd/system/ocop-server.service), the commented configuration
# /etc/ocop/ocop-server.properties (a conffile) and docs/operations.md; the maintainer scripts
# (packaging/debian/, written by hand in debhelper's form) create the system user ocop and
# /var/lib/ocop, and a purge deletes /var/lib/ocop. tools/test.sh checks the package with
# `dpkg-deb --contents` and lintian (docs/operations.md).

set(OCOP_PACKAGING_DIR "${PROJECT_SOURCE_DIR}/packaging")
set(OCOP_DEB_RELEASE "1" CACHE STRING "Debian revision of the ocop-server package")
set(OCOP_DEB_MAINTAINER "OCOP field sync maintainers <ocop-field-sync@example.org>"
    CACHE STRING "Maintainer field of the ocop-server package")
set(OCOP_DEB_VERSION "${PROJECT_VERSION}-${OCOP_DEB_RELEASE}")

# The packaged binaries resolve every symbol at start and map the relocations read-only after
# (Debian's hardening for daemons: lintian's hardening-no-bindnow). Only their link changes.
target_link_options(ocop-server PRIVATE -Wl,-z,relro,-z,now)
target_link_options(ocop-admin PRIVATE -Wl,-z,relro,-z,now)

# Only these rules install anything: the package holds the server and the admin tool, not the
# device CLI, the tests or the benchmarks.
install(TARGETS ocop-server ocop-admin RUNTIME DESTINATION bin)
install(FILES "${OCOP_PACKAGING_DIR}/ocop-server.service" DESTINATION /lib/systemd/system)
install(FILES "${OCOP_PACKAGING_DIR}/ocop-server.properties" DESTINATION /etc/ocop)

# Debian wants manual pages and changelogs compressed with gzip -9n (no name, no time stamp:
# the same bytes on every build).
set(OCOP_PACKAGING_BUILD "${PROJECT_BINARY_DIR}/packaging")
file(MAKE_DIRECTORY "${OCOP_PACKAGING_BUILD}")
configure_file("${OCOP_PACKAGING_DIR}/changelog.Debian.in"
               "${OCOP_PACKAGING_BUILD}/changelog.Debian" @ONLY)
function(ocop_gzip source target)
  execute_process(COMMAND gzip -9 -n -c "${source}" OUTPUT_FILE "${target}"
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${source} failed")
  endif()
endfunction()
ocop_gzip("${OCOP_PACKAGING_BUILD}/changelog.Debian" "${OCOP_PACKAGING_BUILD}/changelog.Debian.gz")
foreach(page ocop-server.8 ocop-admin.8)
  ocop_gzip("${OCOP_PACKAGING_DIR}/man/${page}" "${OCOP_PACKAGING_BUILD}/${page}.gz")
  install(FILES "${OCOP_PACKAGING_BUILD}/${page}.gz" DESTINATION share/man/man8)
endforeach()
# Re-run the configuration when a packaging source changes (the gzip copies are made then).
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             "${OCOP_PACKAGING_DIR}/changelog.Debian.in" "${OCOP_PACKAGING_DIR}/man/ocop-server.8"
             "${OCOP_PACKAGING_DIR}/man/ocop-admin.8")
install(FILES "${OCOP_PACKAGING_DIR}/copyright" "${OCOP_PACKAGING_BUILD}/changelog.Debian.gz"
              "${PROJECT_SOURCE_DIR}/docs/operations.md"
        DESTINATION share/doc/ocop-server)
if(EXISTS "${OCOP_PACKAGING_DIR}/lintian-overrides")
  install(FILES "${OCOP_PACKAGING_DIR}/lintian-overrides" DESTINATION share/lintian/overrides
          RENAME ocop-server)
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "ocop-server")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${OCOP_DEB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE "${OCOP_DEB_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${OCOP_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# The shared libraries' packages from dpkg-shlibdeps, and what the maintainer scripts run.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OCOP field sync server and its admin tool")
# The extended description, under the summary line (CPack indents it for the control file).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "ocop-server keeps the records that a province's commune officers and
inspectors collect on their devices, offline, and syncs them over HTTPS:
changes merge field by field, conflicts are kept for a person to resolve,
and every sync is in an audit trail. ocop-admin manages users, roles,
devices and backups of the data directory.
.
The package runs the server as the systemd service ocop-server under its
own system user ocop, with its data in /var/lib/ocop.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${OCOP_PACKAGING_DIR}/debian/postinst" "${OCOP_PACKAGING_DIR}/debian/prerm"
    "${OCOP_PACKAGING_DIR}/debian/postrm" "${OCOP_PACKAGING_DIR}/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
