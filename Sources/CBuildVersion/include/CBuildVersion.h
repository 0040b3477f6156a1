#ifndef CBUILDVERSION_H
#define CBUILDVERSION_H

/// The version this build of smtpsh was given: `smtpshVersion` in Package.swift, or the
/// SMTPSH_VERSION environment variable of the build (Scripts/version, Docs/packaging.md).
/// A C function because only a C target can be handed a string at build time.
const char *smtpsh_build_version(void);

#endif
