#include "cmd/main_lib.h"

int main(int argc, char** argv) { return secplat::cmd::Main(argc, argv); }
