#include "CBuildVersion.h"

#ifndef SMTPSH_VERSION
#error "SMTPSH_VERSION is defined by Package.swift"
#endif

const char *smtpsh_build_version(void) {
    return SMTPSH_VERSION;
}
