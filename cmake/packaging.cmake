# SPDX-License-Identifier: MIT
# `cpack -G DEB` in the build folder: a Debian package of what `cmake --install` installs.
# Its dependencies come from the programs' shared libraries (dpkg-shlibdeps).
set(CPACK_PACKAGE_NAME "auditlens")
set(CPACK_PACKAGE_VENDOR "The Auditlens authors")
set(CPACK_PACKAGE_CONTACT "The Auditlens authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "workbench for Cloudflare audit logs (GUI and CLI)")
set(CPACK_PACKAGE_DESCRIPTION
  "Auditlens opens Cloudflare audit logs (Logpush NDJSON files, gzip-compressed or not, JSON
arrays, Cloudflare API responses), filters the trail by actor, action, resource type, text,
time and result, shows what each change did, and shows every record raw and in its Elastic
Common Schema form side by side. It creates Logpush jobs and can receive their pushes live.
auditlens-cli normalizes, validates and summarizes the same logs on the command line.")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/auditlens/auditlens")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # auditlens_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Run-time data files the programs read that no shared library pulls in: the public suffix
# list (libpsl's domain split) and uap-core's user-agent regexes (the intake engine's
# enrichment), both read from /usr/share.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "publicsuffix, uap-core")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion")

include(CPack)
