// ocop-server: see server_app.hpp.
#include <iostream>  // POCO_SERVER_MAIN reports exceptions on std::cerr

#include "ocop/server/server_app.hpp"

POCO_SERVER_MAIN(ocop::server::ServerApp)
