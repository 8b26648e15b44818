// ocop-desk-fixture DIR: the server the browser test drives. Starts a real Server on a loopback
// port with the desk's test world in DIR (tests/desk/desk_world.hpp), prints one JSON line
// ({port, commune, commune_name, other_commune, conflict, other_conflict, ...}) and serves until
// its standard input closes (the test's end, or the test dying), then stops and exits.
#include <iostream>
#include <string>

#include "desk_world.hpp"

int main(int argc, char** argv) {
    using namespace ocop::server;
    if (argc != 2) {
        std::cerr << "usage: ocop-desk-fixture DIR (an empty or missing directory)\n";
        return 2;
    }
    try {
        ServerOptions o;
        o.data_dir = std::string(argv[1]) + "/data";
        o.listen = "127.0.0.1";
        o.plain_http = true;
        o.port = 0;
        o.pbkdf2_iterations = 1000;  // the real derivation, less work: a test's accounts
        Server server(o);
        server.start();
        const desk_test::DeskWorld w = desk_test::make_desk_world(server, 3000);
        const auto other = server.store().read("product", w.other_product);
        std::cout << nlohmann::json{{"port", server.port()},
                                    {"user", demo_user},
                                    {"commune_user", demo_commune_user},
                                    {"password", demo_password},
                                    {"commune", w.commune},
                                    {"commune_name", w.commune_name},
                                    {"other_commune", w.other_commune},
                                    {"other_product_name", other->get("name")},
                                    {"conflict", w.conflict},
                                    {"other_conflict", w.other_conflict}}
                         .dump()
                  << std::endl;
        std::string line;
        while (std::getline(std::cin, line)) {
        }
        server.stop();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "ocop-desk-fixture: " << e.what() << "\n";
        return 1;
    }
}
