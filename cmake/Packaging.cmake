# The Debian package: `cpack -G DEB` in a configured build directory (release preset:
# `cd build && cpack -G DEB`) writes wirelink_<version>_amd64.deb. Owned by the agent work.
include(GNUInstallDirs)

# Units, example configuration and documentation (binaries install themselves).
install(FILES ${PROJECT_SOURCE_DIR}/systemd/wirelink@.service ${PROJECT_SOURCE_DIR}/systemd/wl-quick@.service
              ${PROJECT_SOURCE_DIR}/systemd/wirelink-wg@.service
        DESTINATION lib/systemd/system COMPONENT wirelink)
if(EXISTS ${PROJECT_SOURCE_DIR}/systemd/wirelink-coordinator.service)
  install(FILES ${PROJECT_SOURCE_DIR}/systemd/wirelink-coordinator.service
          DESTINATION lib/systemd/system COMPONENT wirelink)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/wirelink.wg0.json.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT wirelink)
foreach(doc README.md PROTOCOL.md)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${doc})
    install(FILES ${PROJECT_SOURCE_DIR}/${doc} DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT wirelink)
  endif()
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/tmpfiles.d/wirelink.conf
        DESTINATION lib/tmpfiles.d COMPONENT wirelink)

set(CPACK_PACKAGE_NAME wirelink)
set(CPACK_PACKAGE_VENDOR "wirelink")
set(CPACK_PACKAGE_CONTACT "wirelink maintainers <wirelink@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "WireGuard mesh control agent")
set(CPACK_PACKAGE_DESCRIPTION
    "wirelink sits beside a WireGuard interface and makes a mesh configure itself: it gives\n"
    "every peer a link-local address derived from its key, gossips short-lived facts about\n"
    "peers through a trust filter, and keeps direct paths up, falling back through a router.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # wirelink_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends computed by dpkg-shlibdeps
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "wireguard-tools")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "wireguard-go")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
