import NIOCore
import Testing

@testable import SMTPClient

/// Names and address literals to socket addresses, with `-4` / `-6`.
@Suite struct AddressResolverTests {
    @Test func anIPv4LiteralIsTakenAsItIs() async throws {
        let addresses = try await AddressResolver.resolve("127.0.0.1", port: 2525, family: .any)
        #expect(addresses.count == 1)
        #expect(addresses.first?.ipAddress == "127.0.0.1")
        #expect(addresses.first?.port == 2525)
    }

    @Test func anIPv6LiteralIsTakenAsItIs() async throws {
        let addresses = try await AddressResolver.resolve("::1", port: 25, family: .ipv6)
        #expect(addresses.map(\.ipAddress) == ["::1"])
    }

    @Test func aLiteralOfTheOtherFamilyIsRefused() async {
        await #expect(throws: ConnectError.nameNotFound("127.0.0.1", family: .ipv6)) {
            try await AddressResolver.resolve("127.0.0.1", port: 25, family: .ipv6)
        }
        await #expect(throws: ConnectError.nameNotFound("::1", family: .ipv4)) {
            try await AddressResolver.resolve("::1", port: 25, family: .ipv4)
        }
    }

    @Test func localhostIsResolved() async throws {
        let addresses = try await AddressResolver.resolve("localhost", port: 25, family: .ipv4)
        #expect(addresses.contains { $0.ipAddress == "127.0.0.1" })
    }
}
